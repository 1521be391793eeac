// Placing the processes whose namespace link this user may not read. Without root, /proc/PID/ns/pid of
// another user's process is denied (ptrace access), but /proc/PID/status is not, and its NSpid gives the
// process's PID at every level, so its depth: NSpid's length - 1 levels below the procfs's namespace.
// The kernel fixes the rest: a process's parent is in the same namespace or an ancestor of it (a child
// is forked into its parent's pid_for_children, which is that or a descendant; orphans go to a reaper in
// the same or an outer namespace). So
//  - NSpid of length 1: the procfs's own namespace (known, not inferred);
//  - a parent with an NSpid as long as the child's: the same namespace; process-tree groups linked so
//    share one namespace, and where a readable member gives its real inode, that is it (known);
//  - a process is in a descendant (or the same) of each of its process-tree ancestors' namespaces, so a
//    readable descendant's namespace names an unreadable ancestor's: its ancestor at that level, from
//    the parent links the scan read (NS_GET_PARENT works on every namespace below the caller's);
//  - a group with no readable member is an inferred namespace founded by its top process (its PID 1, or
//    a process that joined with setns); its parent is the namespace of the top's parent when that is one
//    level up. Where the levels in between are unknown (no parent, or one further up), hidden inferred
//    namespaces stand for them, so every level stays NSpid's length - 1.
// Pure: the scanner, the live poller and the unit tests call the same function, so a cold scan and the
// live stream place every process alike.
import type { NsNode } from './buildModel';
import { inferredNsInode, isInferredInode, nsKey } from './identity';
import type { NsId, ProcessInfo } from './types';

/** A process whose status and stat were read but not its namespace link: everything but the namespace. */
export type UnplacedProcess = Omit<ProcessInfo, 'ns' | 'nsDev' | 'pendingNs' | 'container' | 'inferred'>;

export interface Placement {
  /** The unplaced processes, each with its namespace (`inferred` where that is inferred). */
  processes: ProcessInfo[];
  /** The inferred namespaces (and hidden inferred ancestors standing for unknown levels), keyed by nsKey. */
  namespaces: Map<string, NsNode>;
}

interface Member {
  proc: UnplacedProcess;
  /** Union-find parent (a pid in `members`). */
  up: number;
  /** Linked to its process-tree parent (so not its group's top). */
  linked: boolean;
}

const depth = (p: { nspid: readonly number[] }): number => p.nspid.length;
const isInit = (p: { nspid: readonly number[] }): boolean => p.nspid[p.nspid.length - 1] === 1;

/**
 * Where each unplaced process is. `self`: the procfs's own namespace; `placed`: the processes whose
 * namespace was read (all of them: a readable child or parent can name an unplaced group's namespace).
 */
export function placeProcesses(
  self: NsId,
  placed: Iterable<ProcessInfo>,
  unplaced: Iterable<UnplacedProcess>,
  graph: ReadonlyMap<string, NsNode> = new Map(),
): Placement {
  const members = new Map<number, Member>();
  const out: Placement = { processes: [], namespaces: new Map() };
  // Most are in the caller's own namespace (a host's other users): placed at once, no grouping needed.
  for (const proc of unplaced)
    if (depth(proc) === 1) out.processes.push(placeAt(proc, self, false));
    else members.set(proc.pid, { proc, up: proc.pid, linked: false });
  if (members.size === 0) return out;

  const find = (pid: number): number => {
    let root = pid;
    while ((members.get(root) as Member).up !== root) root = (members.get(root) as Member).up;
    for (let cur = pid; cur !== root;) {
      const m = members.get(cur) as Member;
      cur = m.up;
      m.up = root;
    }
    return root;
  };
  /** Group root → the real namespace a readable member or parent gave it. */
  const real = new Map<number, number>();
  const placedByPid = new Map<number, ProcessInfo>();
  for (const p of placed) placedByPid.set(p.pid, p);

  // Same-depth parent links. An init starts its namespace whatever its parent (torn data aside).
  for (const m of members.values()) {
    const p = m.proc;
    if (isInit(p) || p.ppid === p.pid) continue;
    const parent = members.get(p.ppid);
    if (parent !== undefined && depth(parent.proc) === depth(p)) {
      m.linked = true;
      const a = find(p.pid);
      const b = find(parent.proc.pid);
      if (a !== b) {
        (members.get(a) as Member).up = b;
        const ra = real.get(a);
        if (ra !== undefined && !real.has(b)) real.set(b, ra);
      }
      continue;
    }
    const known = placedByPid.get(p.ppid);
    if (known !== undefined && depth(known) === depth(p)) {
      m.linked = true;
      const r = find(p.pid);
      if (!real.has(r)) real.set(r, known.ns);
    }
  }
  // A readable child names its unplaced parent's group.
  for (const c of placedByPid.values()) {
    const parent = members.get(c.ppid);
    if (parent === undefined || isInit(c) || depth(parent.proc) !== depth(c)) continue;
    const r = find(parent.proc.pid);
    if (!real.has(r)) real.set(r, c.ns);
  }

  // A readable descendant names every unplaced ancestor's namespace: its own namespace's ancestor at
  // that level. Each unplaced process is walked through once (the first witness's answer is the answer).
  const walked = new Set<number>();
  const chains = new Map<number, number[] | null>();
  for (const c of placedByPid.values()) {
    for (let pid = c.ppid; ;) {
      const m = members.get(pid);
      if (m === undefined || walked.has(pid)) break;
      walked.add(pid);
      const r = find(pid);
      if (!real.has(r)) {
        const ns = ancestorAt(self, graph, chains, c.ns, depth(m.proc) - 1);
        if (ns !== undefined) real.set(r, ns);
      }
      pid = m.proc.ppid;
    }
  }

  // Groups, outermost first, so a group's parent namespace is resolved before it.
  const groups = new Map<number, Member[]>();
  for (const m of members.values()) {
    const r = find(m.proc.pid);
    let list = groups.get(r);
    if (list === undefined) groups.set(r, (list = []));
    list.push(m);
  }
  const nsOfGroup = new Map<number, number>();
  const nsOfPid = (pid: number): { ns: number; depth: number } | undefined => {
    const known = placedByPid.get(pid);
    if (known !== undefined) return { ns: known.ns, depth: depth(known) };
    const m = members.get(pid);
    const ns = m === undefined ? undefined : nsOfGroup.get(find(pid));
    return m === undefined || ns === undefined ? undefined : { ns, depth: depth(m.proc) };
  };
  const order = [...groups].sort((a, b) => depth(a[1][0].proc) - depth(b[1][0].proc));
  for (const [root, list] of order) {
    const d = depth(list[0].proc);
    const known = d === 1 ? self.inode : real.get(root);
    if (known !== undefined) {
      nsOfGroup.set(root, known);
      continue;
    }
    // The top: the one member not linked to its parent (a cycle of torn data: the lowest PID).
    const top = (list.find((m) => !m.linked) ?? list.reduce((a, b) => (a.proc.pid < b.proc.pid ? a : b))).proc;
    const above = top.ppid === top.pid ? undefined : nsOfPid(top.ppid);
    // The nearest namespace known above, at its depth; without one, the procfs's own at depth 1.
    const anchor = above !== undefined && above.depth < d ? above : { ns: self.inode, depth: 1 };
    let parent: NsId = { dev: self.dev, inode: anchor.ns };
    for (let level = anchor.depth; level < d; level++) {
      const inode = inferredNsInode(top, level);
      const node: NsNode = { dev: self.dev, inode, parent, inferred: true };
      out.namespaces.set(nsKey(node), node);
      parent = { dev: self.dev, inode };
    }
    nsOfGroup.set(root, parent.inode);
  }

  for (const m of members.values()) {
    const ns = nsOfGroup.get(find(m.proc.pid)) as number;
    out.processes.push(placeAt(m.proc, { dev: self.dev, inode: ns }, isInferredInode(ns)));
  }
  return out;
}

/** The process record of an unplaced process in namespace `ns`: one form for a cold scan and the stream. */
export function placeAt(p: UnplacedProcess, ns: NsId, inferred: boolean): ProcessInfo {
  const info: ProcessInfo = {
    pid: p.pid,
    ppid: p.ppid,
    comm: p.comm,
    uid: p.uid,
    ns: ns.inode,
    nsDev: ns.dev,
    nspid: p.nspid,
    startTime: p.startTime,
    state: p.state,
  };
  if (inferred) info.inferred = true;
  return info;
}

/**
 * The ancestor at `level` of real namespace `inode` (level 0: `self`), from the graph's parent links;
 * undefined when the chain does not reach `self` or is not that deep. Chains are memoised per inode.
 */
function ancestorAt(
  self: NsId,
  graph: ReadonlyMap<string, NsNode>,
  chains: Map<number, number[] | null>,
  inode: number,
  level: number,
): number | undefined {
  let chain = chains.get(inode);
  if (chain === undefined) {
    const up: number[] = [];
    let cur: NsId | null = { dev: self.dev, inode };
    while (cur !== null && cur.inode !== self.inode && up.length <= 64) {
      up.push(cur.inode);
      cur = graph.get(nsKey(cur))?.parent ?? null;
    }
    chain = cur === null || up.length > 64 ? null : [self.inode, ...up.reverse()];
    chains.set(inode, chain);
  }
  return chain === null ? undefined : chain[level];
}
