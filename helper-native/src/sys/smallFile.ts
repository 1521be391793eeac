// Whole small files (/proc/PID/cpuset, /proc/PID/cgroup) read through koffi (open(2), read(2), close(2))
// into one reused buffer: three direct calls and no string until the caller decides it needs one. Node's
// openSync/readSync/closeSync carry several µs of their own per file (argument checks, an fs binding
// call each, an Error object built for every failure), which at a hundred files is most of the cost.
import { constants } from 'node:os';
import { lastErrno, libc } from './libc';

const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;
const EINTR = 4;

// open(2) is variadic in C for its mode, read only with O_CREAT/O_TMPFILE: declared without it.
const openFn = libc.func('int open(const char *path, int flags)');
const readFn = libc.func('long read(int fd, _Out_ void *buf, unsigned long count)');
const closeFn = libc.func('int close(int fd)');

/** errnos that mean the process (or its file) is gone or not ours to read: the read just answers nothing. */
const QUIET = new Set([constants.errno.ENOENT, constants.errno.ESRCH, constants.errno.ENOTDIR, constants.errno.EACCES, constants.errno.EPERM]);

export class SmallFileError extends Error {
  constructor(
    readonly errno: number,
    path: string,
  ) {
    super(`reading ${path} failed: errno ${errno}`);
    this.name = 'SmallFileError';
  }
}

let buf = Buffer.allocUnsafe(4096);

/**
 * The bytes of the file at `path` in a shared buffer (valid until the next call), as [buffer, length]; null
 * when it is gone, denied or empty (a process that exits mid-read leaves an empty file). Any other failure
 * (EMFILE, EIO, …) throws SmallFileError. procfs makes these files whole on the first read, so a read that
 * does not fill the buffer is the end.
 */
export function readSmallFile(path: string): [Buffer, number] | null {
  const fd = openFn(path, O_RDONLY | O_CLOEXEC) as number;
  if (fd < 0) return failed(lastErrno(), path);
  try {
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const room = buf.length - len;
      const n = Number(readFn(fd, len === 0 ? buf : buf.subarray(len), room));
      if (n < 0) {
        const errno = lastErrno();
        if (errno === EINTR) continue;
        return failed(errno, path);
      }
      len += n;
      if (n < room) break;
    }
    return len === 0 ? null : [buf, len];
  } finally {
    closeFn(fd);
  }
}

function failed(errno: number, path: string): null {
  if (QUIET.has(errno)) return null;
  throw new SmallFileError(errno, path);
}
