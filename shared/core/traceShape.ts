// Strict shape checks for what a trace file holds (snapshots and diffs read back from disk). A file is
// input from anywhere: every field the replay code touches is checked for its type here, so a bad file
// fails with the path of the offending field instead of a TypeError deep in applyDiff or the renderer.
// Fields added to the model later (types.ts allows new fields) are let through unchecked.
import type { ContainerEngine, ContainerInfo, NamespaceInfo, NsId, ProcessInfo, ProcessKey, Snapshot, SnapshotDiff } from './types';

/** A value of the wrong shape; `path` names the field, e.g. `diff.addedProcesses[3].pid`. */
export class ShapeError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`${path}: expected ${expected}, got ${describe(got)}`);
    this.name = 'ShapeError';
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function object(v: unknown, path: string): Obj {
  if (!isObject(v)) throw new ShapeError(path, 'an object', v);
  return v;
}

export function count(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ShapeError(path, 'a non-negative integer', v);
  return v;
}

function countOrNull(v: unknown, path: string): void {
  if (v !== null) count(v, path);
}

function optional(o: Obj, key: string, path: string, check: (v: unknown, path: string) => void): void {
  if (o[key] !== undefined) check(o[key], `${path}.${key}`);
}

export function string(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new ShapeError(path, 'a string', v);
  return v;
}

function array(v: unknown, path: string, each: (item: unknown, path: string) => void): void {
  if (!Array.isArray(v)) throw new ShapeError(path, 'an array', v);
  for (let i = 0; i < v.length; i++) each(v[i], `${path}[${i}]`);
}

function countArray(v: unknown, path: string): void {
  array(v, path, count);
}

const ENGINES: readonly ContainerEngine[] = ['docker', 'podman', 'containerd', 'cri-o', 'lxc', 'nspawn'];

function checkContainerRef(v: unknown, path: string): Obj {
  const o = object(v, path);
  if (!(ENGINES as readonly unknown[]).includes(o.engine)) throw new ShapeError(`${path}.engine`, `one of ${ENGINES.join(', ')}`, o.engine);
  string(o.id, `${path}.id`);
  return o;
}

function checkContainer(v: unknown, path: string): asserts v is ContainerInfo {
  const o = checkContainerRef(v, path);
  optional(o, 'name', path, string);
  optional(o, 'image', path, string);
  optional(o, 'pod', path, (pod, p) => {
    const po = object(pod, p);
    string(po.name, `${p}.name`);
    string(po.namespace, `${p}.namespace`);
  });
  count(o.pidNs, `${path}.pidNs`);
  optional(o, 'initPid', path, count);
}

export function checkProcess(v: unknown, path: string): asserts v is ProcessInfo {
  const o = object(v, path);
  for (const key of ['pid', 'ppid', 'uid', 'ns', 'nsDev', 'startTime']) count(o[key], `${path}.${key}`);
  string(o.comm, `${path}.comm`);
  string(o.state, `${path}.state`);
  countArray(o.nspid, `${path}.nspid`);
  optional(o, 'pendingNs', path, count);
  optional(o, 'container', path, checkContainerRef);
  optional(o, 'inferred', path, isTrue);
}

export function checkNamespace(v: unknown, path: string): asserts v is NamespaceInfo {
  const o = object(v, path);
  for (const key of ['inode', 'dev', 'level']) count(o[key], `${path}.${key}`);
  countOrNull(o.parent, `${path}.parent`);
  countOrNull(o.init, `${path}.init`);
  countArray(o.pids, `${path}.pids`);
  optional(o, 'hidden', path, (h, p) => {
    if (typeof h !== 'boolean') throw new ShapeError(p, 'a boolean', h);
  });
  optional(o, 'userNs', path, countOrNull);
  optional(o, 'ownerUid', path, countOrNull);
  optional(o, 'inferred', path, isTrue);
  optional(o, 'heldBy', path, (v, p) => array(v, p, checkHolder));
}

/** The replay renders a holder's words (holders.ts): each field it reads must be of its type. */
function checkHolder(v: unknown, path: string): void {
  const o = object(v, path);
  if (o.kind === 'mount') {
    string(o.path, `${path}.path`);
    optional(o, 'mountNs', path, count);
  } else if (o.kind === 'fd') {
    count(o.pid, `${path}.pid`);
    count(o.fd, `${path}.fd`);
  } else throw new ShapeError(`${path}.kind`, '"mount" or "fd"', o.kind);
}

/** A flag that is present only when set (`inferred`). */
function isTrue(v: unknown, path: string): void {
  if (v !== true) throw new ShapeError(path, 'true', v);
}

function checkProcessKey(v: unknown, path: string): asserts v is ProcessKey {
  const o = object(v, path);
  count(o.pid, `${path}.pid`);
  count(o.startTime, `${path}.startTime`);
}

function checkNsId(v: unknown, path: string): asserts v is NsId {
  const o = object(v, path);
  count(o.dev, `${path}.dev`);
  count(o.inode, `${path}.inode`);
}

export function checkSnapshot(v: unknown, path: string): asserts v is Snapshot {
  const o = object(v, path);
  const self = object(o.self, `${path}.self`);
  count(self.nsInode, `${path}.self.nsInode`);
  count(self.nsDev, `${path}.self.nsDev`);
  array(o.namespaces, `${path}.namespaces`, checkNamespace);
  array(o.processes, `${path}.processes`, checkProcess);
  count(o.unreadable, `${path}.unreadable`);
  count(o.scannedAsUid, `${path}.scannedAsUid`);
  count(o.takenAt, `${path}.takenAt`);
  optional(o, 'containers', path, (c, p) => array(c, p, checkContainer));
}

export function checkDiff(v: unknown, path: string): asserts v is SnapshotDiff {
  const o = object(v, path);
  array(o.addedProcesses, `${path}.addedProcesses`, checkProcess);
  array(o.removedProcesses, `${path}.removedProcesses`, checkProcessKey);
  array(o.changedProcesses, `${path}.changedProcesses`, checkProcess);
  array(o.addedNamespaces, `${path}.addedNamespaces`, checkNamespace);
  array(o.removedNamespaces, `${path}.removedNamespaces`, checkNsId);
  array(o.changedNamespaces, `${path}.changedNamespaces`, checkNamespace);
  optional(o, 'containers', path, (c, p) => array(c, p, checkContainer));
  count(o.unreadable, `${path}.unreadable`);
  count(o.takenAt, `${path}.takenAt`);
}
