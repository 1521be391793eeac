// What the sidebar tree lists under each row for one snapshot, one grouping and one filter, without vscode
// (unit tested). Grouped by namespace: the namespace hierarchy with each namespace's process tree, as ModelIndex
// gives it. Grouped by container: one row per container holding its own processes (by their cgroup, so two
// containers sharing a PID namespace each list theirs; a namespace nested inside a container stays the
// container's), then a row for the processes in no container, grouped by namespace as before. A filter keeps
// what matches (treeFilter.ts) with the rows above it, so that every kept process still hangs where it belongs.
// Built once per (snapshot, grouping, filter): O(processes).
import { containerKey, containerLabel } from '../../shared/core/containers';
import { nsKey } from '../../shared/core/identity';
import type { ModelIndex } from '../../shared/core/modelIndex';
import { containerMatches, namespaceMatches, normalizeFilter, processMatches } from '../../shared/core/treeFilter';
import type { ContainerInfo, NamespaceInfo, ProcessInfo } from '../../shared/core/types';
import { nsName } from '../../shared/core/nsName';

export type GroupBy = 'namespace' | 'container';

/** The lists a namespace tree is drawn from: ModelIndex itself, or a part of it (KeptLists). */
export interface TreeLists {
  children(ns: NamespaceInfo): NamespaceInfo[];
  topProcesses(ns: NamespaceInfo): ProcessInfo[];
  unseenParents(ns: NamespaceInfo): number[];
  childrenOfUnseen(ns: NamespaceInfo, ppid: number): ProcessInfo[];
  childProcesses(p: ProcessInfo): ProcessInfo[];
  parentProcess(p: ProcessInfo): ProcessInfo | undefined;
  unseenParentOf(p: ProcessInfo): number | undefined;
}

/** The row a process is listed under. */
export type Place =
  | { kind: 'process'; parent: ProcessInfo }
  | { kind: 'unseen'; ns: NamespaceInfo; pid: number }
  | { kind: 'namespace'; ns: NamespaceInfo }
  | { kind: 'container'; container: ContainerInfo };

/**
 * The namespace tree restricted to some processes: `seed` ones that are `eligible`, plus their eligible ancestors
 * in the same namespace (so a kept process keeps its place), and the namespaces holding them with their ancestors.
 * A kept process whose parent is not kept becomes a top of its namespace.
 */
export class KeptLists implements TreeLists {
  private readonly kept = new Set<number>();
  private readonly nsKept = new Set<string>();
  private readonly tops = new Map<string, ProcessInfo[]>();
  private readonly kids = new Map<number, ProcessInfo[]>();
  private readonly unseen = new Map<string, Map<number, ProcessInfo[]>>();

  constructor(
    private readonly view: ModelIndex,
    seed: (p: ProcessInfo) => boolean,
    eligible: (p: ProcessInfo) => boolean,
    /** Namespaces kept even without a kept process (they matched themselves). */
    extraNs: readonly NamespaceInfo[] = [],
  ) {
    for (const p of view.snapshot.processes) {
      if (this.kept.has(p.pid) || !eligible(p) || !seed(p)) continue;
      for (let q: ProcessInfo | undefined = p; q && !this.kept.has(q.pid) && eligible(q); q = view.parentProcess(q)) this.kept.add(q.pid);
    }
    const keepNs = (ns: NamespaceInfo | undefined): void => {
      for (let n = ns; n && !this.nsKept.has(nsKey(n)); n = view.parentOf(n)) this.nsKept.add(nsKey(n));
    };
    const members = [...this.kept].map((pid) => view.process(pid) as ProcessInfo).sort((a, b) => a.pid - b.pid);
    for (const p of members) {
      keepNs(view.namespaceOf(p));
      const parent = view.parentProcess(p);
      const key = nsKey({ dev: p.nsDev, inode: p.ns });
      const unseen = view.unseenParentOf(p);
      if (parent && this.kept.has(parent.pid)) push(this.kids, parent.pid, p);
      else if (!parent && unseen !== undefined) {
        let byParent = this.unseen.get(key);
        if (!byParent) this.unseen.set(key, (byParent = new Map()));
        push(byParent, unseen, p);
      } else push(this.tops, key, p);
    }
    for (const ns of extraNs) keepNs(ns);
  }

  /** Is this namespace listed at all? */
  hasNamespace(ns: NamespaceInfo): boolean {
    return this.nsKept.has(nsKey(ns));
  }

  /** Is this process listed at all? */
  has(p: ProcessInfo): boolean {
    return this.kept.has(p.pid);
  }

  children(ns: NamespaceInfo): NamespaceInfo[] {
    return this.view.children(ns).filter((c) => this.nsKept.has(nsKey(c)));
  }

  topProcesses(ns: NamespaceInfo): ProcessInfo[] {
    return this.tops.get(nsKey(ns)) ?? [];
  }

  unseenParents(ns: NamespaceInfo): number[] {
    return [...(this.unseen.get(nsKey(ns))?.keys() ?? [])].sort((a, b) => a - b);
  }

  childrenOfUnseen(ns: NamespaceInfo, ppid: number): ProcessInfo[] {
    return this.unseen.get(nsKey(ns))?.get(ppid) ?? [];
  }

  childProcesses(p: ProcessInfo): ProcessInfo[] {
    return this.kids.get(p.pid) ?? [];
  }

  parentProcess(p: ProcessInfo): ProcessInfo | undefined {
    const parent = this.view.parentProcess(p);
    return parent && this.kept.has(parent.pid) ? parent : undefined;
  }

  unseenParentOf(p: ProcessInfo): number | undefined {
    return this.view.parentProcess(p) ? undefined : this.view.unseenParentOf(p);
  }
}

/** One container's own processes as a process tree (parent links inside the container, any namespace). */
interface ContainerTree {
  container: ContainerInfo;
  tops: ProcessInfo[];
}

export class TreeShape {
  /** The namespace tree: everything (grouped by namespace) or the processes in no container. */
  readonly lists: TreeLists;
  /** The filter as matched ('' = none). */
  readonly filter: string;
  private readonly keptLists: KeptLists | undefined;
  private readonly trees: ContainerTree[] = [];
  private readonly treeOf = new Map<string, ContainerTree>();
  /** Kept container members: pid → its kept children in the container. */
  private readonly containerKids = new Map<number, ProcessInfo[]>();
  private readonly containerKept = new Set<number>();

  constructor(
    readonly view: ModelIndex,
    readonly groupBy: GroupBy,
    filterText = '',
  ) {
    const needle = normalizeFilter(filterText);
    this.filter = needle;
    if (groupBy === 'namespace') {
      if (needle === '') {
        this.lists = view;
        this.keptLists = undefined;
        return;
      }
      const nsMatch = new Map<string, boolean>();
      const matchesNs = (ns: NamespaceInfo): boolean => {
        const key = nsKey(ns);
        let m = nsMatch.get(key);
        if (m === undefined) nsMatch.set(key, (m = namespaceMatches(view, ns, needle)));
        return m;
      };
      const ownNs = (p: ProcessInfo): boolean => {
        const ns = view.namespaceOf(p);
        return ns !== undefined && matchesNs(ns);
      };
      const extra = view.snapshot.namespaces.filter((ns) => matchesNs(ns));
      this.keptLists = new KeptLists(
        view,
        (p) => ownNs(p) || processMatches(view, p, needle),
        () => true,
        extra,
      );
      this.lists = this.keptLists;
      return;
    }
    const inContainer = (p: ProcessInfo): boolean => view.containerOf(p) !== undefined;
    this.keptLists = new KeptLists(
      view,
      (p) => needle === '' || processMatches(view, p, needle),
      (p) => !inContainer(p),
    );
    this.lists = this.keptLists;
    this.groupContainers(needle);
  }

  /** The namespace at the top of the namespace tree, unless nothing in it is listed. */
  rootNamespace(): NamespaceInfo | undefined {
    const root = this.view.root;
    if (!root) return undefined;
    return this.keptLists === undefined || this.keptLists.hasNamespace(root) ? root : undefined;
  }

  /** Is the namespace listed in the namespace tree (everything, or the processes in no container)? */
  hasNamespace(ns: NamespaceInfo): boolean {
    return this.keptLists === undefined || this.keptLists.hasNamespace(ns);
  }

  /** Grouped by container: the containers listed, by label. */
  containers(): ContainerInfo[] {
    return this.trees.map((t) => t.container);
  }

  /** The tops of a container's process tree, by PID (empty when it is not listed). */
  containerTops(c: ContainerInfo): ProcessInfo[] {
    return this.treeOf.get(containerKey(c))?.tops ?? [];
  }

  /** Is this container listed? */
  hasContainer(c: ContainerInfo): boolean {
    return this.treeOf.has(containerKey(c));
  }

  /** The children of a process row. */
  childProcesses(p: ProcessInfo): ProcessInfo[] {
    if (this.inContainerTree(p)) return this.containerKids.get(p.pid) ?? [];
    return this.lists.childProcesses(p);
  }

  /** Is the process listed anywhere? */
  shows(p: ProcessInfo): boolean {
    if (this.inContainerTree(p)) return this.containerKept.has(p.pid);
    if (this.keptLists !== undefined) return this.keptLists.has(p);
    return this.view.namespaceOf(p) !== undefined;
  }

  /** Where the process is listed; undefined when it is not. */
  place(p: ProcessInfo): Place | undefined {
    if (!this.shows(p)) return undefined;
    if (this.inContainerTree(p)) {
      const c = this.view.containerOf(p) as ContainerInfo;
      const parent = this.view.process(p.ppid);
      if (parent && parent.pid !== p.pid && this.containerKept.has(parent.pid) && this.sameContainer(parent, p))
        return { kind: 'process', parent };
      return { kind: 'container', container: c };
    }
    const parent = this.lists.parentProcess(p);
    if (parent) return { kind: 'process', parent };
    const ns = this.view.namespaceOf(p);
    if (!ns) return undefined;
    const unseen = this.lists.unseenParentOf(p);
    return unseen !== undefined ? { kind: 'unseen', ns, pid: unseen } : { kind: 'namespace', ns };
  }

  /** The list a process at `place` is in (for paging before a reveal). */
  listAt(place: Place): ProcessInfo[] {
    switch (place.kind) {
      case 'process':
        return this.childProcesses(place.parent);
      case 'unseen':
        return this.lists.childrenOfUnseen(place.ns, place.pid);
      case 'namespace':
        return this.lists.topProcesses(place.ns);
      case 'container':
        return this.containerTops(place.container);
    }
  }

  /** Nothing listed at all (the filter matched nothing). */
  get empty(): boolean {
    return this.rootNamespace() === undefined && this.trees.length === 0;
  }

  private inContainerTree(p: ProcessInfo): boolean {
    return this.groupBy === 'container' && this.view.containerOf(p) !== undefined;
  }

  private sameContainer(a: ProcessInfo, b: ProcessInfo): boolean {
    return a.container !== undefined && b.container !== undefined && containerKey(a.container) === containerKey(b.container);
  }

  private groupContainers(needle: string): void {
    const members = new Map<string, ProcessInfo[]>();
    for (const p of this.view.snapshot.processes) {
      const c = this.view.containerOf(p);
      if (c !== undefined) push(members, containerKey(c), p);
    }
    const containers = [...(this.view.snapshot.containers ?? [])].sort(
      (a, b) => compareText(containerLabel(a), containerLabel(b)) || compareText(containerKey(a), containerKey(b)),
    );
    for (const c of containers) {
      const procs = (members.get(containerKey(c)) ?? []).sort((a, b) => a.pid - b.pid);
      const whole = needle === '' || containerMatches(c, needle) || nsName(c.pidNs).includes(needle);
      const kept = new Set<number>();
      const inside = new Set(procs.map((p) => p.pid));
      for (const p of procs) {
        if (!whole && !processMatches(this.view, p, needle)) continue;
        // A matching process keeps its ancestors inside the container, so it stays where it hangs.
        for (
          let q: ProcessInfo | undefined = p;
          q && inside.has(q.pid) && !kept.has(q.pid);
          q = q.ppid === q.pid ? undefined : this.view.process(q.ppid)
        )
          kept.add(q.pid);
      }
      if (kept.size === 0) continue;
      const tops: ProcessInfo[] = [];
      for (const p of procs) {
        if (!kept.has(p.pid)) continue;
        this.containerKept.add(p.pid);
        if (p.ppid !== p.pid && kept.has(p.ppid)) push(this.containerKids, p.ppid, p);
        else tops.push(p);
      }
      const tree = { container: c, tops };
      this.trees.push(tree);
      this.treeOf.set(containerKey(c), tree);
    }
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
