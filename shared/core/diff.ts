// Snapshot deltas for the helper → extension stream.
//
// Round-trip rule: for snapshots a and b in canonical order (as buildModel produces them),
// applyDiff(a, diffSnapshots(a, b)) deep-equals b except for `self` and `scannedAsUid`, which a diff does
// not carry (they do not change during one helper's life) and are taken from a. applyDiff always returns
// canonical order (see compareNamespaces / compareProcesses in buildModel.ts), whatever the input order.
import { compareNamespaces, compareProcesses } from './buildModel';
import type { NamespaceInfo, ProcessInfo, Snapshot, SnapshotDiff } from './types';
import { nsKey, processKey } from './identity';

function nsInfoKey(n: NamespaceInfo): string {
  return nsKey({ dev: n.dev, inode: n.inode });
}

/** Field-by-field equality of two plain JSON-like values (no cycles, no class instances). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  // Plain loops with an identity test first: a trace's reader compares every process and namespace (PID lists
  // of thousands) of each keyframe with its live state.
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== bb[i] && !sameValue(a[i], bb[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(ob, k) || (oa[k] !== ob[k] && !sameValue(oa[k], ob[k]))) return false;
  return true;
}

interface KeyedDelta<T> {
  added: T[];
  removed: T[];
  changed: T[];
}

function keyedDelta<T>(prev: readonly T[], next: readonly T[], keyOf: (t: T) => string): KeyedDelta<T> {
  const before = new Map(prev.map((t) => [keyOf(t), t]));
  const delta: KeyedDelta<T> = { added: [], removed: [], changed: [] };
  const seen = new Set<string>();
  for (const t of next) {
    const key = keyOf(t);
    seen.add(key);
    const old = before.get(key);
    if (old === undefined) delta.added.push(t);
    else if (old !== t && !sameValue(old, t)) delta.changed.push(t);
  }
  for (const [key, t] of before) if (!seen.has(key)) delta.removed.push(t);
  return delta;
}

/** Each pid once, in increasing order (canonical, as buildModel and applyDiff give it): the pid alone names a process there. */
function increasingPids(list: readonly ProcessInfo[]): boolean {
  for (let i = 1; i < list.length; i++) if (!(list[i - 1].pid < list[i].pid)) return false;
  return true;
}

/**
 * keyedDelta for processes of two lists in increasing pid order: one merge, no maps or key strings (a
 * trace seek compares two whole states of 10,000 processes). The same lists in the same order: added and
 * changed in next's order, removed in prev's.
 */
function mergedProcessDelta(prev: readonly ProcessInfo[], next: readonly ProcessInfo[]): KeyedDelta<ProcessInfo> {
  const delta: KeyedDelta<ProcessInfo> = { added: [], removed: [], changed: [] };
  let i = 0;
  let j = 0;
  while (i < prev.length && j < next.length) {
    const a = prev[i];
    const b = next[j];
    if (a.pid < b.pid) {
      delta.removed.push(a);
      i++;
    } else if (b.pid < a.pid) {
      delta.added.push(b);
      j++;
    } else {
      if (a.startTime !== b.startTime) {
        delta.removed.push(a);
        delta.added.push(b);
      } else if (a !== b && !sameValue(a, b)) delta.changed.push(b);
      i++;
      j++;
    }
  }
  for (; i < prev.length; i++) delta.removed.push(prev[i]);
  for (; j < next.length; j++) delta.added.push(next[j]);
  return delta;
}

export function diffSnapshots(prev: Snapshot, next: Snapshot): SnapshotDiff {
  const procs =
    increasingPids(prev.processes) && increasingPids(next.processes)
      ? mergedProcessDelta(prev.processes, next.processes)
      : keyedDelta(prev.processes, next.processes, processKey);
  const nss = keyedDelta(prev.namespaces, next.namespaces, nsInfoKey);
  return {
    addedProcesses: procs.added,
    removedProcesses: procs.removed.map((p) => ({ pid: p.pid, startTime: p.startTime })),
    changedProcesses: procs.changed,
    addedNamespaces: nss.added,
    removedNamespaces: nss.removed.map((n) => ({ dev: n.dev, inode: n.inode })),
    changedNamespaces: nss.changed,
    ...(sameValue(prev.containers, next.containers) ? {} : { containers: next.containers ?? [] }),
    unreadable: next.unreadable,
    takenAt: next.takenAt,
  };
}

/** A diff that changes nothing yet: the start of one built up incrementally. */
export function emptyDiff(unreadable: number, takenAt: number): SnapshotDiff {
  return {
    addedProcesses: [],
    removedProcesses: [],
    changedProcesses: [],
    addedNamespaces: [],
    removedNamespaces: [],
    changedNamespaces: [],
    unreadable,
    takenAt,
  };
}

/** True when the diff carries no change to processes, namespaces or containers (unreadable/takenAt alone do not count). */
export function isEmptyDiff(d: SnapshotDiff): boolean {
  return (
    d.addedProcesses.length === 0 &&
    d.removedProcesses.length === 0 &&
    d.changedProcesses.length === 0 &&
    d.addedNamespaces.length === 0 &&
    d.removedNamespaces.length === 0 &&
    d.changedNamespaces.length === 0 &&
    d.containers === undefined
  );
}

function applyKeyed<T>(base: readonly T[], keyOf: (t: T) => string, removedKeys: Iterable<string>, upserts: readonly T[]): T[] {
  const map = new Map(base.map((t) => [keyOf(t), t]));
  for (const key of removedKeys) map.delete(key);
  for (const t of upserts) map.set(keyOf(t), t);
  return [...map.values()];
}

/** A new snapshot; `snapshot` is not modified. Unchanged entries are shared with it (treat both as immutable). */
export function applyDiff(snapshot: Snapshot, diff: SnapshotDiff): Snapshot {
  const processes = applyKeyed(snapshot.processes, processKey, diff.removedProcesses.map(processKey), [
    ...diff.addedProcesses,
    ...diff.changedProcesses,
  ]).sort(compareProcesses);
  const namespaces = applyKeyed(snapshot.namespaces, nsInfoKey, diff.removedNamespaces.map(nsKey), [
    ...diff.addedNamespaces,
    ...diff.changedNamespaces,
  ]).sort(compareNamespaces);
  const containers = diff.containers ?? snapshot.containers;
  return {
    self: snapshot.self,
    namespaces,
    processes,
    unreadable: diff.unreadable,
    scannedAsUid: snapshot.scannedAsUid,
    takenAt: diff.takenAt,
    ...(containers === undefined ? {} : { containers }),
  };
}
