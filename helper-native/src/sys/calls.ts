// The libc calls that several modules make (read, close, poll and its struct pollfd, socket, send, syscall,
// prctl), declared here once each so that every caller shares one koffi binding with one prototype. Calls
// only one module makes stay declared in that module. Each binding is koffi's own function, typed: no wrapper between the caller
// and the call (procIo reads through `read` by the thousand per scan). Pointer arguments are Buffers, which
// koffi passes as a pointer to their bytes; `long` results are a number, or a bigint beyond 2^53.
import type { KoffiFunc } from 'koffi';
import { libc } from './libc';

/** read(2) into `buf` (a Buffer or a subarray of one): the count, 0 at the end, -1 with errno set. */
export const read: KoffiFunc<(fd: number, buf: Buffer, len: number) => number | bigint> = libc.func(
  'long read(int fd, _Out_ uint8_t *buf, size_t len)',
);

export const close: KoffiFunc<(fd: number) => number> = libc.func('int close(int fd)');

/**
 * poll(2) over `fds`, an array of struct pollfd { int fd; short events; short revents; } (8 bytes each).
 * `poll.async` waits on a libuv pool thread; the caller keeps `fds` alive until its callback ran.
 */
export const poll: KoffiFunc<(fds: Buffer, nfds: number, timeoutMs: number) => number> = libc.func(
  'int poll(_Inout_ void *fds, unsigned long nfds, int timeout)',
);

/** poll(2)'s "readable" event (a pidfd: its process terminated). */
const POLLIN = 0x001;
/** sizeof(struct pollfd { int fd; short events; short revents; }): an entry of poll's array. */
export const POLLFD_BYTES = 8;

/** Sets entry `i` of a pollfd array to wait for `fd` to be readable, its revents cleared. */
export function setPollfd(fds: Buffer, i: number, fd: number): void {
  fds.writeInt32LE(fd, i * POLLFD_BYTES);
  fds.writeInt16LE(POLLIN, i * POLLFD_BYTES + 4);
  fds.writeInt16LE(0, i * POLLFD_BYTES + 6);
}

/** After poll: whether the kernel reported anything on entry `i` (readable, hung up or in error). */
export function pollfdReady(fds: Buffer, i: number): boolean {
  return fds.readInt16LE(i * POLLFD_BYTES + 6) !== 0;
}

export const socket: KoffiFunc<(domain: number, type: number, protocol: number) => number> = libc.func(
  'int socket(int domain, int type, int protocol)',
);

export const send: KoffiFunc<(fd: number, buf: Buffer, len: number, flags: number) => number | bigint> = libc.func(
  'long send(int fd, const void *buf, unsigned long len, int flags)',
);

/**
 * syscall(2), variadic: koffi takes each argument after the number as a (type, value) pair, e.g.
 * `syscall(nr, 'int', fd, 'unsigned int', 0)`. Cannot be called async (koffi has no async variadic calls).
 */
export const syscall: (nr: number, ...typedArgs: unknown[]) => number | bigint = libc.func('long syscall(long number, ...)');

export const prctl: KoffiFunc<(option: number, a2: number, a3: number, a4: number, a5: number) => number> = libc.func(
  'int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)',
);
