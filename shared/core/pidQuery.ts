// "Go to PID…": a PID as someone sees it, typed by a person: `27416` (as the view's top namespace sees it,
// usually the host), `7 in web` (a container by name, id or id prefix, or pod-namespace/pod/name, as
// `pidns pid --in` takes it), `7 in pid:[4026532184]` or `7 in 4026532184` (a namespace by inode), or
// `7 in pid:[inferred from 27416]` (a namespace inferred without its link, as nsName.ts writes it). Pure.
import { findContainer, pidReport, type PidReport } from './pidReport';
import { inferredFounderPid, isInferredInode } from './identity';
import { inferredNsName } from './nsName';
import type { Snapshot } from './types';

export type PidQuery =
  { pid: number } | { pid: number; container: string } | { pid: number; ns: number } | { pid: number; inferredFrom: number };

const PID = /^[1-9]\d{0,9}$/;
const NS = /^pid:(?:\[(\d+)\]|(\d+))$/;
const INFERRED = /^pid:\[inferred from ([1-9]\d{0,9})\]$/i;

export const PID_QUERY_HINT =
  'a PID as the host sees it (27416), or as a container or namespace does: 7 in web, 7 in pid:[4026532184], 7 in pid:[inferred from 27416]';

/** The query, or what is wrong with the text (for the input box's validation). */
export function parsePidQuery(text: string): PidQuery | string {
  const m = /^\s*(?:pid\s+)?(\S+)(?:\s+in\s+(.*?))?\s*$/i.exec(text);
  if (m === null || m[1] === '') return `Type ${PID_QUERY_HINT}.`;
  const [, pidText, where] = m;
  if (!PID.test(pidText)) return `'${pidText}' is not a PID: type ${PID_QUERY_HINT}.`;
  const pid = Number(pidText);
  if (where === undefined) return { pid };
  if (where === '') return `In which container or namespace? e.g. ${pid} in web, ${pid} in pid:[4026532184]`;
  const ns = NS.exec(where);
  if (ns !== null) return { pid, ns: Number(ns[1] ?? ns[2]) };
  const inferred = INFERRED.exec(where);
  if (inferred !== null) return { pid, inferredFrom: Number(inferred[1]) };
  return { pid, container: where };
}

/** The process the text names, with its PID at every level; a string says why there is none. */
export function resolvePidQuery(snapshot: Snapshot, text: string): PidReport | string {
  const q = parsePidQuery(text);
  if (typeof q === 'string') return q;
  if ('ns' in q) return pidReport(snapshot, q.pid, q.ns);
  if ('inferredFrom' in q) {
    // The outermost one that process founded (it founds one per level it tops, and the outer holds the inner).
    const ns = snapshot.namespaces
      .filter((n) => isInferredInode(n.inode) && inferredFounderPid(n.inode) === q.inferredFrom)
      .sort((a, b) => a.level - b.level)[0];
    return ns ? pidReport(snapshot, q.pid, ns.inode) : `no PID namespace ${inferredNsName(q.inferredFrom)}`;
  }
  if (!('container' in q)) return pidReport(snapshot, q.pid, snapshot.self.nsInode);
  // A bare number that is a namespace's inode means that namespace (inodes are unique; ids are hex).
  const inode = /^\d+$/.test(q.container) ? Number(q.container) : NaN;
  if (snapshot.namespaces.some((n) => n.inode === inode)) return pidReport(snapshot, q.pid, inode);
  const c = findContainer(snapshot, q.container);
  return typeof c === 'string' ? c : pidReport(snapshot, q.pid, c.pidNs);
}
