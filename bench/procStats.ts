// What the bench suites read about a process from /proc.
import { readFileSync } from 'node:fs';

/** The command line, arguments joined by spaces; '' once the process is gone. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Resident set size in MiB (VmRSS); throws if the process is gone, so a figure is never made up. */
export function rssMiB(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}
