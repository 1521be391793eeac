// How a namespace and a process are named for good, said one way everywhere (lxkns species.NamespaceID). A
// namespace is its nsfs (device, inode): inodes alone are reused, even across namespace types. A process is
// its (PID, start time): a PID alone is reused, the start time (clock ticks since boot) tells the two apart.
import type { NsId, ProcessKey } from './types';

/** Map key of a namespace: "dev:inode". */
export function nsKey(id: NsId): string {
  return `${id.dev}:${id.inode}`;
}

/** The namespace a key names, or null for a string that is not one. */
export function parseNsKey(key: string): NsId | null {
  const m = /^(\d{1,15}):(\d{1,15})$/.exec(key);
  return m ? { dev: Number(m[1]), inode: Number(m[2]) } : null;
}

/** Map key of a process: "pid@startTime". */
export function processKey(p: ProcessKey): string {
  return `${p.pid}@${p.startTime}`;
}
