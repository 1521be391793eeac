// What the bench suites read about a process from /proc.
import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size in MiB (VmRSS); throws if the process is gone, so a figure is never made up. */
export function rssMiB(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

/** CPU time of every thread of `pid` in ns (schedstat: ns resolution, where stat's ticks are 10 ms). */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return total;
}
