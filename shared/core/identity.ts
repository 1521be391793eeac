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

// An inferred namespace (its members' ns links could not be read; see inferNs.ts) has no inode to name it.
// It is named by the process that founded it (the top of its process-tree group) and its level, encoded
// into a number above 2^32: nsfs inodes are 32-bit, so this can never be a real namespace's inode, and
// every (dev, inode) key, map and diff keeps working. Within one snapshot the founders are live processes
// with distinct PIDs, so ids never collide; the start time (mod 2^17) tells a reused founder PID apart.
const INFERRED_BASE = 4294967296; // 2^32
const START_SPAN = 131072; // 2^17: keeps the id below 10^15, the 15 digits parseNsKey accepts
const LEVEL_SPAN = 64; // nesting is at most 32 deep

/** Synthetic inode of the inferred namespace at `level` (NSpid length - 1) founded by process `founder`. */
export function inferredNsInode(founder: ProcessKey, level: number): number {
  return INFERRED_BASE * (1 + (founder.startTime % START_SPAN)) + founder.pid * LEVEL_SPAN + (level % LEVEL_SPAN);
}

/** Whether an inode is an inferred namespace's synthetic id (never a real nsfs inode). */
export function isInferredInode(inode: number): boolean {
  return inode >= INFERRED_BASE;
}

/** Host PID of the process that founded an inferred namespace (see inferredNsInode). */
export function inferredFounderPid(inode: number): number {
  return Math.floor((inode % INFERRED_BASE) / LEVEL_SPAN);
}
