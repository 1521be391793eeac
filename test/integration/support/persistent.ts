// Shared by the persistent-namespace tests: read a namespace link, tell whether a path is a mount point.
import { readFileSync, readlinkSync } from 'node:fs';

/** The inode a namespace link (`pid:[…]`, an fd on one) names, or null when it is gone or not one. */
export function linkInode(link: string): number | null {
  try {
    const m = /^\w+:\[(\d+)\]$/.exec(readlinkSync(link));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Whether `path` is a mount point in this process's mount namespace. */
export function isMounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === path);
}
