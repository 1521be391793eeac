// The one koffi handle on the C library. Every syscall binding module declares its functions on it,
// so libc is loaded once per process however many modules need it.
import koffi from 'koffi';

export const libc = koffi.load('libc.so.6');

/** errno of the last failed libc call on this thread (koffi preserves it across the call). */
export function lastErrno(): number {
  return koffi.errno();
}
