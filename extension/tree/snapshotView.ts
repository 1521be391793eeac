// A read-only index over one Snapshot for the views: namespaces by key, each namespace's children and
// processes (flat, and as a process tree inside the namespace), processes by caller-level PID, and each
// process's PID at every level. Pure (no vscode, no I/O),
// so the tree, the hovers and the unit tests share it. Built once per snapshot (O(n)), then every lookup is O(1)
// or O(depth): the tree asks for children on every expand and hovers ask on every mouse move.
import type { NamespaceInfo, ProcessInfo, Snapshot } from '../../shared/core/types';
import { alignLevels } from '../../shared/core/levels';
import { nsKey } from '../../shared/core/identity';

export interface LevelPid {
  /** 0 = the namespace the helper sees, 1 = its child, … */
  level: number;
  /** Inode of the namespace at that level, or null when the ancestry could not be resolved. */
  nsInode: number | null;
  pid: number;
}

export class SnapshotView {
  private readonly byKey = new Map<string, NamespaceInfo>();
  private readonly childrenOf = new Map<string, NamespaceInfo[]>();
  private readonly processesOf = new Map<string, ProcessInfo[]>();
  private readonly byPid = new Map<number, ProcessInfo>();
  /** Child processes of a process, in the same namespace (the process tree inside one namespace). */
  private readonly childProcs = new Map<number, ProcessInfo[]>();
  /** Processes whose parent is not a member of their namespace (its init, entrants through setns), by namespace. */
  private readonly topProcs = new Map<string, ProcessInfo[]>();
  readonly root: NamespaceInfo | undefined;

  constructor(readonly snapshot: Snapshot) {
    for (const ns of snapshot.namespaces) this.byKey.set(nsKey(ns), ns);
    for (const p of snapshot.processes) this.byPid.set(p.pid, p);
    this.root =
      this.byKey.get(nsKey({ dev: snapshot.self.nsDev, inode: snapshot.self.nsInode })) ?? snapshot.namespaces.find((n) => n.level === 0);
    this.indexChildren();
    this.indexProcesses();
  }

  namespace(key: string): NamespaceInfo | undefined {
    return this.byKey.get(key);
  }

  process(pid: number): ProcessInfo | undefined {
    return this.byPid.get(pid);
  }

  /** Child namespaces in creation order (by init PID; hidden ones, which have none, last). */
  children(ns: NamespaceInfo): NamespaceInfo[] {
    return this.childrenOf.get(nsKey(ns)) ?? [];
  }

  /** Member processes sorted by caller-level PID. */
  processes(ns: NamespaceInfo): ProcessInfo[] {
    return this.processesOf.get(nsKey(ns)) ?? [];
  }

  /** Processes of `ns` whose parent is outside it (or gone): the tops of its process tree, sorted by PID. */
  topProcesses(ns: NamespaceInfo): ProcessInfo[] {
    return this.topProcs.get(nsKey(ns)) ?? [];
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

  /** The parent namespace as the tree shows it (orphaned ones hang under the root), undefined for the root. */
  parentOf(ns: NamespaceInfo): NamespaceInfo | undefined {
    if (this.root && ns.dev === this.root.dev && ns.inode === this.root.inode) return undefined;
    const parent = ns.parent === null ? undefined : this.byKey.get(nsKey({ dev: ns.dev, inode: ns.parent }));
    return parent ?? this.root;
  }

  namespaceOf(p: ProcessInfo): NamespaceInfo | undefined {
    return this.byKey.get(nsKey({ dev: p.nsDev, inode: p.ns }));
  }

  /** PID 1's command, for the namespace's label. */
  initComm(ns: NamespaceInfo): string | undefined {
    return ns.init === null ? undefined : this.byPid.get(ns.init)?.comm;
  }

  /** The process's PID at every level, outermost (the helper's) first, each with the namespace of that level. */
  levels(p: ProcessInfo): LevelPid[] {
    const chain: NamespaceInfo[] = [];
    for (let ns = this.namespaceOf(p); ns; ns = this.parentOf(ns)) chain.unshift(ns);
    return alignLevels(chain, p.nspid).map(({ level, ns, pid }) => ({ level, nsInode: ns ? ns.inode : null, pid }));
  }

  /** The PID a process has inside its own namespace. */
  ownPid(p: ProcessInfo): number {
    return p.nspid.length > 0 ? p.nspid[p.nspid.length - 1] : p.pid;
  }

  /** Every namespace at or below `ns`, itself first. */
  subtree(ns: NamespaceInfo): NamespaceInfo[] {
    const out = [ns];
    for (let i = 0; i < out.length; i++) out.push(...this.children(out[i]));
    return out;
  }

  private indexChildren(): void {
    for (const ns of this.snapshot.namespaces) {
      const parent = this.parentOf(ns);
      if (!parent) continue;
      const key = nsKey(parent);
      const list = this.childrenOf.get(key) ?? [];
      list.push(ns);
      this.childrenOf.set(key, list);
    }
    const order = (n: NamespaceInfo): number => n.init ?? Number.MAX_SAFE_INTEGER;
    for (const list of this.childrenOf.values()) list.sort((a, b) => order(a) - order(b) || a.inode - b.inode);
  }

  private indexProcesses(): void {
    for (const p of this.snapshot.processes) {
      const key = nsKey({ dev: p.nsDev, inode: p.ns });
      const list = this.processesOf.get(key) ?? [];
      list.push(p);
      this.processesOf.set(key, list);
    }
    for (const list of this.processesOf.values()) list.sort((a, b) => a.pid - b.pid);
    // Sorted input gives sorted children lists.
    for (const list of this.processesOf.values()) {
      for (const p of list) {
        const parent = this.parentProcess(p);
        if (parent) push(this.childProcs, parent.pid, p);
        else push(this.topProcs, nsKey({ dev: p.nsDev, inode: p.ns }), p);
      }
    }
  }
}

function push<K>(map: Map<K, ProcessInfo[]>, key: K, p: ProcessInfo): void {
  const list = map.get(key);
  if (list) list.push(p);
  else map.set(key, [p]);
}
