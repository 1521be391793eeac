// Small, allocation-light reads of /proc, through the raw syscalls of sys/procIo.ts (it says why). Every
// process can vanish between any two syscalls, so each read reports 'gone' (ENOENT/ESRCH: skip it silently)
// apart from 'denied' (EACCES/EPERM: count it as unreadable) instead of throwing.
import { readdirSync, statSync } from 'node:fs';
import {
  AT_FDCWD,
  DIRENT_NAME,
  DIRENT_RECLEN,
  ERRNO,
  closeFd,
  getdents,
  openAt,
  openDirAt,
  readInto,
  readlinkAt,
  readlinkAtName,
} from '../sys/procIo';
import { errnoName } from '../sys/libc';

export type ReadResult<T> = { ok: true; value: T } | { ok: false; why: 'gone' | 'denied' };

const GONE = { ok: false, why: 'gone' } as const;
const DENIED = { ok: false, why: 'denied' } as const;

/** A read that failed with neither gone nor denied (EMFILE, EIO, …): a real failure. */
export class ProcReadError extends Error {
  readonly code: string;
  constructor(errno: number, op: string, path: string) {
    const code = errnoName(errno);
    super(`${op} ${path}: ${code}`);
    this.name = 'ProcReadError';
    this.code = code;
  }
}

/** A -errno as 'gone' / 'denied'; anything else is thrown. */
function classify(negErrno: number, op: string, path: string): ReadResult<never> {
  const errno = -negErrno;
  if (errno === ERRNO.ENOENT || errno === ERRNO.ESRCH || errno === ERRNO.ENOTDIR) return GONE;
  if (errno === ERRNO.EACCES || errno === ERRNO.EPERM) return DENIED;
  throw new ProcReadError(errno, op, path);
}

/** Node's fs errors the same way, for the few calls left on Node's fs. */
function classifyNode(err: unknown): ReadResult<never> {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ESRCH' || code === 'ENOTDIR') return GONE;
  if (code === 'EACCES' || code === 'EPERM') return DENIED;
  throw err;
}

// One reusable buffer for file texts: status is ~1.5 KiB, stat ~0.3 KiB; a longer file is read in several
// chunks. One for link targets (PATH_MAX) and one for directory entries.
let buf = Buffer.alloc(16 * 1024);
const linkBuf = Buffer.alloc(4096);
const dentBuf = Buffer.alloc(32 * 1024);
/** More than one record can take (a 255-byte name and its header, rounded up). */
const DIRENT_ROOM = 512;

/**
 * The bytes of a file relative to `dirfd` (AT_FDCWD: a path) in the shared buffer, valid until the next read:
 * its length. procfs generates these files whole on the first read: a short read is the end, so the usual
 * extra read that returns 0 is skipped (one syscall less per file, thousands per scan).
 */
function readBytesAt(dirfd: number, path: string): ReadResult<number> {
  const fd = openAt(dirfd, path);
  if (fd < 0) return classify(fd, 'open', path);
  try {
    let len = 0;
    while (true) {
      if (len === buf.length) buf = Buffer.concat([buf, Buffer.alloc(buf.length)]);
      const room = buf.length - len;
      const n = readInto(fd, buf, len);
      if (n === -ERRNO.EINTR) continue;
      if (n < 0) return classify(n, 'read', path);
      len += n;
      if (n < room) break;
    }
    // A process that exits mid-read yields an empty file (or ESRCH): treat as gone.
    return len === 0 ? GONE : { ok: true, value: len };
  } finally {
    closeFd(fd);
  }
}

/** The text of a file relative to `dirfd`; `untilLine` as in readProcText. */
function readTextAt(dirfd: number, path: string, untilLine: string | undefined): ReadResult<string> {
  const r = readBytesAt(dirfd, path);
  if (!r.ok) return r;
  const len = r.value;
  let end = len;
  if (untilLine !== undefined) {
    const at = buf.indexOf('\n' + untilLine, 0);
    const nl = at < 0 || at >= len ? -1 : buf.indexOf(10, at + 1);
    if (nl >= 0 && nl < len) end = nl + 1;
  }
  return { ok: true, value: buf.toString('utf8', 0, end) };
}

/**
 * The inode in the link target just read into linkBuf (`len` bytes) when it reads `TYPE:[INODE]`
 * (`pid:[4026531836]`), without making a string; null for any other target. The rules of parseNsLink
 * (shared/core/procStatus.ts): 1 to 15 digits between the brackets.
 */
function nsInodeOf(len: number, type: string): number | null {
  const start = type.length + 2;
  const end = len - 1;
  const digits = end - start;
  if (digits < 1 || digits > 15) return null;
  for (let i = 0; i < type.length; i++) if (linkBuf[i] !== type.charCodeAt(i)) return null;
  if (linkBuf[type.length] !== 0x3a /* : */ || linkBuf[type.length + 1] !== 0x5b /* [ */ || linkBuf[end] !== 0x5d /* ] */) return null;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = linkBuf[i] - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return v;
}

function nsInodeAt(dirfd: number, path: string, type: string): ReadResult<number> {
  const n = readlinkAt(dirfd, path, linkBuf);
  if (n < 0) return classify(n, 'readlink', path);
  const inode = nsInodeOf(n, type);
  return inode === null ? GONE : { ok: true, value: inode };
}

/**
 * The text of a small /proc file; with `untilLine`, only up to the end of the first line starting with it
 * (e.g. 'NSpid:' in status, a quarter of the file): less to decode, and the strings the parser slices
 * from it (which V8 may keep pointing into it) hold less memory.
 */
export function readProcText(path: string, untilLine?: string): ReadResult<string> {
  return readTextAt(AT_FDCWD, path, untilLine);
}

/**
 * A small /proc file's bytes for a caller that can often decide from them without a string (a cpuset of `/`):
 * `test` gets the shared buffer and the length (valid during the call only) and returns what it makes of them.
 */
export function readProcBytes<T>(path: string, test: (bytes: Buffer, len: number) => T): ReadResult<T> {
  const r = readBytesAt(AT_FDCWD, path);
  return r.ok ? { ok: true, value: test(buf, r.value) } : r;
}

/**
 * Inode of a namespace link (`pid:[4026531836]`) by readlink: no Stats object and no string. The nsfs
 * device is one for the whole system, so the caller pairs it with the dev it got once.
 */
export function readNsInode(path: string, type = 'pid'): ReadResult<number> {
  return nsInodeAt(AT_FDCWD, path, type);
}

/**
 * One /proc/PID directory, opened once for several reads relative to it (the files of that process, and no
 * other: if it exits and its PID is reused, reads through this fd fail instead of reading the newcomer).
 * Close it when done.
 */
export class ProcDir {
  private constructor(
    private readonly fd: number,
    private readonly path: string,
  ) {}

  static open(path: string): ReadResult<ProcDir> {
    const fd = openDirAt(AT_FDCWD, path);
    return fd < 0 ? classify(fd, 'open', path) : { ok: true, value: new ProcDir(fd, path) };
  }

  text(name: string, untilLine?: string): ReadResult<string> {
    return readTextAt(this.fd, name, untilLine);
  }

  nsInode(name: string, type = 'pid'): ReadResult<number> {
    return nsInodeAt(this.fd, name, type);
  }

  /** nsLinksIn for a directory of this process (`fd`). */
  nsLinks(name: string, type: string, each: (name: string, inode: number) => void): ReadResult<number> {
    return nsLinksAt(this.fd, name, type, each);
  }

  close(): void {
    closeFd(this.fd);
  }

  toString(): string {
    return this.path;
  }
}

/**
 * For each entry of a directory of links (/proc/PID/fd) whose target reads `TYPE:[INODE]`: its name and the
 * inode. Entries and targets are read as bytes (getdents, readlinkat relative to the directory): a name
 * becomes a string only for a match, and nearly every fd is a file, pipe or socket. Returns the number of
 * entries read, or the failure (gone, denied).
 */
export function nsLinksIn(dir: string, type: string, each: (name: string, inode: number) => void): ReadResult<number> {
  return nsLinksAt(AT_FDCWD, dir, type, each);
}

function nsLinksAt(dirfd: number, dir: string, type: string, each: (name: string, inode: number) => void): ReadResult<number> {
  const fd = openDirAt(dirfd, dir);
  if (fd < 0) return classify(fd, 'open', dir);
  let entries = 0;
  try {
    while (true) {
      const n = getdents(fd, dentBuf);
      if (n < 0) {
        // No getdents64 on this libc and architecture: Node lists the names.
        if (-n === ERRNO.ENOSYS) return nsLinksByName(fd, dir, type, each);
        return classify(n, 'getdents', dir);
      }
      if (n === 0) return { ok: true, value: entries };
      for (let off = 0; off < n; off += dentBuf.readUInt16LE(off + DIRENT_RECLEN)) {
        const at = off + DIRENT_NAME;
        if (dentBuf[at] === 0x2e /* . and .. */) continue;
        entries++;
        const len = readlinkAtName(fd, dentBuf, at, linkBuf);
        if (len < 0) continue; // closed since the listing
        const inode = nsInodeOf(len, type);
        if (inode !== null) each(dentBuf.toString('latin1', at, dentBuf.indexOf(0, at)), inode);
      }
      // procfs lists a directory until the buffer is full: one with room for more entries was the end, and
      // the getdents that would return 0 is skipped (one syscall less per process).
      if (n < dentBuf.length - DIRENT_ROOM) return { ok: true, value: entries };
    }
  } finally {
    closeFd(fd);
  }
}

function nsLinksByName(fd: number, dir: string, type: string, each: (name: string, inode: number) => void): ReadResult<number> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    return classifyNode(err);
  }
  for (const name of names) {
    const r = nsInodeAt(fd, name, type);
    if (r.ok) each(name, r.value);
  }
  return { ok: true, value: names.length };
}

/** (dev, inode) of the object a /proc link points at (stat follows the nsfs magic link). */
export function statIdentity(path: string): ReadResult<{ dev: number; inode: number }> {
  try {
    const st = statSync(path);
    return { ok: true, value: { dev: st.dev, inode: st.ino } };
  } catch (err) {
    return classifyNode(err);
  }
}

/**
 * Numeric entries of the procfs directory, i.e. the PIDs (thread-group leaders) it shows. Listed with
 * getdents and parsed from the bytes: readdirSync made a string for each of 10,000 entries on every poll
 * (the largest single cost of a quiet reconcile pass in a profile at 10,900 processes). Throws on failure.
 */
export function listPids(procRoot: string): number[] {
  const fd = openDirAt(AT_FDCWD, procRoot);
  if (fd < 0) throw new ProcReadError(-fd, 'open', procRoot);
  const pids: number[] = [];
  try {
    for (;;) {
      const n = getdents(fd, dentBuf);
      if (n === -ERRNO.ENOSYS) return listPidsByName(procRoot);
      if (n < 0) throw new ProcReadError(-n, 'getdents', procRoot);
      if (n === 0) return pids;
      for (let off = 0; off < n; off += dentBuf.readUInt16LE(off + DIRENT_RECLEN)) {
        let at = off + DIRENT_NAME;
        let c = dentBuf[at];
        if (c < 48 || c > 57) continue;
        let pid = 0;
        for (; c !== 0; c = dentBuf[++at]) pid = pid * 10 + (c - 48);
        pids.push(pid);
      }
    }
  } finally {
    closeFd(fd);
  }
}

function listPidsByName(procRoot: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids;
}
