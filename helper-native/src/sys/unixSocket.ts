// A non-blocking unix stream socket through koffi (socket(2), connect(2), send(2), read(2), poll(2)): for
// one short request and its reply, a handful of direct calls cost several times less CPU than a node:net
// socket (its stream, handle and event machinery) measured here. Waiting for bytes runs poll on a libuv
// pool thread (koffi's async call), so the event loop stays free.
import { close, poll, POLLFD_BYTES, read, send, setPollfd, socket } from './calls';
import { errnoName, lastErrno, libc } from './libc';

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
/** send(2) flag: a peer that closed gives EPIPE, never SIGPIPE. */
const MSG_NOSIGNAL = 0x4000;
const EAGAIN = 11;
const EINTR = 4;
/** sizeof(struct sockaddr_un): a 2-byte family and 108 bytes of path. */
const SUN_PATH_MAX = 108;

const connectFn = libc.func('int connect(int fd, const void *addr, uint32_t len)');

export class SocketError extends Error {
  constructor(
    readonly errno: number,
    op: string,
    path?: string,
  ) {
    super(`${op} ${errnoName(errno)}${path === undefined ? '' : ` ${path}`}`);
    this.name = 'SocketError';
  }
}

/** A connected non-blocking socket to `path` (close it with closeSocket). Throws SocketError (`connect ENOENT /path`). */
export function connectUnix(path: string): number {
  const name = Buffer.from(path, 'utf8');
  if (name.length >= SUN_PATH_MAX) throw new SocketError(36 /* ENAMETOOLONG */, 'connect', path);
  const addr = Buffer.alloc(2 + SUN_PATH_MAX);
  addr.writeUInt16LE(AF_UNIX, 0);
  name.copy(addr, 2);
  const fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new SocketError(lastErrno(), 'socket');
  // A unix socket connects at once or fails (a full backlog is EAGAIN, never EINPROGRESS).
  if ((connectFn(fd, addr, 2 + name.length + 1) as number) < 0) {
    const errno = lastErrno();
    close(fd);
    throw new SocketError(errno, 'connect', path);
  }
  return fd;
}

/** Send all of `data` now (a short request on a fresh socket fits its buffer); SocketError if it cannot. */
export function sendAll(fd: number, data: Buffer): void {
  let at = 0;
  while (at < data.length) {
    const n = Number(send(fd, at === 0 ? data : data.subarray(at), data.length - at, MSG_NOSIGNAL));
    if (n < 0) {
      const errno = lastErrno();
      if (errno === EINTR) continue;
      throw new SocketError(errno, 'write');
    }
    if (n === 0) throw new SocketError(EAGAIN, 'write');
    at += n;
  }
}

/** Bytes read into `buf` at `at` (at most `max`); 0 at the end of the stream, -1 when none are there yet. Throws SocketError. */
export function readSome(fd: number, buf: Buffer, at: number, max: number): number {
  for (;;) {
    const n = Number(read(fd, at === 0 ? buf : buf.subarray(at), max));
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno === EAGAIN) return -1;
    if (errno !== EINTR) throw new SocketError(errno, 'read');
  }
}

export function closeSocket(fd: number): void {
  close(fd);
}

/**
 * Calls `done` once `fd` is readable (or hung up, or in error), or after `timeoutMs`; an error only if the
 * wait itself failed. The wait blocks a pool thread, never the event loop; `timeoutMs` bounds it.
 */
export function whenReadable(fd: number, timeoutMs: number, done: (err: Error | null) => void): void {
  const pfd = Buffer.alloc(POLLFD_BYTES);
  setPollfd(pfd, 0, fd);
  poll.async(pfd, 1, Math.max(0, Math.ceil(timeoutMs)), (err: unknown) => {
    // pfd is used here so that it lives until the pool thread's poll returned (a collected buffer there
    // crashed the process).
    if (pfd.length !== POLLFD_BYTES) return;
    done(err === null || err === undefined ? null : err instanceof Error ? err : new Error(String(err)));
  });
}
