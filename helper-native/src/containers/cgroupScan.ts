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
//
// And each read is made cheap where it can be: on a cgroup v1 (or hybrid) host /proc/PID/cgroup prints
// every hierarchy's path (ten here) and costs about twice /proc/PID/cpuset, which prints one, the cpuset
// hierarchy's. Every engine that runs containers in cgroups (runc, crun, LXC) puts them in each v1
// hierarchy at the path the other lines show, and on v2 the cpuset path is the process's cgroup or an
// ancestor where cpuset is enabled: so a container named by the cpuset path is the one the whole file
// names (outermost along the path, containerOf). When cpuset names none (a process in no container,
// nspawn which leaves cpuset alone, v2 without cpuset enabled for the container, no cpuset at all) the
// whole cgroup file decides, as before. Where most cpuset reads name nothing (a host with many namespaces
// outside containers, most v2 hosts) the try is a waste: CgroupReader stops trying for the rest of the scan.
import { containerOf, containerOfPath, type CgroupContainer } from '../../../shared/core/containerOf';
import type { ProcessInfo, Snapshot } from '../../../shared/core/types';
import { readProcBytes, readProcText } from '../scan/procFiles';

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
  const reader = new CgroupReader(procRoot);
  const read = (p: ProcessInfo): CgroupContainer | null => {
    if (cache === undefined || used === undefined) return reader.read(p.pid);
    const key = `${p.pid}@${p.startTime}`;
    used.add(key);
    const known = cache.get(key);
    if (known !== undefined) return known;
    const c = reader.read(p.pid);
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
    for (let q = p; ;) {
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

/** How many more cpuset misses than hits end the cpuset tries (a few, so that a host's first reads decide nothing). */
export const CPUSET_MISS_MARGIN = 4;

/** One process's container: its cpuset path when that names one, else its whole cgroup file (see the top). */
export class CgroupReader {
  /** Reads the cpuset path answered, and did not. */
  hits = 0;
  misses = 0;

  constructor(private readonly procRoot: string) {}

  read(pid: number): CgroupContainer | null {
    // Sticky: once off, neither count moves again.
    if (this.misses <= this.hits + CPUSET_MISS_MARGIN) {
      // `/` (the root cpuset: a process in no container, most often) is told by its bytes, without a string.
      const cpuset = readProcBytes(`${this.procRoot}/${pid}/cpuset`, (b, len) =>
        isRoot(b, len) ? null : containerOfPath(b.toString('utf8', 0, len).trim()),
      );
      const c = cpuset.ok ? cpuset.value : null;
      if (c !== null) {
        this.hits++;
        return c;
      }
      this.misses++;
    }
    const text = readProcText(`${this.procRoot}/${pid}/cgroup`);
    return text.ok ? containerOf(text.value) : null;
  }
}

/** The file is `/` and a newline. */
function isRoot(buf: Buffer, len: number): boolean {
  return buf[0] === 0x2f && (len === 1 || (len === 2 && buf[1] === 0x0a));
}
