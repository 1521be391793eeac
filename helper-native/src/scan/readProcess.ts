// One /proc/PID → ProcessInfo, in an order that makes races harmless: the namespace link first, then stat
// (start time: the process's identity), then status. A denied link (another user's process, when
// unprivileged) still gets stat and status, which anyone may read: the process comes back 'unplaced',
// for inferNs.ts to place from its NSpid and the process tree.
import type { UnplacedProcess } from '../../../shared/core/inferNs';
import { parseStat, parseStatus, toProcessInfo, type StatFields } from '../../../shared/core/procStatus';
import type { ProcessInfo } from '../../../shared/core/types';
import type { NsGraph } from './nsGraph';
import { ProcDir, readNsInode, readProcText, type ReadResult } from './procFiles';

export type ProcessRead =
  { kind: 'ok'; info: ProcessInfo } | { kind: 'unplaced'; proc: UnplacedProcess } | { kind: 'gone' } | { kind: 'denied' };

export function readStat(procRoot: string, pid: number): ReadResult<StatFields> {
  const text = readProcText(`${procRoot}/${pid}/stat`);
  if (!text.ok) return text;
  const stat = parseStat(text.value);
  return stat === null ? { ok: false, why: 'gone' } : { ok: true, value: stat };
}

/** Inode of pid_for_children when it differs from `ns` (unshare/setns done, child not forked yet or since). */
export function readPendingNs(procRoot: string, pid: number, ns: number, nsDev: number, graph: NsGraph): number | undefined {
  const path = `${procRoot}/${pid}/ns/pid_for_children`;
  const r = readNsInode(path);
  // ENOENT here is normal: after unshare(CLONE_NEWPID) the link is unreadable until the first child exists.
  if (!r.ok || r.value === ns) return undefined;
  return graph.ensure({ dev: nsDev, inode: r.value }, path) ? r.value : undefined;
}

/** What one process's /proc entries said, before any parsing: plain data, so a worker thread can read it. */
export type RawRead =
  | { pid: number; kind: 'ok'; ns: number; stat: string; status: string; pendingNs: number | null }
  | { pid: number; kind: 'unplaced'; stat: string; status: string }
  | { pid: number; kind: 'gone' | 'denied' };

/**
 * The four reads for one process (ns link, stat, status up to NSpid, pid_for_children link), relative to its
 * /proc/PID opened once: one walk of /proc/PID instead of four, and no read from a newcomer that took the PID.
 */
export function readRaw(procRoot: string, pid: number): RawRead {
  const opened = ProcDir.open(`${procRoot}/${pid}`);
  if (!opened.ok) return { pid, kind: opened.why };
  const dir = opened.value;
  try {
    const ns = dir.nsInode('ns/pid');
    if (!ns.ok && ns.why === 'gone') return { pid, kind: 'gone' };
    const stat = dir.text('stat');
    if (!stat.ok) return { pid, kind: stat.why };
    const status = dir.text('status', 'NSpid:');
    if (!status.ok) return { pid, kind: status.why };
    if (!ns.ok) return { pid, kind: 'unplaced', stat: stat.value, status: status.value };
    // ENOENT here is normal: after unshare(CLONE_NEWPID) the link is unreadable until the first child exists.
    const pending = dir.nsInode('ns/pid_for_children');
    return { pid, kind: 'ok', ns: ns.value, stat: stat.value, status: status.value, pendingNs: pending.ok ? pending.value : null };
  } finally {
    dir.close();
  }
}

/** Parse a raw read and make sure its namespaces are in the graph. `nsDev`: the nsfs device (one per system). */
export function interpretRaw(procRoot: string, raw: RawRead, nsDev: number, graph: NsGraph): ProcessRead {
  if (raw.kind !== 'ok' && raw.kind !== 'unplaced') return { kind: raw.kind };
  const pid = raw.pid;
  const stat = parseStat(raw.stat);
  const status = parseStatus(raw.status);
  // Pid: in status is the pid we listed unless the PID was reused between reads; trust the listing.
  if (stat === null || status === null || status.pid !== pid) return { kind: 'gone' };
  if (raw.kind === 'unplaced') {
    // Without NSpid (kernels before 4.1) nothing tells its depth: it stays unreadable.
    if (status.noNSpid) return { kind: 'denied' };
    const proc: UnplacedProcess = {
      pid,
      ppid: status.ppid,
      comm: status.name,
      uid: status.uid,
      nspid: status.nspid,
      startTime: stat.startTime,
      state: status.state,
    };
    return { kind: 'unplaced', proc };
  }
  const ns = { dev: nsDev, inode: raw.ns };
  if (!graph.ensure(ns, `${procRoot}/${pid}/ns/pid`)) return { kind: 'gone' };
  let pending: number | undefined;
  if (
    raw.pendingNs !== null &&
    raw.pendingNs !== raw.ns &&
    graph.ensure({ dev: nsDev, inode: raw.pendingNs }, `${procRoot}/${pid}/ns/pid_for_children`)
  ) {
    pending = raw.pendingNs;
  }
  return { kind: 'ok', info: toProcessInfo(status, stat, ns, pending) };
}

export function readProcess(procRoot: string, pid: number, nsDev: number, graph: NsGraph): ProcessRead {
  return interpretRaw(procRoot, readRaw(procRoot, pid), nsDev, graph);
}
