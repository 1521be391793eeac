// nsfs ioctls through koffi (ioctl_ns(2)): the kernel's own answer to "who is this PID namespace's
// parent, which user namespace owns it, which uid created that". Opening, fstat and closing use Node's fs
// (plain fds work there), so only the ioctls and pidfd/poll need foreign calls.
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { lastErrno, libc } from './libc';

export const NS_GET_USERNS = 0xb701;
export const NS_GET_PARENT = 0xb702;
export const NS_GET_OWNER_UID = 0xb704;

const EPERM = 1;
const ENOTTY = 25;
const EINVAL = 22;

// ioctl is variadic in C; koffi passes extra arguments as (type, value) pairs.
const ioctl = libc.func('int ioctl(int fd, unsigned long request, ...)');

export interface NsStat {
  dev: number;
  inode: number;
}

export class NsfsError extends Error {
  constructor(
    readonly errno: number,
    op: string,
  ) {
    super(`${op} failed: errno ${errno}`);
    this.name = 'NsfsError';
  }
}

export function fdIdentity(fd: number): NsStat {
  const st = fstatSync(fd);
  return { dev: st.dev, inode: st.ino };
}

/**
 * Open an nsfs file read-only. Throws Node's error (code ENOENT / EACCES / ESRCH) as is. Non-blocking and
 * no controlling tty: a bind-mount path in another mount namespace can be swapped for a FIFO or a device
 * between mountinfo and open; the caller checks the opened identity anyway.
 */
export function openNs(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
}

export function closeFd(fd: number): void {
  closeSync(fd);
}

/** An ioctl that returns a new fd, or null when the kernel says there is nothing (visible) above. */
function ioctlFd(fd: number, request: number, op: string): number | null {
  const r = ioctl(fd, request) as number;
  if (r >= 0) return r;
  const errno = lastErrno();
  // EPERM: the parent/owner is outside what the caller may see (the top of its view).
  if (errno === EPERM) return null;
  throw new NsfsError(errno, op);
}

/** fd of the parent PID namespace, or null at the top of the caller's view. The caller closes it. */
export function nsGetParent(fd: number): number | null {
  return ioctlFd(fd, NS_GET_PARENT, 'NS_GET_PARENT');
}

/** fd of the owning user namespace, or null when it is above the caller's view. The caller closes it. */
export function nsGetUserns(fd: number): number | null {
  return ioctlFd(fd, NS_GET_USERNS, 'NS_GET_USERNS');
}

/** uid that created the user namespace `userNsFd` (valid only on a user namespace fd). */
export function nsGetOwnerUid(userNsFd: number): number | null {
  const out = Buffer.alloc(4);
  const r = ioctl(userNsFd, NS_GET_OWNER_UID, 'void *', out) as number;
  if (r === 0) return out.readUInt32LE(0);
  const errno = lastErrno();
  if (errno === EINVAL || errno === ENOTTY || errno === EPERM) return null;
  throw new NsfsError(errno, 'NS_GET_OWNER_UID');
}
