// What the kernel says, read directly and independently of shared/core's parsers, so that tests compare
// the product's model against a second, deliberately simple reading of /proc.
import { readFileSync } from 'node:fs';

/** NSpid of a live process (outermost first), or undefined once it is gone. /proc/PID/status is world-readable. */
export function nspidOf(pid: number): number[] | undefined {
  try {
    const m = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? m[1].trim().split(/\s+/).map(Number) : undefined;
  } catch {
    return undefined;
  }
}

/** A process's comm (its command name), or undefined once it is gone. */
export function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
