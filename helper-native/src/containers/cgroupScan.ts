// /proc/PID/cgroup → which container each process is in (shared/core/containerOf.ts parses it).
//
// Reads are kept to about one per container, not one per process:
//  - processes in the caller's own PID namespace are not read: every engine here gives a container its
//    own PID namespace by default (a container run with `--pid host` is therefore not labelled);
//  - a process whose parent is in the same PID namespace inherits the parent's container: a child starts
//    in its parent's cgroup, and what enters a container from outside (its init, `docker exec`, a
//    container joining another's namespace) has its parent outside that namespace (the engine's shim)
//    and is read itself. A process that moves to a sub-cgroup inside its container stays in it;
//  - a process whose parent is in another namespace but already in a container inherits that container
//    too: its namespace is nested inside the container's (a child's namespace is its parent's or a
//    descendant of it), it started in its parent's cgroup, and only the host can move it out of the
//    container's subtree, where the outermost container named along the path wins anyway (containerOf).
//    So a sandbox inside a pod or docker-in-docker costs no read. A parent in no container passes
//    nothing on: an engine may run inside a plain namespace and move its containers' inits out.
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
  const self = snapshot.self.nsInode;
  // Only processes outside the caller's namespace are ever decided or walked through: index those alone
  // (a third of a small host's processes; the ones a parent lookup can stop at are told apart by absence).
  const byPid = new Map<number, ProcessInfo>();
  for (const p of snapshot.processes) if (p.ns !== self) byPid.set(p.pid, p);
  const memo = new Map<number, CgroupContainer | null>();
  const used = cache === undefined ? undefined : new Set<string>();
  const read = (p: ProcessInfo): CgroupContainer | null => {
    if (cache === undefined || used === undefined) return readOne(procRoot, p.pid);
    const key = `${p.pid}@${p.startTime}`;
    used.add(key);
    const known = cache.get(key);
    if (known !== undefined) return known;
    const c = readOne(procRoot, p.pid);
    cache.set(key, c);
    return c;
  };
  const path: ProcessInfo[] = [];
  for (const p of byPid.values()) {
    if (memo.has(p.pid)) continue;
    // Walk up to the first ancestor that is decided, in the caller's namespace or not listed; then decide
    // downwards, each process from its parent where the rules above allow, else by reading it.
    path.length = 0;
    path.push(p);
    for (let q = p; ; ) {
      const parent = byPid.get(q.ppid);
      if (parent === undefined || memo.has(parent.pid) || parent === q) break;
      if (path.length > byPid.size) break; // a ppid cycle cannot happen in /proc, but a racy scan must not loop
      path.push(parent);
      q = parent;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const q = path[i];
      const parent = byPid.get(q.ppid);
      const fromParent = parent === undefined ? undefined : memo.get(parent.pid);
      const inherited = fromParent === undefined ? undefined : fromParent !== null || parent?.ns === q.ns ? fromParent : undefined;
      memo.set(q.pid, inherited !== undefined ? inherited : read(q));
    }
  }
  if (cache !== undefined && used !== undefined) for (const key of cache.keys()) if (!used.has(key)) cache.delete(key);
  const found = new Map<number, CgroupContainer>();
  for (const [pid, c] of memo) if (c !== null) found.set(pid, c);
  return found;
}

function readOne(procRoot: string, pid: number): CgroupContainer | null {
  const text = readProcText(`${procRoot}/${pid}/cgroup`);
  return text.ok ? containerOf(text.value) : null;
}
