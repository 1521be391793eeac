// The graph's search (the toolbar box): which namespaces, containers and processes a query names.
// A namespace by its inode (`pid:[4026532184]`, or the digits), a process by its comm or by its PID
// at any level of its NSpid (host PID included), a container by name, id, image or pod. Hits come in
// the tree's order (a namespace, then its containers, then its processes by own PID, then the
// namespaces below it), so stepping through them walks the picture from top to bottom.
// No DOM here, so it is tested in plain Node.

import type { ContainerInfo, ProcessInfo } from '../shared/core/types';
import { inferredFounderPid, isInferredInode, processKey } from '../shared/core/identity';
import type { GraphModel } from './model';
import { parseQuery, processMatches, type Query } from '../shared/core/processQuery';

export { parseQuery, type Query };

export type SearchHit =
  | { kind: 'namespace'; id: string; ns: string }
  | { kind: 'container'; id: string; ns: string; container: ContainerInfo }
  | { kind: 'process'; id: string; ns: string; proc: string };

/** More hits than this are counted as "N+": a query like "s" on 10,000 processes is not worth walking. */
export const MAX_HITS = 5000;
/** A bare number this long or longer also finds inodes that contain it (inodes have 10 digits, PIDs rarely 7). */
const INODE_PART_MIN = 4;

function inodeMatches(inode: number, q: Query): boolean {
  if (q.inferredFrom !== undefined) return isInferredInode(inode) && inferredFounderPid(inode) === q.inferredFrom;
  if (q.number === null) return false;
  const s = String(inode);
  return q.nsOnly || q.text.length >= INODE_PART_MIN ? s.includes(q.text) : s === q.text;
}

function containerMatches(c: ContainerInfo, q: Query): boolean {
  if (q.nsOnly) return false;
  const t = q.text;
  return (
    (c.name?.toLowerCase().includes(t) ?? false) ||
    c.id.toLowerCase().startsWith(t) ||
    (c.image?.toLowerCase().includes(t) ?? false) ||
    (c.pod !== undefined && `${c.pod.namespace}/${c.pod.name}`.toLowerCase().includes(t))
  );
}

function ownPid(p: ProcessInfo): number {
  return p.nspid[p.nspid.length - 1] ?? p.pid;
}

export interface SearchResult {
  hits: SearchHit[];
  /** More matched than MAX_HITS. */
  truncated: boolean;
}

export function searchGraph(model: GraphModel, raw: string): SearchResult {
  const q = parseQuery(raw);
  const hits: SearchHit[] = [];
  if (!q) return { hits, truncated: false };
  const stack = [...model.roots].reverse();
  while (stack.length > 0) {
    const key = stack.pop()!;
    const ns = model.namespaces.get(key);
    if (ns && inodeMatches(ns.inode, q)) hits.push({ kind: 'namespace', id: `ns ${key}`, ns: key });
    for (const c of model.containersByNs.get(key) ?? [])
      if (containerMatches(c, q)) hits.push({ kind: 'container', id: `container ${c.engine} ${c.id}`, ns: key, container: c });
    const procs = [...(model.members.get(key)?.values() ?? [])].filter((p) => processMatches(p, q));
    procs.sort((a, b) => ownPid(a) - ownPid(b));
    for (const p of procs) hits.push({ kind: 'process', id: `proc ${processKey(p)}`, ns: key, proc: processKey(p) });
    if (hits.length > MAX_HITS) return { hits: hits.slice(0, MAX_HITS), truncated: true };
    const kids = model.children.get(key) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return { hits, truncated: false };
}

/** "3 of 12", "12 results" before a step, "No results"; "5000+" when truncated. */
export function countText(result: SearchResult, index: number): string {
  const n = `${result.hits.length}${result.truncated ? '+' : ''}`;
  if (result.hits.length === 0) return 'No results';
  return index < 0 ? `${n} result${n === '1' ? '' : 's'}` : `${index + 1} of ${n}`;
}

/** Where a hit's id is in a fresh result (after the model changed), or -1. */
export function indexOfId(result: SearchResult, id: string | undefined): number {
  return id === undefined ? -1 : result.hits.findIndex((h) => h.id === id);
}
