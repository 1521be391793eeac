// The one index over a Snapshot, for the tree, the hovers, the CLI and the PID translation: namespaces by key,
// each namespace's children and member processes (flat, and as a process tree inside the namespace), processes
// by caller-level PID, and each process's PID at every level. Built once per snapshot (O(n)); every lookup is
// then O(1) or O(depth), since the tree asks on every expand and hovers on every mouse move. Pure.
//
// Two parents, on purpose: `ancestry` follows only the parent links the scan could read, so a process's PID at
// every level never shifts across a gap (levels.ts); `parentOf` is where the views draw a namespace, which hangs
// one whose parent is unknown under the caller's namespace (every namespace the caller sees lies below its own).
import { containerKey } from './containers';
import { nsKey } from './identity';
import { alignLevels } from './levels';
import type { ContainerInfo, NamespaceInfo, ProcessInfo, Snapshot } from './types';

export interface LevelPid {
  /** 0 = the namespace the scan ran in, 1 = its child, … */
  level: number;
  /** Inode of the namespace at that level, or null when the ancestry could not be read that far. */
  nsInode: number | null;
  pid: number;
}

export class ModelIndex {
  private readonly byKey = new Map<string, NamespaceInfo>();
  private readonly childrenOf = new Map<string, NamespaceInfo[]>();
  private readonly processesOf = new Map<string, ProcessInfo[]>();
  private readonly byPid = new Map<number, ProcessInfo>();
  /** Child processes of a process, in the same namespace (the process tree inside one namespace). */
  private readonly childProcs = new Map<number, ProcessInfo[]>();
  /** Processes whose parent is not a member of their namespace (its init, entrants through setns), by namespace. */
  private readonly topProcs = new Map<string, ProcessInfo[]>();
  /**
   * Processes whose parent PID is not in the snapshot (it could not be read, or has just exited), by namespace and
   * then by that PID: the views group them under the unseen parent, so that orphans re-parented to an unreadable
   * init change that group and not the namespace's own list.
   */
  private readonly unseenKids = new Map<string, Map<number, ProcessInfo[]>>();
  /** Containers by the inode of their PID namespace (several can share one), and by containerKey. */
  private readonly containersByNs = new Map<number, ContainerInfo[]>();
  private readonly containersByKey = new Map<string, ContainerInfo>();
  /** The caller's namespace: the top of the tree. */
  readonly root: NamespaceInfo | undefined;

  constructor(readonly snapshot: Snapshot) {
    for (const ns of snapshot.namespaces) this.byKey.set(nsKey(ns), ns);
    for (const p of snapshot.processes) this.byPid.set(p.pid, p);
    this.root =
      this.byKey.get(nsKey({ dev: snapshot.self.nsDev, inode: snapshot.self.nsInode })) ?? snapshot.namespaces.find((n) => n.level === 0);
    this.indexChildren();
    this.indexProcesses();
    for (const c of snapshot.containers ?? []) {
      push(this.containersByNs, c.pidNs, c);
      this.containersByKey.set(containerKey(c), c);
    }
  }

  /** The containers whose PID namespace is `ns`, in the snapshot's order. */
  containersOf(ns: NamespaceInfo): ContainerInfo[] {
    return this.containersByNs.get(ns.inode) ?? [];
  }

  /** The container `p` belongs to, if the snapshot lists it. */
  containerOf(p: ProcessInfo): ContainerInfo | undefined {
    return p.container === undefined ? undefined : this.containersByKey.get(containerKey(p.container));
  }

  namespace(key: string): NamespaceInfo | undefined {
    return this.byKey.get(key);
  }

  /**
   * The inode-only case (lxkns' named constructor): a namespace a user or a record names by inode alone — a CLI
   * argument, a container's `pidNs`, a chain level. Every PID namespace of one snapshot is on the one nsfs device.
   */
  namespaceWithInode(inode: number): NamespaceInfo | undefined {
    return this.byKey.get(nsKey({ dev: this.snapshot.self.nsDev, inode }));
  }

  process(pid: number): ProcessInfo | undefined {
    return this.byPid.get(pid);
  }

  /** Child namespaces as drawn, in creation order (compareSiblings: by their inits' start; hidden ones last). */
  children(ns: NamespaceInfo): NamespaceInfo[] {
    return this.childrenOf.get(nsKey(ns)) ?? [];
  }

  /** Member processes sorted by caller-level PID. */
  processes(ns: NamespaceInfo): ProcessInfo[] {
    return this.processesOf.get(nsKey(ns)) ?? [];
  }

  /**
   * Processes of `ns` whose parent is outside it or is none (PID 0): the tops of its process tree, sorted by PID.
   * Not those whose parent is unseen (unseenParents).
   */
  topProcesses(ns: NamespaceInfo): ProcessInfo[] {
    return this.topProcs.get(nsKey(ns)) ?? [];
  }

  /**
   * PIDs (the caller's) of processes missing from the snapshot that are the parent of some member of `ns`: not
   * readable (PID 1 of a sandbox, another user's process when unprivileged) or exited a moment ago. Ascending.
   */
  unseenParents(ns: NamespaceInfo): number[] {
    return [...(this.unseenKids.get(nsKey(ns))?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** Members of `ns` whose parent is the unseen process `ppid`, sorted by PID. */
  childrenOfUnseen(ns: NamespaceInfo, ppid: number): ProcessInfo[] {
    return this.unseenKids.get(nsKey(ns))?.get(ppid) ?? [];
  }

  /** The unseen parent `p` is grouped under, if any. */
  unseenParentOf(p: ProcessInfo): number | undefined {
    return this.parentUnseen(p) ? p.ppid : undefined;
  }

  /** Children of `p` in p's own namespace, sorted by PID (children in a nested namespace hang under that namespace). */
  childProcesses(p: ProcessInfo): ProcessInfo[] {
    return this.childProcs.get(p.pid) ?? [];
  }

  /** The parent process when it is in the same namespace (the tree nests p under it), else undefined. */
  parentProcess(p: ProcessInfo): ProcessInfo | undefined {
    const parent = p.ppid > 0 && p.ppid !== p.pid ? this.byPid.get(p.ppid) : undefined;
    return parent && parent.ns === p.ns && parent.nsDev === p.nsDev ? parent : undefined;
  }

  /** Where the views draw `ns`: its parent, or the root when the parent is unknown; undefined for the root. */
  parentOf(ns: NamespaceInfo): NamespaceInfo | undefined {
    if (this.root && ns.dev === this.root.dev && ns.inode === this.root.inode) return undefined;
    return this.knownParent(ns) ?? this.root;
  }

  /** `ns` and its ancestors as far as the scan could read them, outermost first, ending with `ns`. */
  ancestry(ns: NamespaceInfo): NamespaceInfo[] {
    const chain: NamespaceInfo[] = [];
    for (let cur: NamespaceInfo | undefined = ns; cur && !chain.includes(cur); cur = this.knownParent(cur)) chain.unshift(cur);
    return chain;
  }

  namespaceOf(p: ProcessInfo): NamespaceInfo | undefined {
    return this.byKey.get(nsKey({ dev: p.nsDev, inode: p.ns }));
  }

  /** PID 1's command, for the namespace's label. */
  initComm(ns: NamespaceInfo): string | undefined {
    return ns.init === null ? undefined : this.byPid.get(ns.init)?.comm;
  }

  /** The process's PID at every level, outermost (the scan's) first, each with the namespace of that level. */
  levels(p: ProcessInfo): LevelPid[] {
    const own = this.namespaceOf(p);
    return alignLevels(own ? this.ancestry(own) : [], p.nspid).map(({ level, ns, pid }) => ({ level, nsInode: ns ? ns.inode : null, pid }));
  }

  /** The PID a process has inside its own namespace. */
  ownPid(p: ProcessInfo): number {
    return p.nspid.length > 0 ? p.nspid[p.nspid.length - 1] : p.pid;
  }

  /** Every namespace drawn at or below `ns`, itself first, depth first in creation order. */
  subtree(ns: NamespaceInfo): NamespaceInfo[] {
    const out: NamespaceInfo[] = [];
    const stack = [ns];
    while (stack.length > 0) {
      const cur = stack.pop() as NamespaceInfo;
      out.push(cur);
      const kids = this.children(cur);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    return out;
  }

  /**
   * The parent is missing from the snapshot. A namespace's init is a top anyway: its parent lives in the parent
   * namespace, which may well be unreadable.
   */
  private parentUnseen(p: ProcessInfo): boolean {
    return p.ppid > 0 && p.ppid !== p.pid && !this.byPid.has(p.ppid) && this.ownPid(p) !== 1;
  }

  private knownParent(ns: NamespaceInfo): NamespaceInfo | undefined {
    return ns.parent === null ? undefined : this.byKey.get(nsKey({ dev: ns.dev, inode: ns.parent }));
  }

  private indexChildren(): void {
    for (const ns of this.snapshot.namespaces) {
      const parent = this.parentOf(ns);
      if (parent) push(this.childrenOf, nsKey(parent), ns);
    }
    const initStart = (ns: NamespaceInfo): number | undefined => (ns.init === null ? undefined : this.byPid.get(ns.init)?.startTime);
    for (const list of this.childrenOf.values()) list.sort((a, b) => compareSiblings(a, b, initStart));
  }

  private indexProcesses(): void {
    for (const p of this.snapshot.processes) push(this.processesOf, nsKey({ dev: p.nsDev, inode: p.ns }), p);
    for (const list of this.processesOf.values()) list.sort((a, b) => a.pid - b.pid);
    // Sorted input gives sorted children lists.
    for (const list of this.processesOf.values()) {
      for (const p of list) {
        const parent = this.parentProcess(p);
        const key = nsKey({ dev: p.nsDev, inode: p.ns });
        if (parent) push(this.childProcs, parent.pid, p);
        else if (this.parentUnseen(p)) {
          let byParent = this.unseenKids.get(key);
          if (!byParent) this.unseenKids.set(key, (byParent = new Map()));
          push(byParent, p.ppid, p);
        } else push(this.topProcs, key, p);
      }
    }
  }
}

/**
 * The order of sibling namespaces in every view: creation order, by the start time of the init (a namespace's
 * init lives as long as it does, so a sibling never moves while both live; not by init PID, which wraps at
 * pid_max: 32,768 here, a few minutes of a busy host); then by init PID (inits started in the same clock tick);
 * hidden ones, which have no init, last; then by inode. `initStart` gives the init's start time when known.
 */
export function compareSiblings(a: NamespaceInfo, b: NamespaceInfo, initStart: (ns: NamespaceInfo) => number | undefined): number {
  const hidden = (n: NamespaceInfo): number => (n.init === null ? 1 : 0);
  const start = (n: NamespaceInfo): number => initStart(n) ?? Number.MAX_SAFE_INTEGER;
  const pid = (n: NamespaceInfo): number => n.init ?? Number.MAX_SAFE_INTEGER;
  return hidden(a) - hidden(b) || start(a) - start(b) || pid(a) - pid(b) || a.inode - b.inode;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const indexes = new WeakMap<Snapshot, ModelIndex>();

/** The index of a snapshot, built once however many views ask for it (the graph's feed, the tree, hovers). */
export function modelIndexOf(snapshot: Snapshot): ModelIndex {
  let index = indexes.get(snapshot);
  if (!index) indexes.set(snapshot, (index = new ModelIndex(snapshot)));
  return index;
}
