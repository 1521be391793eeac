// Small, allocation-light reads of /proc. Every process can vanish between any two syscalls, so each
// read reports 'gone' (ENOENT/ESRCH: skip it silently) apart from 'denied' (EACCES/EPERM: count it as
// unreadable) instead of throwing.
import { closeSync, openSync, readSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { parseNsLink } from '../../../shared/core/procStatus';

export type ReadResult<T> = { ok: true; value: T } | { ok: false; why: 'gone' | 'denied' };

const GONE = { ok: false, why: 'gone' } as const;
const DENIED = { ok: false, why: 'denied' } as const;

/** Map a Node fs error to 'gone' / 'denied'; anything else (EMFILE, EIO, …) is a real failure and is rethrown. */
function classify(err: unknown): ReadResult<never> {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ESRCH' || code === 'ENOTDIR') return GONE;
  if (code === 'EACCES' || code === 'EPERM') return DENIED;
  throw err;
}

// One reusable buffer: status is ~1.5 KiB, stat ~0.3 KiB; a longer file is read in several chunks.
let buf = Buffer.alloc(16 * 1024);

/**
 * The text of a small /proc file; with `untilLine`, only up to the end of the first line starting with it
 * (e.g. 'NSpid:' in status, a quarter of the file): less to decode, and the strings the parser slices
 * from it (which V8 may keep pointing into it) hold less memory.
 */
export function readProcText(path: string, untilLine?: string): ReadResult<string> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return classify(err);
  }
  try {
    let len = 0;
    while (true) {
      if (len === buf.length) buf = Buffer.concat([buf, Buffer.alloc(buf.length)]);
      const room = buf.length - len;
      const n = readSync(fd, buf, len, room, null);
      len += n;
      // procfs generates these files whole on the first read: a short read is the end, so the usual
      // extra read that returns 0 is skipped (one syscall less per file, thousands per scan).
      if (n < room) break;
    }
    // A process that exits mid-read yields an empty file (or ESRCH): treat as gone.
    if (len === 0) return GONE;
    let end = len;
    if (untilLine !== undefined) {
      const at = buf.indexOf('\n' + untilLine, 0);
      const nl = at < 0 || at >= len ? -1 : buf.indexOf(10, at + 1);
      if (nl >= 0 && nl < len) end = nl + 1;
    }
    return { ok: true, value: buf.toString('utf8', 0, end) };
  } catch (err) {
    return classify(err);
  } finally {
    closeSync(fd);
  }
}

/** (dev, inode) of the object a /proc link points at (stat follows the nsfs magic link). */
export function statIdentity(path: string): ReadResult<{ dev: number; inode: number }> {
  try {
    const st = statSync(path);
    return { ok: true, value: { dev: st.dev, inode: st.ino } };
  } catch (err) {
    return classify(err);
  }
}

/**
 * Inode of a namespace link (`pid:[4026531836]`) by readlink: no Stats object, which matters at thousands
 * per scan. The nsfs device is one for the whole system, so the caller pairs it with the dev it got once.
 */
export function readNsInode(path: string): ReadResult<number> {
  try {
    const inode = parseNsLink(readlinkSync(path));
    return inode === null ? GONE : { ok: true, value: inode };
  } catch (err) {
    return classify(err);
  }
}

/** Numeric entries of the procfs directory, i.e. the PIDs (thread-group leaders) it shows. */
export function listPids(procRoot: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids;
}
