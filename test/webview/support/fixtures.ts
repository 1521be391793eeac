// Generated snapshots and diffs for the graph's tests and bench. PIDs follow the kernel's rules: each
// namespace hands out its own PIDs from 1, and a process gets one PID from every namespace from the
// root down to its own (NSpid), so the seed's chain comes out exactly as `multi_pidns 5` printed it.

import { rng } from '../../support/random';
import { emptyDiff as coreEmptyDiff } from '../../../shared/core/diff';
import type { NamespaceInfo, ProcessInfo, Snapshot, SnapshotDiff } from '../../../shared/core/types';

export const NS_DEV = 4;
export const HOST_NS = 4026531836;

/** Builds a consistent snapshot process by process. */
export class SnapshotBuilder {
  readonly namespaces: NamespaceInfo[] = [];
  readonly processes: ProcessInfo[] = [];
  private readonly nextPid = new Map<number, number>();
  private readonly byInode = new Map<number, NamespaceInfo>();
  private nextInode = 4026532200;
  private startTime = 1000;

  constructor(hostFirstPid = 1) {
    this.addNs(HOST_NS, null);
    this.nextPid.set(HOST_NS, hostFirstPid);
  }

  addNs(inode: number | null, parent: number | null): NamespaceInfo {
    const level = parent === null ? 0 : this.byInode.get(parent)!.level + 1;
    const ns: NamespaceInfo = { inode: inode ?? this.nextInode++, dev: NS_DEV, parent, level, init: null, pids: [] };
    this.namespaces.push(ns);
    this.byInode.set(ns.inode, ns);
    this.nextPid.set(ns.inode, 1);
    return ns;
  }

  /** A new process in namespace `inode`; the first one becomes that namespace's init. */
  addProcess(inode: number, comm: string, ppid = 0): ProcessInfo {
    const chain = this.chain(inode);
    const nspid = chain.map((ns) => {
      const pid = this.nextPid.get(ns.inode)!;
      this.nextPid.set(ns.inode, pid + 1);
      return pid;
    });
    const ns = this.byInode.get(inode)!;
    const p: ProcessInfo = { pid: nspid[0], ppid, comm, uid: 0, ns: inode, nsDev: NS_DEV, nspid, startTime: this.startTime++, state: 'S' };
    this.processes.push(p);
    ns.pids.push(p.pid);
    if (ns.init === null) ns.init = p.pid;
    return p;
  }

  chain(inode: number): NamespaceInfo[] {
    const out: NamespaceInfo[] = [];
    for (let ns = this.byInode.get(inode); ns; ns = ns.parent === null ? undefined : this.byInode.get(ns.parent)) out.unshift(ns);
    return out;
  }

  snapshot(): Snapshot {
    return {
      self: { nsInode: HOST_NS, nsDev: NS_DEV },
      namespaces: this.namespaces.map((n) => ({ ...n, pids: [...n.pids] })),
      processes: this.processes.map((p) => ({ ...p, nspid: [...p.nspid] })),
      unreadable: 0,
      scannedAsUid: 0,
      takenAt: 1_700_000_000_000,
    };
  }
}

export interface SeedChain {
  snapshot: Snapshot;
  /** Inodes of the created namespaces, outermost (level 1) first. */
  levels: number[];
  leaf: ProcessInfo;
  builder: SnapshotBuilder;
}

/**
 * The seed's `multi_pidns 5`: a host with `hostProcs` processes, then a process that clones into a new
 * namespace, whose child clones into another, `depth` times; the innermost execs sleep.
 */
export function seedChain(depth = 5, hostProcs = 120): SeedChain {
  const b = new SnapshotBuilder(1);
  for (let i = 0; i < hostProcs; i++) b.addProcess(HOST_NS, i === 0 ? 'init' : `worker${i}`, 1);
  let parentProc = b.addProcess(HOST_NS, 'multi_pidns', 1);
  let parent = HOST_NS;
  const levels: number[] = [];
  for (let level = 1; level <= depth; level++) {
    const ns = b.addNs(null, parent);
    levels.push(ns.inode);
    // Each clone's child is PID 1 in its own namespace; earlier levels' processes get PIDs 1, 2, … upward.
    parentProc = b.addProcess(ns.inode, level === depth ? 'sleep' : 'multi_pidns', parentProc.pid);
    parent = ns.inode;
  }
  return { snapshot: b.snapshot(), levels, leaf: parentProc, builder: b };
}

export interface GeneratedTree {
  snapshot: Snapshot;
  builder: SnapshotBuilder;
}

/**
 * A host like a container server: `bigShare` of the processes in the host namespace (thousands, so
 * it collapses), the rest spread over `namespaces - 1` container namespaces nested up to 6 deep.
 */
export function generatedTree(namespaces: number, processes: number, seed = 1, bigShare = 0.4): GeneratedTree {
  const rand = rng(seed);
  const b = new SnapshotBuilder(1);
  const inodes = [HOST_NS];
  for (let i = 1; i < namespaces; i++) {
    const candidates = inodes.filter((ino) => b.chain(ino).length < 7);
    const parent = rand() < 0.5 ? HOST_NS : candidates[Math.floor(rand() * candidates.length)];
    const ns = b.addNs(null, parent);
    inodes.push(ns.inode);
    b.addProcess(ns.inode, 'init');
  }
  const hostCount = Math.floor(processes * bigShare);
  for (let i = 0; i < hostCount; i++) b.addProcess(HOST_NS, COMMS[i % COMMS.length]);
  for (let i = b.processes.length; i < processes; i++) {
    const ino = inodes[1 + Math.floor(rand() * (inodes.length - 1))];
    b.addProcess(ino, COMMS[Math.floor(rand() * COMMS.length)]);
  }
  return { snapshot: b.snapshot(), builder: b };
}

const COMMS = ['bash', 'sleep', 'nginx', 'postgres', 'node', 'python3', 'sshd', 'cron', 'redis-server', 'java'];

/**
 * A diff of `n` changed processes in namespaces that stay (no namespace added or removed): half new
 * processes, half exits, in the smallest container namespaces so that their cards are drawn in full.
 */
export function processDiff(tree: GeneratedTree, n: number, seed = 7): SnapshotDiff {
  const rand = rng(seed);
  const b = tree.builder;
  const small = b.namespaces.filter((ns) => ns.level > 0 && ns.pids.length < 20);
  const added: ProcessInfo[] = [];
  for (let i = 0; i < Math.ceil(n / 2); i++) added.push(b.addProcess(small[Math.floor(rand() * small.length)].inode, 'new-proc'));
  const removable = b.processes.filter((p) => p.ns !== HOST_NS && p.comm !== 'init' && !added.includes(p));
  const removed = removable.slice(0, Math.floor(n / 2));
  for (const p of removed) {
    b.processes.splice(b.processes.indexOf(p), 1);
    const pids = b.namespaces.find((ns) => ns.inode === p.ns)!.pids;
    pids.splice(pids.indexOf(p.pid), 1);
  }
  return {
    addedProcesses: added,
    removedProcesses: removed.map((p) => ({ pid: p.pid, startTime: p.startTime })),
    changedProcesses: [],
    addedNamespaces: [],
    removedNamespaces: [],
    changedNamespaces: [],
    unreadable: 0,
    takenAt: 1_700_000_001_000,
  };
}

/** A diff that changes nothing, for tests to spread their changes into. */
export function emptyDiff(): SnapshotDiff {
  return coreEmptyDiff(0, 0);
}

export interface SiblingHost {
  snapshot: Snapshot;
  builder: SnapshotBuilder;
  /** The sibling "created here" (the last one), which has one nested namespace below it. */
  created: number;
  nested: number;
}

/**
 * A container host: `n` sibling PID namespaces under the host's, most with `sh` as PID 1, some
 * `nginx`, a few `postgres`, with 1 to 5 processes each; the last sibling was "created here" and has
 * a nested namespace of its own, like "Create Nested PID Namespaces" makes.
 */
export function siblings(n: number, hostProcs = 120): SiblingHost {
  const b = new SnapshotBuilder(1);
  for (let i = 0; i < hostProcs; i++) b.addProcess(HOST_NS, i === 0 ? 'init' : COMMS[i % COMMS.length], 1);
  let created = 0;
  for (let i = 0; i < n; i++) {
    const ns = b.addNs(null, HOST_NS);
    const last = i === n - 1;
    const comm = last ? 'multi_pidns' : i % 10 === 9 ? 'nginx' : i % 25 === 12 ? 'postgres' : 'sh';
    const init = b.addProcess(ns.inode, comm, 1);
    for (let j = 0; j < (i * 7) % 5; j++) b.addProcess(ns.inode, comm === 'sh' ? 'sleep' : comm, init.pid);
    if (last) created = ns.inode;
  }
  const nested = b.addNs(null, created);
  b.addProcess(nested.inode, 'sleep');
  return { snapshot: b.snapshot(), builder: b, created, nested: nested.inode };
}
