// How a PID namespace is written wherever a person reads it (tree rows, tooltips, graph cards, `pidns
// tree` and `pid`): `pid:[inode]` as lsns and /proc write it, or for a namespace inferred without its
// link (inferNs.ts) a name that says so and which host PID it was inferred from, never its synthetic id.
import { inferredFounderPid, isInferredInode } from './identity';

/** `pid:[4026532184]`, or `pid:[inferred from 27416]` for an inferred namespace. */
export function nsName(inode: number): string {
  return isInferredInode(inode) ? inferredNsName(inferredFounderPid(inode)) : `pid:[${inode}]`;
}

/** The name of a namespace inferred from the process with host PID `founder`. */
export function inferredNsName(founder: number): string {
  return `pid:[inferred from ${founder}]`;
}

/** What "inferred" means, for tooltips and help. */
export const INFERRED_NOTE =
  'inferred: the namespace links are not readable as this user, so it was placed from NSpid (/proc/PID/status) and the process tree';

/** The `pidns tree` summary line: how many namespaces are inferred. */
export function inferredSummary(count: number): string {
  return `${count} PID ${count === 1 ? 'namespace' : 'namespaces'} inferred from NSpid (links not readable as this user)`;
}
