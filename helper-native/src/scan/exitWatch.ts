// Exit detection without rereading /proc: one pidfd per tracked process (pidfd_open(2)); a pidfd becomes
// readable when its process terminates and never refers to another process, so a PID reused by a new
// process cannot be mistaken for the old one. One poll(2) over all of them answers "who exited since last
// time" in a single syscall, which is what keeps a steady-state poll cheap.
import { closeSync, readFileSync } from 'node:fs';
import { poll, pollfdReady, POLLFD_BYTES, setPollfd } from '../sys/calls';
import { pidfdOpenOrErrno } from '../sys/pidfd';

const ENOSYS = 38;

/** The soft limit on open files (Node raises it to the hard limit at start), from /proc/self/limits. */
export function openFileLimit(): number {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (line) return line[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(line[1]);
  } catch {
    // No /proc/self/limits: fall back to the usual default.
  }
  return 1024;
}

export class ExitWatch {
  private readonly fds = new Map<number, number>(); // pid -> pidfd
  /** False once the kernel said it has no pidfd_open (ENOSYS). */
  supported = true;
  private pollBuf = Buffer.alloc(0);
  /** The pid of each pollfd in pollBuf, in order; pollDirty once the watched set changed since. */
  private pollPids: number[] = [];
  private pollDirty = true;

  /**
   * At most this many pidfds: the rest of the fd table is kept for the scan itself (a /proc/PID and a file
   * in it at a time, namespace files, sockets). Without the reserve a host with more processes than the
   * limit took every fd for pidfds and the next read of /proc failed with EMFILE, failing the whole scan.
   * Processes beyond it are watched by start time instead (the poller's unwatched set).
   */
  readonly capacity: number;

  constructor(fdLimit = openFileLimit()) {
    this.capacity = Math.max(0, fdLimit - Math.min(1024, Math.floor(fdLimit / 4)));
  }

  /** Start watching `pid`. Returns false if it could not (vanished, no pidfd support, fd limit). */
  watch(pid: number): boolean {
    if (!this.supported) return false;
    this.unwatch(pid);
    if (this.fds.size >= this.capacity) return false;
    const fd = pidfdOpenOrErrno(pid);
    if (fd < 0) {
      if (fd === -ENOSYS) this.supported = false;
      return false;
    }
    this.fds.set(pid, fd);
    this.pollDirty = true;
    return true;
  }

  isWatched(pid: number): boolean {
    return this.fds.has(pid);
  }

  unwatch(pid: number): void {
    const fd = this.fds.get(pid);
    if (fd === undefined) return;
    this.fds.delete(pid);
    this.pollDirty = true;
    closeSync(fd);
  }

  /** PIDs whose process has terminated (zombie or reaped) since it was watched. Non-blocking. */
  exited(): number[] {
    const n = this.fds.size;
    if (n === 0) return [];
    // The pollfd array is kept between calls and rebuilt only when the set changed: a quiet reconcile at
    // 10,000 processes otherwise wrote 30,000 fields before one poll. The kernel rewrites every revents.
    if (this.pollDirty) this.fillPollBuf();
    const buf = this.pollBuf;
    const ready = poll(buf, n, 0);
    if (ready <= 0) return [];
    const out: number[] = [];
    for (let j = 0; j < n && out.length < ready; j++) if (pollfdReady(buf, j)) out.push(this.pollPids[j]);
    return out;
  }

  private fillPollBuf(): void {
    const n = this.fds.size;
    if (this.pollBuf.length < n * POLLFD_BYTES) this.pollBuf = Buffer.alloc(n * POLLFD_BYTES * 2);
    const buf = this.pollBuf;
    this.pollPids = [];
    let i = 0;
    for (const [pid, fd] of this.fds) {
      setPollfd(buf, i, fd);
      this.pollPids.push(pid);
      i++;
    }
    this.pollDirty = false;
  }

  close(): void {
    for (const pid of [...this.fds.keys()]) this.unwatch(pid);
  }
}
