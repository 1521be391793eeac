// /proc/PID/mountinfo (proc(5)), parsed without I/O: the helper reads the files, this finds the nsfs bind
// mounts in them (`unshare --pid=/run/x`, `ip netns add`), which keep a namespace alive with no process in it.
//
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//   (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
//
// (7) is zero or more optional fields ended by the single "-" (8). Paths escape space, tab, newline and
// backslash as \040 \011 \012 \134 (the kernel's mangle()). For an nsfs mount, (4) is the namespace,
// e.g. `pid:[4026532183]`, and (5) is where it is bound, as the reading process's root sees it.
import { parseNsLink } from './procStatus';

export interface MountEntry {
  mountId: number;
  parentId: number;
  /** `major:minor` of the filesystem. */
  device: string;
  /** Root of the mount within its filesystem (for nsfs: `pid:[INODE]`). */
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** A bind mount of a namespace file: the namespace's inode and where it is mounted. */
export interface NsMount {
  inode: number;
  path: string;
}

/** Undo the kernel's octal escapes (\040 and friends); anything else is kept as written. */
export function unescapeMountPath(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** One mountinfo line, or null when it is not one (a truncated or foreign line is skipped, never thrown). */
export function parseMountinfoLine(line: string): MountEntry | null {
  const f = line.split(' ');
  if (f.length < 10) return null;
  const sep = f.indexOf('-', 6);
  if (sep < 0 || sep + 2 >= f.length) return null;
  const mountId = Number(f[0]);
  const parentId = Number(f[1]);
  if (!Number.isSafeInteger(mountId) || !Number.isSafeInteger(parentId) || !/^\d+:\d+$/.test(f[2])) return null;
  return {
    mountId,
    parentId,
    device: f[2],
    root: unescapeMountPath(f[3]),
    mountPoint: unescapeMountPath(f[4]),
    fsType: f[sep + 1],
    source: unescapeMountPath(f[sep + 2]),
  };
}

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = parseMountinfoLine(line);
    if (m !== null) out.push(m);
  }
  return out;
}

/**
 * The nsfs mounts of namespaces of `type` (default PID) in a mountinfo text. A `pid_for_children` file
 * mounted the same way reads `pid:[…]` too: it is the same kind of reference. Each (inode, path) once.
 */
export function nsfsMounts(text: string, type = 'pid'): NsMount[] {
  const out: NsMount[] = [];
  const seen = new Set<string>();
  for (const m of parseMountinfo(text)) {
    if (m.fsType !== 'nsfs') continue;
    const inode = parseNsLink(m.root, type);
    if (inode === null) continue;
    const key = `${inode} ${m.mountPoint}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ inode, path: m.mountPoint });
  }
  return out;
}
