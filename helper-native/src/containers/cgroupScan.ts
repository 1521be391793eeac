// /proc/PID/cgroup → which container each process is in (shared/core/containerOf.ts parses it).
//
// Only processes outside the caller's own PID namespace are read: every engine here gives a container its
// own PID namespace by default, and skipping the host's thousands of processes keeps labelling to about one
// small read per containerised process (a cold scan reads four files per process; a fifth for all of them
// would cost ~20%). A container run with `--pid host` is therefore not labelled.
import { containerOf, type CgroupContainer } from '../../../shared/core/containerOf';
import type { Snapshot } from '../../../shared/core/types';
import { readProcText } from '../scan/procFiles';

export function readCgroupContainers(procRoot: string, snapshot: Snapshot): Map<number, CgroupContainer> {
  const found = new Map<number, CgroupContainer>();
  for (const p of snapshot.processes) {
    if (p.ns === snapshot.self.nsInode) continue;
    const text = readProcText(`${procRoot}/${p.pid}/cgroup`);
    if (!text.ok) continue;
    const c = containerOf(text.value);
    if (c !== null) found.set(p.pid, c);
  }
  return found;
}

/** Cache of the above for a poller: a process's cgroup is read once per (pid, start time). */
export class CgroupCache {
  private readonly byKey = new Map<string, CgroupContainer | null>();

  constructor(private readonly procRoot: string) {}

  read(snapshot: Snapshot): Map<number, CgroupContainer> {
    const found = new Map<number, CgroupContainer>();
    const live = new Set<string>();
    for (const p of snapshot.processes) {
      if (p.ns === snapshot.self.nsInode) continue;
      const key = `${p.pid}@${p.startTime}`;
      live.add(key);
      let c = this.byKey.get(key);
      if (c === undefined) {
        // A process can move cgroups (rare: `docker exec` lands in the container's own); its first one is kept.
        const text = readProcText(`${this.procRoot}/${p.pid}/cgroup`);
        c = text.ok ? containerOf(text.value) : null;
        this.byKey.set(key, c);
      }
      if (c !== null) found.set(p.pid, c);
    }
    for (const key of this.byKey.keys()) if (!live.has(key)) this.byKey.delete(key);
    return found;
  }
}
