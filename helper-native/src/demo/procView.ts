// What the lessons read from the kernel: a process's PIDs at every level, what a level's own /proc lists
// (through /proc/<its init>/root/proc, the procfs its init mounted in the level's mount namespace, so no
// terminal is needed), and whether a process (by PID and start time) still exists.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** NSpid of a live process, outermost (our level) first; undefined once it is gone. */
export function nspidOf(pid: number): number[] | undefined {
  try {
    const m = /^NSpid:\s*([\d\s]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? m[1].trim().split(/\s+/).map(Number) : undefined;
  } catch {
    return undefined;
  }
}

/** Start time (field 22 of stat, clock ticks since boot), read through a procfs root; undefined when absent. */
export function startTimeAt(procRoot: string, pid: number): number | undefined {
  try {
    const stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

export interface ProcRef {
  pid: number;
  start: number | undefined;
}

export function procRef(pid: number): ProcRef {
  return { pid, start: startTimeAt('/proc', pid) };
}

/** The process still exists (a zombie counts: it has not been reaped); a reused PID does not count. */
export function exists(p: ProcRef): boolean {
  return p.start !== undefined && startTimeAt('/proc', p.pid) === p.start;
}

/** Where the level whose init is `init` has its own /proc, as seen from here. */
export function levelProc(init: number): string {
  return `/proc/${init}/root/proc`;
}

/** The PIDs a level's /proc lists (what `ls /proc` shows in a terminal there), ascending. */
export function listLevelProc(init: number): number[] {
  return readdirSync(levelProc(init))
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/** A status field of `pid` as the procfs at `procRoot` shows it (PPid there is translated into that level). */
export function statusFieldAt(procRoot: string, pid: number, field: string): string | undefined {
  try {
    const m = new RegExp(`^${field}:[ \\t]*(.*)$`, 'm').exec(readFileSync(`${procRoot}/${pid}/status`, 'utf8'));
    return m ? m[1].trim() : undefined;
  } catch {
    return undefined;
  }
}

/** readlink of /proc/PID/ns/NAME, or the error code (ENOENT for a pid_for_children with no process yet). */
export function nsLink(pid: number | 'self', name: 'pid' | 'pid_for_children', procRoot = '/proc'): string {
  try {
    return readlinkSync(`${procRoot}/${pid}/ns/${name}`);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'error';
  }
}

/** Direct children of a process (from its main thread's children file). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}
