// The syscalls a scan of /proc makes by the thousand (open, read, close, readlink, getdents), through koffi
// into caller-owned buffers. Node's fs calls cost a few µs each beyond the syscall (a JS string or Stats per
// result, libuv's request, an Error built for every ESRCH of a process that just exited), and a path from
// the root walks /proc/PID again for every file; here /proc/PID is opened once and read relative to it
// (openat, readlinkat), as lsns does. The kernel's own work is most of a scan's cost (path walks, procfs
// building a dentry per fd listed): measured against Node's calls, interleaved at the bench's 3,400-process
// load, a cold snapshot's CPU went down by about a tenth and the persistent-namespace pass's by an eighth.
// Every function returns the kernel's answer: a count or an fd, or -errno.
import { constants } from 'node:os';
import { close, read, syscall } from './calls';
import { lastErrno, libc } from './libc';

/** errno values the callers classify. */
export const ERRNO = {
  EPERM: constants.errno.EPERM,
  ENOENT: constants.errno.ENOENT,
  ESRCH: constants.errno.ESRCH,
  EACCES: constants.errno.EACCES,
  ENOTDIR: constants.errno.ENOTDIR,
  ENOSYS: constants.errno.ENOSYS,
  EINTR: constants.errno.EINTR,
} as const;

export const AT_FDCWD = -100;
const O_RDONLY = 0;
const O_DIRECTORY = 0o200000;
const O_CLOEXEC = 0o2000000;

const openatC = libc.func('int openat(int dirfd, const char *path, int flags)');
const readlinkatC = libc.func('long readlinkat(int dirfd, const char *path, _Out_ uint8_t *buf, size_t len)');
// The same call with the name given as bytes (a NUL-terminated name inside a getdents buffer): no string.
const readlinkatBytesC = libc.func('long readlinkat(int dirfd, const uint8_t *path, _Out_ uint8_t *buf, size_t len)');
// glibc 2.30+ and musl export getdents64; before that, the raw syscall by this architecture's number
// (through the shared variadic syscall: measured here, a few tenths of a µs more a call than a typed one).
const SYS_GETDENTS64: Partial<Record<string, number>> = {
  x64: 217,
  arm64: 61,
  arm: 217,
  ia32: 220,
  riscv64: 61,
  loong64: 61,
  ppc64: 202,
  s390x: 220,
};
const getdentsC = ((): ((fd: number, buf: Buffer, len: number) => number | bigint) | undefined => {
  try {
    return libc.func('long getdents64(int fd, _Out_ uint8_t *buf, size_t len)');
  } catch {
    const nr = SYS_GETDENTS64[process.arch];
    if (nr === undefined) return undefined;
    return (fd, buf, len) => syscall(nr, 'int', fd, 'uint8_t *', buf, 'size_t', len);
  }
})();

function result(r: number | bigint): number {
  const n = Number(r);
  return n < 0 ? -lastErrno() : n;
}

/** openat(2) read-only, close-on-exec: an fd, or -errno. */
export function openAt(dirfd: number, path: string): number {
  return result(openatC(dirfd, path, O_RDONLY | O_CLOEXEC));
}

/** openat(2) of a directory (for the *At calls and getdents). */
export function openDirAt(dirfd: number, path: string): number {
  return result(openatC(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

/** read(2) into buf[offset…]: the count (0 at the end), or -errno. */
export function readInto(fd: number, buf: Buffer, offset: number): number {
  return result(read(fd, offset === 0 ? buf : buf.subarray(offset), buf.length - offset));
}

export function closeFd(fd: number): void {
  close(fd);
}

/** readlinkat(2) into buf: the target's length (not NUL-terminated), or -errno. */
export function readlinkAt(dirfd: number, path: string, buf: Buffer): number {
  return result(readlinkatC(dirfd, path, buf, buf.length));
}

/** readlinkat(2) of the NUL-terminated name at buf `names`[at…]. */
export function readlinkAtName(dirfd: number, names: Buffer, at: number, buf: Buffer): number {
  return result(readlinkatBytesC(dirfd, names.subarray(at), buf, buf.length));
}

/**
 * getdents64(2) into buf: bytes filled, 0 at the end, or -errno. Each record (struct linux_dirent64):
 * d_ino u64, d_off s64, d_reclen u16 at +16, d_type u8 at +18, the NUL-terminated name at +19.
 */
export function getdents(fd: number, buf: Buffer): number {
  return getdentsC ? result(getdentsC(fd, buf, buf.length)) : -ERRNO.ENOSYS;
}
export const DIRENT_RECLEN = 16;
export const DIRENT_NAME = 19;
