// Lookup tables over one Snapshot, for the views: namespace by inode, its children, its member processes,
// a process by caller-level PID. Within one snapshot every namespace lives on the one nsfs device, so the
// inode alone is a unique key here (across snapshots it is not: inodes are reused).
import type { NamespaceInfo, ProcessInfo, Snapshot } from './types';

export interface ModelIndex {
  readonly snapshot: Snapshot;
  readonly namespaceByInode: ReadonlyMap<number, NamespaceInfo>;
  /** Child namespaces of each namespace, in canonical order; every namespace has an entry. */
  readonly childrenOf: ReadonlyMap<number, readonly NamespaceInfo[]>;
  /** Member processes (not descendants') of each namespace, by PID; every namespace has an entry. */
  readonly processesOf: ReadonlyMap<number, readonly ProcessInfo[]>;
  readonly processByPid: ReadonlyMap<number, ProcessInfo>;
  /** Namespaces whose parent is null or not in the snapshot: the tops of the forest (normally one, the caller's). */
  readonly roots: readonly NamespaceInfo[];
}

export function buildIndex(snapshot: Snapshot): ModelIndex {
  const namespaceByInode = new Map<number, NamespaceInfo>();
  const childrenOf = new Map<number, NamespaceInfo[]>();
  const processesOf = new Map<number, ProcessInfo[]>();
  for (const ns of snapshot.namespaces) {
    namespaceByInode.set(ns.inode, ns);
    childrenOf.set(ns.inode, []);
    processesOf.set(ns.inode, []);
  }
  const roots: NamespaceInfo[] = [];
  for (const ns of snapshot.namespaces) {
    const siblings = ns.parent === null ? undefined : childrenOf.get(ns.parent);
    if (siblings) siblings.push(ns);
    else roots.push(ns);
  }
  const processByPid = new Map<number, ProcessInfo>();
  for (const p of snapshot.processes) {
    processByPid.set(p.pid, p);
    processesOf.get(p.ns)?.push(p);
  }
  return { snapshot, namespaceByInode, childrenOf, processesOf, processByPid, roots };
}

/** Inodes from `inode` up to its top, starting with `inode` itself; empty if it is not in the snapshot. */
export function ancestorsOf(index: ModelIndex, inode: number): number[] {
  const chain: number[] = [];
  let cur = index.namespaceByInode.get(inode);
  while (cur !== undefined && !chain.includes(cur.inode)) {
    chain.push(cur.inode);
    cur = cur.parent === null ? undefined : index.namespaceByInode.get(cur.parent);
  }
  return chain;
}

/** `inode` and every namespace below it, depth first, in canonical order among siblings. */
export function descendantsOf(index: ModelIndex, inode: number): NamespaceInfo[] {
  const out: NamespaceInfo[] = [];
  const start = index.namespaceByInode.get(inode);
  const stack = start ? [start] : [];
  while (stack.length > 0) {
    const ns = stack.pop() as NamespaceInfo;
    out.push(ns);
    const kids = index.childrenOf.get(ns.inode) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return out;
}
