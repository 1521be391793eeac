// PIDs across levels. A process in a namespace at level L has L+1 NSpid entries: nspid[k] is its PID as
// seen from its ancestor namespace at level k (level 0 = the caller's). A namespace sees its own members
// and those of all its descendants, and nothing above or beside it.
import type { ModelIndex } from './modelIndex';
import type { ProcessInfo } from './types';

/** Is `proc` visible from the namespace `nsInode` (a member of it or of one of its descendants)? */
export function isVisibleFrom(index: ModelIndex, proc: ProcessInfo, nsInode: number): boolean {
  const own = index.namespaceOf(proc);
  return own !== undefined && index.ancestry(own).some((ns) => ns.inode === nsInode);
}

/** The PID of `proc` as seen from namespace `nsInode`, or null when it is not visible from there. */
export function pidInNamespace(index: ModelIndex, proc: ProcessInfo, nsInode: number): number | null {
  return index.levels(proc).find((l) => l.nsInode === nsInode)?.pid ?? null;
}

/** Every process visible from namespace `nsInode`, ordered by caller-level PID. */
export function visibleProcesses(index: ModelIndex, nsInode: number): ProcessInfo[] {
  const ns = index.namespaceWithInode(nsInode);
  if (ns === undefined) return [];
  return index.snapshot.processes.filter((p) => isVisibleFrom(index, p, nsInode)).sort((a, b) => a.pid - b.pid);
}

/** The process that namespace `nsInode` knows as `pid`, or undefined. */
export function findByPidIn(index: ModelIndex, nsInode: number, pid: number): ProcessInfo | undefined {
  return visibleProcesses(index, nsInode).find((p) => pidInNamespace(index, p, nsInode) === pid);
}

/**
 * Translate a PID as seen from namespace `fromNs` to the PID of the same process as seen from `toNs`.
 * null when no process has that PID in `fromNs`, or the process is not visible from `toNs`.
 */
export function translatePid(index: ModelIndex, pid: number, fromNs: number, toNs: number): number | null {
  const proc = findByPidIn(index, fromNs, pid);
  return proc === undefined ? null : pidInNamespace(index, proc, toNs);
}
