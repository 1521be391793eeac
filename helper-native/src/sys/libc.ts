// The one koffi handle on the C library. Every syscall binding module declares its functions on it,
// so libc is loaded once per process however many modules need it; a call several modules make is
// declared once, in calls.ts.
import { constants } from 'node:os';
import koffi from 'koffi';

export const libc = koffi.load('libc.so.6');

/** errno of the last failed libc call on this thread (koffi preserves it across the call). */
export function lastErrno(): number {
  return koffi.errno();
}

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** An errno as Node names it (`ENOENT`), so messages read like Node's own; `errno N` for one it does not know. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}
