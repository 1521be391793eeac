// /proc/PID/cgroup → which container each process is in (shared/core/containerOf.ts parses it).
//
// Reads are kept to about one per container, not one per process:
//  - processes in the caller's own PID namespace are not read: every engine here gives a container its
//    own PID namespace by default (a container run with `--pid host` is therefore not labelled);
//  - a process whose parent is in the same PID namespace inherits the parent's container: a child starts
//    in its parent's cgroup, and what enters a container from outside (its init, `docker exec`, a
//    container joining another's namespace) has its parent outside that namespace (the engine's shim)
//    and is read itself. A process that moves to a sub-cgroup inside its container stays in it.
// A cold scan reads four files per process; a fifth for each would cost about 20%.
import { containerOf, type CgroupContainer } from '../../../shared/core/containerOf';
import type { ProcessInfo, Snapshot } from '../../../shared/core/types';
import { readProcText } from '../scan/procFiles';

/**
 * pid → container for the snapshot's containerised processes. `cache` (pid@startTime → what the read
 * said), kept by a poller between polls, makes a steady poll read nothing; entries of gone processes are
 * dropped from it.
 */
export function readCgroupContainers(
  procRoot: string,
  snapshot: Snapshot,
  cache?: Map<string, CgroupContainer | null>,
): Map<number, CgroupContainer> {
  const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
  const memo = new Map<number, CgroupContainer | null>();
  const used = new Set<string>();
  const read = (p: ProcessInfo): CgroupContainer | null => {
    const key = `${p.pid}@${p.startTime}`;
    used.add(key);
    const known = cache?.get(key);
    if (known !== undefined) return known;
    const text = readProcText(`${procRoot}/${p.pid}/cgroup`);
    const c = text.ok ? containerOf(text.value) : null;
    cache?.set(key, c);
    return c;
  };
  for (const p of snapshot.processes) {
    if (p.ns === snapshot.self.nsInode || memo.has(p.pid)) continue;
    // Walk up while the parent shares the namespace and is not decided yet; decide the top, then the path.
    const path: ProcessInfo[] = [p];
    let top = p;
    for (;;) {
      const parent = byPid.get(top.ppid);
      if (parent === undefined || parent.ns !== top.ns || parent.pid === top.pid) break;
      if (memo.has(parent.pid)) break;
      if (path.length > byPid.size) break; // a ppid cycle cannot happen in /proc, but a racy scan must not loop
      path.push(parent);
      top = parent;
    }
    const parent = byPid.get(top.ppid);
    const inherited = parent !== undefined && parent.ns === top.ns ? memo.get(parent.pid) : undefined;
    const c = inherited !== undefined ? inherited : read(top);
    for (const q of path) memo.set(q.pid, c);
  }
  if (cache !== undefined) for (const key of cache.keys()) if (!used.has(key)) cache.delete(key);
  const found = new Map<number, CgroupContainer>();
  for (const [pid, c] of memo) if (c !== null) found.set(pid, c);
  return found;
}
