// One /proc/PID → ProcessInfo, in an order that makes races harmless: the namespace link first (so an
// unreadable process costs one syscall), then stat (start time: the process's identity), then status.
import { parseStat, parseStatus, toProcessInfo, type StatFields } from '../../../shared/core/procStatus';
import type { ProcessInfo } from '../../../shared/core/types';
import type { NsGraph } from './nsGraph';
import { readNsInode, readProcText, type ReadResult } from './procFiles';

export type ProcessRead = { kind: 'ok'; info: ProcessInfo } | { kind: 'gone' } | { kind: 'denied' };

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

/** `nsDev`: the nsfs device (one per system; from the caller's own /proc/self/ns/pid). */
export function readProcess(procRoot: string, pid: number, nsDev: number, graph: NsGraph): ProcessRead {
  const nsPath = `${procRoot}/${pid}/ns/pid`;
  const inode = readNsInode(nsPath);
  if (!inode.ok) return { kind: inode.why };
  const ns = { ok: true, value: { dev: nsDev, inode: inode.value } } as const;
  const stat = readStat(procRoot, pid);
  if (!stat.ok) return { kind: stat.why };
  const statusText = readProcText(`${procRoot}/${pid}/status`, 'NSpid:');
  if (!statusText.ok) return { kind: statusText.why };
  const status = parseStatus(statusText.value);
  if (status === null) return { kind: 'gone' };
  if (!graph.ensure(ns.value, nsPath)) return { kind: 'gone' };
  // Pid: in status is the pid we listed unless the PID was reused between reads; trust the listing.
  if (status.pid !== pid) return { kind: 'gone' };
  const pending = readPendingNs(procRoot, pid, ns.value.inode, nsDev, graph);
  return { kind: 'ok', info: toProcessInfo(status, stat.value, ns.value, pending) };
}
