// Records → Snapshot. The scanner hands over what it read (processes, and for every namespace it met the
// parent the kernel reported); this module derives levels, inits, member lists and hidden namespaces and
// puts everything in the canonical order that diff.ts relies on.
import type { NamespaceInfo, NsHolder, NsId, ProcessInfo, Snapshot } from './types';
import { nsKey } from './identity';

/** One namespace as the kernel describes it (NS_GET_PARENT / NS_GET_USERNS / NS_GET_OWNER_UID). */
export interface NsNode extends NsId {
  /** null at the top of what the caller may see (NS_GET_PARENT → EPERM), or when it could not be read. */
  parent: NsId | null;
  userNs?: number | null;
  ownerUid?: number | null;
  /** Not read from the kernel: inferred from NSpid and the process tree (inferNs.ts). */
  inferred?: true;
}

export interface ModelInput {
  self: NsId;
  processes: ProcessInfo[];
  /** Every namespace the scanner resolved, keyed by nsKey(). Extra (unreferenced) entries are ignored. */
  graph: ReadonlyMap<string, NsNode>;
  /** Namespaces held by a bind mount or an open fd (keyed by nsKey, each in `graph`): in the model even with no process. */
  holders?: ReadonlyMap<string, readonly NsHolder[]>;
  unreadable: number;
  scannedAsUid: number;
  takenAt: number;
}

/** Same identity as nsKey as a number (inodes are 32-bit; nsfs device numbers are small), for hot loops. */
export function numKey(dev: number, inode: number): number | string {
  // An inferred namespace's synthetic id is above 2^32 (identity.ts), and a device number from 2^21 up would
  // pass 2^53: the arithmetic form would collide or round, so those take nsKey's string.
  return inode < 4294967296 && dev < 2097152 ? dev * 4294967296 + inode : nsKey({ dev, inode });
}

/**
 * Canonical order (the contract that lets applyDiff(a, diffSnapshots(a, b)) deep-equal b):
 * namespaces by (level, dev, inode); processes by pid; each namespace's pids ascending.
 */
export function compareNamespaces(a: NamespaceInfo, b: NamespaceInfo): number {
  return a.level - b.level || a.dev - b.dev || a.inode - b.inode;
}

export function compareProcesses(a: ProcessInfo, b: ProcessInfo): number {
  return a.pid - b.pid;
}

/** Namespaces referenced by the processes (own and pending) or held by a mount or fd, plus all their ancestors, in graph order. */
function referencedNamespaces(input: ModelInput): Map<string, NsNode> {
  const out = new Map<string, NsNode>();
  const visit = (id: NsId): void => {
    // Walk up until a namespace already collected; a missing graph entry becomes a top (parent unknown).
    let cur: NsId | null = id;
    while (cur !== null) {
      const key = nsKey(cur);
      if (out.has(key)) return;
      const node: NsNode = input.graph.get(key) ?? { dev: cur.dev, inode: cur.inode, parent: null };
      out.set(key, node);
      cur = node.parent;
    }
  };
  visit(input.self);
  // Thousands of processes share a few hundred namespaces: dedupe by a numeric key before the string-keyed walk.
  const distinct = new Map<number | string, NsId>();
  for (const p of input.processes) {
    distinct.set(numKey(p.nsDev, p.ns), { dev: p.nsDev, inode: p.ns });
    if (p.pendingNs !== undefined) distinct.set(numKey(p.nsDev, p.pendingNs), { dev: p.nsDev, inode: p.pendingNs });
  }
  for (const id of distinct.values()) visit(id);
  for (const [key, list] of input.holders ?? []) {
    const node = input.graph.get(key);
    if (node !== undefined && list.length > 0) visit(node);
  }
  return out;
}

/** Depth below the top of the visible tree; the caller's own namespace is the top when it can see no parent. */
function levelsOf(nodes: Map<string, NsNode>): Map<string, number> {
  const levels = new Map<string, number>();
  const levelOf = (key: string): number => {
    const known = levels.get(key);
    if (known !== undefined) return known;
    // Iterative walk: chains are at most 32 deep, but a corrupt graph must not recurse forever.
    const path: string[] = [];
    let cur: string | null = key;
    let base = -1;
    while (cur !== null && !path.includes(cur)) {
      const cached = levels.get(cur);
      if (cached !== undefined) {
        base = cached;
        break;
      }
      path.push(cur);
      const parent: NsId | null = nodes.get(cur)?.parent ?? null;
      cur = parent !== null && nodes.has(nsKey(parent)) ? nsKey(parent) : null;
    }
    for (let i = path.length - 1; i >= 0; i--) levels.set(path[i], ++base);
    return levels.get(key) ?? 0;
  };
  for (const key of nodes.keys()) levelOf(key);
  return levels;
}

export function buildModel(input: ModelInput): Snapshot {
  const nodes = referencedNamespaces(input);
  const levels = levelsOf(nodes);
  const members = new Map<number | string, number[]>();
  const inits = new Map<number | string, number>();
  const processes = [...input.processes].sort(compareProcesses);
  for (const p of processes) {
    const key = numKey(p.nsDev, p.ns);
    let list = members.get(key);
    if (!list) members.set(key, (list = []));
    list.push(p.pid);
    // PID 1 of a namespace is the member whose own-namespace PID (last NSpid entry) is 1.
    if (p.nspid[p.nspid.length - 1] === 1) inits.set(key, p.pid);
  }
  const namespaces: NamespaceInfo[] = [];
  for (const [key, node] of nodes) {
    const nk = numKey(node.dev, node.inode);
    const pids = members.get(nk) ?? [];
    const ns: NamespaceInfo = {
      inode: node.inode,
      dev: node.dev,
      parent: node.parent !== null && nodes.has(nsKey(node.parent)) ? node.parent.inode : null,
      level: levels.get(key) ?? 0,
      init: inits.get(nk) ?? null,
      pids,
    };
    if (pids.length === 0) ns.hidden = true;
    if (node.userNs !== undefined) ns.userNs = node.userNs;
    if (node.ownerUid !== undefined) ns.ownerUid = node.ownerUid;
    if (node.inferred) ns.inferred = true;
    const held = input.holders?.get(key);
    if (held !== undefined && held.length > 0) ns.heldBy = [...held];
    namespaces.push(ns);
  }
  namespaces.sort(compareNamespaces);
  return {
    self: { nsInode: input.self.inode, nsDev: input.self.dev },
    namespaces,
    processes,
    unreadable: input.unreadable,
    scannedAsUid: input.scannedAsUid,
    takenAt: input.takenAt,
  };
}
