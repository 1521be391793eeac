// The native init's report lines (helper-native/init/pidns-init.c, "chain" mode) and the nesting-room
// arithmetic, as pure functions so they are tested on fixtures and shared by the helper and the CLI.
import { MAX_PID_NS_LEVEL } from '../helperProtocol';

export type InitReport =
  /** Level `level` is ready: its PID namespace inode and its PID 1 as the caller sees it. */
  | { kind: 'level'; level: number; ns: number; init: number }
  /** Every level is ready; the leaf is the innermost level's PID 1. */
  | { kind: 'ready'; leaf: number }
  /** Level `level`'s init died with `status` (exit code or 128+signal): it and every level below are gone. */
  | { kind: 'gone'; level: number; status: number }
  /** Setting up level `level` failed with `errno`. */
  | { kind: 'error'; level: number; errno: number; what: string }
  /** The anchor is exiting. */
  | { kind: 'exit'; reason: 'destroyed' | 'leaf-exited' | 'init-killed' | 'failed'; status: number };

const EXIT_REASONS = new Set(['destroyed', 'leaf-exited', 'init-killed', 'failed']);

function nat(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** One report line, or null if it is not one (the init writes nothing else on its report fd). */
export function parseInitReport(line: string): InitReport | null {
  const f = line.trim().split(' ');
  const [a, b, c] = [nat(f[1]), nat(f[2]), nat(f[3])];
  switch (f[0]) {
    case 'level':
      return f.length === 4 && a !== null && b !== null && c !== null ? { kind: 'level', level: a, ns: b, init: c } : null;
    case 'ready':
      return f.length === 2 && a !== null ? { kind: 'ready', leaf: a } : null;
    case 'gone':
      return f.length === 3 && a !== null && b !== null ? { kind: 'gone', level: a, status: b } : null;
    case 'error':
      return f.length >= 4 && a !== null && b !== null ? { kind: 'error', level: a, errno: b, what: f.slice(3).join(' ') } : null;
    case 'exit':
      return f.length === 3 && EXIT_REASONS.has(f[1]) && b !== null ? { kind: 'exit', reason: f[1] as 'destroyed', status: b } : null;
    default:
      return null;
  }
}

/**
 * The caller's own nesting level from its /proc/self/status text: NSpid lists one PID per level from the
 * procfs's namespace down, so the host's initial namespace gives 1 entry (level 0). Null if NSpid is absent.
 */
export function nestingLevelFromStatus(statusText: string): number | null {
  const m = /^NSpid:\s*([\d\s]+)$/m.exec(statusText);
  if (!m) return null;
  return m[1].trim().split(/\s+/).length - 1;
}

/** Inode of the initial PID namespace (the kernel's fixed PROC_PID_INIT_INO). */
export const INITIAL_PID_NS_INODE = 0xeffffffc;

/**
 * Our nesting level, as far as it can be known without asking the kernel to fail: NSpid counts the levels
 * below the namespace of the procfs that was read, so a container with its own /proc looks like level 0.
 * Then the namespace's inode still tells "not the initial one": at least level 1. The kernel's ENOSPC
 * when a level is created is the final word (see limitFromEnospc).
 */
export function nestingLevel(nspidLevel: number | null, ownPidNsInode: number): number {
  const fromNspid = nspidLevel ?? 0;
  return fromNspid === 0 && ownPidNsInode !== INITIAL_PID_NS_INODE ? 1 : fromNspid;
}

/** The message for ENOSPC while creating chain level `failedLevel` of `depth`: now the room is known exactly. */
export function limitFromEnospc(failedLevel: number, depth: number): string {
  const room = failedLevel - 1;
  return (
    `depth ${depth} is too deep: the kernel allows at most ${MAX_PID_NS_LEVEL} nested PID namespace levels below the initial one, ` +
    `and this runs in a PID namespace at level ${MAX_PID_NS_LEVEL - room}, so at most ${room} more can be created here ` +
    `(creating level ${failedLevel} failed with ENOSPC)`
  );
}

/** How many more PID namespace levels the kernel allows below a process at `level`. */
export function roomBelow(level: number): number {
  return Math.max(0, MAX_PID_NS_LEVEL - level);
}

/** Why a depth is refused, or null if it fits: a message that states the limit and the reason. */
export function depthProblem(depth: number, callerLevel: number): string | null {
  const room = roomBelow(callerLevel);
  if (!Number.isInteger(depth) || depth < 1) return `depth must be an integer from 1 to ${room}, got ${depth}`;
  if (depth <= room) return null;
  const where = callerLevel === 0 ? 'the initial (host) PID namespace' : `a PID namespace at level ${callerLevel}`;
  return (
    `depth ${depth} is too deep: the kernel allows at most ${MAX_PID_NS_LEVEL} nested PID namespace levels ` +
    `below the initial one, and this runs in ${where}, so at most ${room} more can be created here`
  );
}

/** A POSIX-shell-like status: exit code, or 128+signal number for a process killed by a signal. */
export function statusText(status: number): string {
  return status > 128 && status < 128 + 65 ? `killed by signal ${status - 128}` : `exit code ${status}`;
}
