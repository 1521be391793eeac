// pidfds through koffi (pidfd_open(2), pidfd_send_signal(2)): a pidfd names one process for good, so a
// signal sent through it can never hit a process that later reused the PID, and it becomes readable when
// that process exits, which is how a teardown is verified without guessing from /proc.
import { closeSync } from 'node:fs';
import { poll, pollfdReady, POLLFD_BYTES, setPollfd, syscall } from './calls';
import { lastErrno } from './libc';

// Since Linux 5.1 a new syscall (424 on) has one number on every architecture but alpha, ia64 and mips
// (which offset their tables), so these hold for x86-64 and arm64 alike.
const SYS_PIDFD_OPEN = 434;
const SYS_PIDFD_SEND_SIGNAL = 424;

export class PidfdError extends Error {
  constructor(
    readonly errno: number,
    op: string,
  ) {
    super(`${op} failed: errno ${errno}`);
    this.name = 'PidfdError';
  }
}

/**
 * pidfd_open(2) without an Error for the expected failures: a new pidfd, or -errno (-ESRCH when there is no
 * such process, -ENOSYS on a kernel before 5.3). For callers that open one per process by the thousand.
 */
export function pidfdOpenOrErrno(pid: number): number {
  const fd = Number(syscall(SYS_PIDFD_OPEN, 'int', pid, 'unsigned int', 0));
  return fd < 0 ? -lastErrno() : fd;
}

/** A new pidfd for `pid` (close it with closePidfd). Throws PidfdError (ESRCH 3 when there is no such process). */
export function pidfdOpen(pid: number): number {
  const fd = pidfdOpenOrErrno(pid);
  if (fd < 0) throw new PidfdError(-fd, 'pidfd_open');
  return fd;
}

/** Send `signal` to the process behind `fd`. Throws PidfdError (ESRCH when it has exited). */
export function pidfdSendSignal(fd: number, signal: number): void {
  const r = Number(syscall(SYS_PIDFD_SEND_SIGNAL, 'int', fd, 'int', signal, 'void *', null, 'unsigned int', 0));
  if (r < 0) throw new PidfdError(lastErrno(), 'pidfd_send_signal');
}

function pollBuf(fd: number): Buffer {
  const buf = Buffer.alloc(POLLFD_BYTES);
  setPollfd(buf, 0, fd);
  return buf;
}

/** True once the process behind `fd` has terminated (zombie or reaped). Never blocks. */
export function pidfdExited(fd: number): boolean {
  const buf = pollBuf(fd);
  return poll(buf, 1, 0) > 0 && pollfdReady(buf, 0);
}

/**
 * Resolves true when the process behind `fd` terminates, false after `timeoutMs`. The wait runs on a libuv
 * pool thread (koffi's async call), so the event loop stays free.
 */
export function pidfdWaitExit(fd: number, timeoutMs: number): Promise<boolean> {
  const buf = pollBuf(fd);
  return new Promise((resolve, reject) => {
    poll.async(buf, 1, Math.max(0, Math.floor(timeoutMs)), (err: unknown, r: number) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(r > 0 && pollfdReady(buf, 0));
    });
  });
}

export function closePidfd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing holds it any more, which is all close is for
  }
}

const SYS_CLOSE_RANGE = 436;
const CLOSE_RANGE_CLOEXEC = 1 << 2;

/**
 * Mark every fd above 2 close-on-exec. Node's own fds already are; this catches what the process that
 * started us left open without the flag, so that no child we start (a chain, a tool) inherits it.
 */
export function cloexecInheritedFds(): void {
  syscall(SYS_CLOSE_RANGE, 'unsigned int', 3, 'unsigned int', 0xffffffff, 'unsigned int', CLOSE_RANGE_CLOEXEC);
}
