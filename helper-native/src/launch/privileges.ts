// Does this process already have what the helper needs (root, or the capabilities to read every
// process's namespaces and create new ones)? Then no privilege tool is needed.
import { readFileSync } from 'node:fs';

const CAP_DAC_READ_SEARCH = 2;
const CAP_SYS_PTRACE = 19;
const CAP_SYS_ADMIN = 21;
const NEEDED = [CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH];

/** Parses `CapEff:`/`CapAmb:`-style hex masks from /proc/self/status text. */
export function capMask(statusText: string, field: 'CapEff' | 'CapAmb'): bigint {
  const m = new RegExp(`^${field}:\\s*([0-9a-fA-F]+)$`, 'm').exec(statusText);
  return m ? BigInt('0x' + m[1]) : 0n;
}

function hasAll(mask: bigint): boolean {
  return NEEDED.every((bit) => (mask & (1n << BigInt(bit))) !== 0n);
}

/**
 * True when a helper started directly from here runs privileged. As uid 0 the kernel recomputes full
 * capabilities on exec. A non-root process keeps capabilities across exec only if they are ambient,
 * so for it CapAmb (not CapEff) is what counts.
 */
export function directLaunchIsPrivileged(euid = process.geteuid?.() ?? -1, statusText?: string): boolean {
  if (euid === 0) return true;
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return false;
    }
  }
  return hasAll(capMask(text, 'CapAmb'));
}
