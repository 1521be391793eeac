// The recorder's file format, `pidns-trace` version 1 (pure: text in, text out; files and gzip are the
// caller's). JSON Lines, every line ending in "\n":
//   line 1   {"format":"pidns-trace","version":1,"startedAt":ISO,"host":{…},"keyframeEveryMs":…,"keyframeEveryDiffs":…}
//   then     {"t":ms,"snapshot":Snapshot}        a keyframe: the whole state; the first one has t = 0
//            {"t":ms,"diff":SnapshotDiff}        what changed (diff.ts), applied to the state before it
//            {"t":ms,"end":{"reason":string}}    last line of a recording that was stopped cleanly
// t is milliseconds since startedAt (the first snapshot's takenAt), never decreasing. A keyframe follows a
// diff every keyframeEveryMs or keyframeEveryDiffs diffs, whichever comes first, and holds the state after
// that diff, so seeking any moment costs one keyframe plus at most keyframeEveryDiffs diffs.
// The reader refuses, naming the line: a missing or foreign header, a newer version, bad JSON, wrong
// types, a diff before any keyframe, time going backwards, anything after the end, and a last line
// without its newline (the file was cut while being written or copied).
import { compareNamespaces, compareProcesses, numKey } from './buildModel';
import { nsKey, processKey } from './identity';
import { sameValue } from './diff';
import { countAtOrBefore } from './timeOrder';
import { checkDiff, checkSnapshot, count, isObject, object, ShapeError, string } from './traceShape';
import type { NamespaceInfo, NsId, ProcessInfo, Snapshot, SnapshotDiff } from './types';

export const TRACE_FORMAT = 'pidns-trace';
export const TRACE_VERSION = 1;

/** Where and how the trace was taken; informative, not needed to replay. */
export interface TraceHost {
  hostname: string;
  /** Kernel release (uname -r). */
  kernel: string;
  /** Effective uid of the recorder: what it could see (see Snapshot.unreadable). */
  uid: number;
  /** The stream's poll interval. */
  intervalMs: number;
}

export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  version: number;
  /** ISO 8601, the first snapshot's takenAt: t = 0. */
  startedAt: string;
  host: TraceHost;
  keyframeEveryMs: number;
  keyframeEveryDiffs: number;
}

export type TraceRecord = { t: number; snapshot: Snapshot } | { t: number; diff: SnapshotDiff } | { t: number; end: { reason: string } };

export interface KeyframePolicy {
  everyMs: number;
  everyDiffs: number;
}

export const DEFAULT_KEYFRAMES: KeyframePolicy = { everyMs: 60_000, everyDiffs: 300 };

/** A file that is not a readable trace; `line` is 1-based (0: the file as a whole). */
export class TraceError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `line ${line}: ${reason}` : reason);
    this.name = 'TraceError';
  }
}

/** Several diffs applied in one pass (one map per kind, one sort); the same result as applyDiff in turn. */
export function applyDiffs(snapshot: Snapshot, diffs: readonly SnapshotDiff[]): Snapshot {
  if (diffs.length === 0) return snapshot;
  const processes = new Map<string, ProcessInfo>(snapshot.processes.map((p) => [processKey(p), p]));
  const namespaces = new Map<string, NamespaceInfo>(snapshot.namespaces.map((n) => [nsKey(n), n]));
  for (const d of diffs) {
    for (const k of d.removedProcesses) processes.delete(processKey(k));
    for (const p of d.addedProcesses) processes.set(processKey(p), p);
    for (const p of d.changedProcesses) processes.set(processKey(p), p);
    for (const k of d.removedNamespaces) namespaces.delete(nsKey(k));
    for (const n of d.addedNamespaces) namespaces.set(nsKey(n), n);
    for (const n of d.changedNamespaces) namespaces.set(nsKey(n), n);
  }
  const last = diffs[diffs.length - 1];
  // A diff carries the whole containers list only when it changed: the latest one that does wins.
  let containers = snapshot.containers;
  for (const d of diffs) if (d.containers !== undefined) containers = d.containers;
  return {
    self: snapshot.self,
    namespaces: [...namespaces.values()].sort(compareNamespaces),
    processes: [...processes.values()].sort(compareProcesses),
    unreadable: last.unreadable,
    scannedAsUid: snapshot.scannedAsUid,
    takenAt: last.takenAt,
    ...(containers === undefined ? {} : { containers }),
  };
}

/**
 * Turns a stream (one snapshot, then diffs) into trace lines. Each call returns the text to append, whole
 * lines only, so a writer that stops between calls leaves a valid file.
 */
export class TraceEncoder {
  private startMs = 0;
  private lastT = 0;
  private keyframe: Snapshot | null = null;
  private keyframeT = 0;
  private pending: SnapshotDiff[] = [];
  private ended = false;
  /** Records written, by kind. */
  readonly counts = { keyframes: 0, diffs: 0 };

  constructor(
    private readonly host: TraceHost,
    private readonly policy: KeyframePolicy = DEFAULT_KEYFRAMES,
  ) {}

  get started(): boolean {
    return this.keyframe !== null;
  }

  /** The header and the t = 0 keyframe. */
  start(snapshot: Snapshot): string {
    if (this.keyframe !== null) throw new Error('trace already started');
    this.startMs = snapshot.takenAt;
    const header: TraceHeader = {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      startedAt: new Date(snapshot.takenAt).toISOString(),
      host: this.host,
      keyframeEveryMs: this.policy.everyMs,
      keyframeEveryDiffs: this.policy.everyDiffs,
    };
    return JSON.stringify(header) + '\n' + this.keyframeLine(0, snapshot);
  }

  /** The diff's line, and a keyframe after it when one is due. */
  diff(diff: SnapshotDiff): string {
    if (this.keyframe === null) throw new Error('diff before the first snapshot');
    if (this.ended) throw new Error('trace already ended');
    const t = this.timeOf(diff.takenAt);
    let text = JSON.stringify({ t, diff }) + '\n';
    this.pending.push(diff);
    this.counts.diffs++;
    if (t - this.keyframeT >= this.policy.everyMs || this.pending.length >= this.policy.everyDiffs) {
      text += this.keyframeLine(t, applyDiffs(this.keyframe, this.pending));
    }
    return text;
  }

  /** The end record; `atMs` is wall-clock milliseconds since the epoch. */
  end(reason: string, atMs: number): string {
    if (this.keyframe === null) throw new Error('end before the first snapshot');
    this.ended = true;
    return JSON.stringify({ t: this.timeOf(atMs), end: { reason } }) + '\n';
  }

  /** Milliseconds since the start, never going back (the wall clock may be stepped while recording). */
  private timeOf(ms: number): number {
    this.lastT = Math.max(this.lastT, Math.round(ms - this.startMs));
    return this.lastT;
  }

  private keyframeLine(t: number, snapshot: Snapshot): string {
    this.keyframe = snapshot;
    this.keyframeT = t;
    this.pending = [];
    this.counts.keyframes++;
    return JSON.stringify({ t, snapshot }) + '\n';
  }
}

interface Keyframe {
  t: number;
  /** Index in Trace.entries. */
  entry: number;
  /**
   * The state, parsed once when the file is read (it is parsed to be validated anyway), so a seek never
   * parses it again. A process or namespace equal to the one the diffs before it led to is that same object
   * (TraceReader interns them): the keyframe itself is then two arrays of references, about 90 KB at
   * 10,000 processes instead of 2 MB of objects, and diffSnapshots between two states finds what did not
   * change by identity.
   */
  snapshot: Snapshot;
}

type Entry = { t: number; keyframe: number } | { t: number; diff: SnapshotDiff };

export interface Trace {
  header: TraceHeader;
  /** Keyframes and diffs in file order. */
  entries: Entry[];
  keyframes: Keyframe[];
  /** The end record, or null when the recorder was stopped without writing one (killed). */
  end: { t: number; reason: string } | null;
  /** The time of the last record. */
  endT: number;
  /** Milliseconds since the epoch of t = 0. */
  startMs: number;
}

function checkHeader(v: unknown): TraceHeader {
  if (!isObject(v) || v.format !== TRACE_FORMAT)
    throw new TraceError(1, `not a pidns trace (the first line must be a {"format":"${TRACE_FORMAT}",…} header)`);
  const version = count(v.version, 'version');
  if (version > TRACE_VERSION) {
    throw new TraceError(1, `trace format version ${version} is newer than this pidns reads (version ${TRACE_VERSION}); use a newer pidns`);
  }
  if (version < 1) throw new TraceError(1, `unknown trace format version ${version}`);
  const startedAt = string(v.startedAt, 'startedAt');
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(startedAt) || Number.isNaN(Date.parse(startedAt))) {
    throw new ShapeError('startedAt', 'an ISO 8601 UTC time', startedAt);
  }
  const host = object(v.host, 'host');
  string(host.hostname, 'host.hostname');
  string(host.kernel, 'host.kernel');
  count(host.uid, 'host.uid');
  count(host.intervalMs, 'host.intervalMs');
  count(v.keyframeEveryMs, 'keyframeEveryMs');
  count(v.keyframeEveryDiffs, 'keyframeEveryDiffs');
  return v as unknown as TraceHeader;
}

const RECORD_KINDS = ['snapshot', 'diff', 'end'] as const;

/** Parses and validates a whole trace (decompressed text). Throws TraceError naming the first bad line. */
export function parseTrace(text: string): Trace {
  if (text.length === 0) throw new TraceError(0, 'empty file: not a pidns trace');
  if (!text.endsWith('\n')) {
    const line = text.split('\n').length;
    throw new TraceError(line, 'truncated: the last line has no end (the file was cut while being written or copied)');
  }
  const reader = new TraceReader();
  for (const line of text.slice(0, -1).split('\n')) reader.line(line);
  return reader.finish();
}

/**
 * parseTrace a line at a time, for a caller that reads a big file in slices (the trace editor: an hour's
 * trace is seconds of JSON.parse, which must not hold the extension host's thread in one piece). Lines
 * come without their "\n"; the caller checks that the text ended with one (see parseTrace).
 */
export class TraceReader {
  private n = 0;
  private header: TraceHeader | null = null;
  private readonly entries: Entry[] = [];
  private readonly keyframes: Keyframe[] = [];
  private end: Trace['end'] = null;
  private lastT = 0;
  /**
   * The state after the last record read (keyframe, then its diffs), by PID and by inode: what keyframes are
   * interned against. Only a candidate for sharing (equality is checked), so numbers do as keys.
   */
  private readonly liveProcesses = new Map<number, ProcessInfo>();
  private readonly liveNamespaces = new Map<number, NamespaceInfo>();

  /** Lines read so far. */
  get lines(): number {
    return this.n;
  }

  /** Reads the next line. Throws TraceError naming it. */
  line(line: string): void {
    const n = ++this.n;
    if (line.length === 0) throw new TraceError(n, 'empty line');
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new TraceError(n, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    try {
      if (this.header === null) {
        this.header = checkHeader(value);
        return;
      }
      if (this.end !== null) throw new TraceError(n, 'a record after the end record');
      const record = object(value, 'record');
      const kinds = Object.keys(record).filter((k) => k !== 't');
      const kind = kinds.length === 1 ? RECORD_KINDS.find((k) => k === kinds[0]) : undefined;
      if (kind === undefined)
        throw new TraceError(
          n,
          `a record has "t" and one of ${RECORD_KINDS.map((k) => `"${k}"`).join(', ')}; this one has ${kinds.map((k) => `"${k}"`).join(', ') || 'none'}`,
        );
      const t = count(record.t, 't');
      if (t < this.lastT) throw new TraceError(n, `time goes backwards: t ${t} after t ${this.lastT}`);
      this.lastT = t;
      if (kind === 'snapshot') {
        if (this.keyframes.length === 0 && t !== 0) throw new TraceError(n, `the first keyframe must be at t 0, not ${t}`);
        checkSnapshot(record.snapshot, 'snapshot');
        this.keyframes.push({ t, entry: this.entries.length, snapshot: this.intern(record.snapshot) });
        this.entries.push({ t, keyframe: this.keyframes.length - 1 });
      } else if (kind === 'diff') {
        if (this.keyframes.length === 0) throw new TraceError(n, 'a diff before any keyframe');
        checkDiff(record.diff, 'diff');
        this.entries.push({ t, diff: record.diff });
        this.follow(record.diff);
      } else {
        const e = object(record.end, 'end');
        this.end = { t, reason: string(e.reason, 'end.reason') };
      }
    } catch (err) {
      if (err instanceof ShapeError) throw new TraceError(n, err.message);
      throw err;
    }
  }

  /** The keyframe with each process and namespace that equals the live state's replaced by it; it becomes the live state. */
  private intern(s: Snapshot): Snapshot {
    const processes = internList(s.processes, this.liveProcesses, (p) => p.pid);
    const namespaces = internList(s.namespaces, this.liveNamespaces, (n) => n.inode);
    return { ...s, namespaces, processes };
  }

  /** A diff read: applied to the live state. */
  private follow(d: SnapshotDiff): void {
    for (const k of d.removedProcesses) if (this.liveProcesses.get(k.pid)?.startTime === k.startTime) this.liveProcesses.delete(k.pid);
    for (const p of d.addedProcesses) this.liveProcesses.set(p.pid, p);
    for (const p of d.changedProcesses) this.liveProcesses.set(p.pid, p);
    for (const k of d.removedNamespaces) if (this.liveNamespaces.get(k.inode)?.dev === k.dev) this.liveNamespaces.delete(k.inode);
    for (const n of d.addedNamespaces) this.liveNamespaces.set(n.inode, n);
    for (const n of d.changedNamespaces) this.liveNamespaces.set(n.inode, n);
  }

  /** The trace read, after the last line. Throws TraceError when it holds no header or no keyframe. */
  finish(): Trace {
    const header = this.header;
    if (header === null) throw new TraceError(0, 'empty file: not a pidns trace');
    if (this.keyframes.length === 0) throw new TraceError(this.n, 'no keyframe: the trace holds no state');
    return {
      header,
      entries: this.entries,
      keyframes: this.keyframes,
      end: this.end,
      endT: this.lastT,
      startMs: Date.parse(header.startedAt),
    };
  }
}

/**
 * `list` with each item that equals (sameValue) the live one of its key replaced by that one; `live` becomes
 * the list's items by key. Equal values only: a keyframe that disagrees with its diffs keeps its own objects.
 */
function internList<T>(list: readonly T[], live: Map<number, T>, keyOf: (t: T) => number): T[] {
  const out = list.map((item) => {
    const key = keyOf(item);
    const was = live.get(key);
    if (was !== undefined && sameValue(was, item)) return was;
    live.set(key, item);
    return item;
  });
  // Every key of the list is in `live` now; more keys than items: some are no longer live. (A list that names
  // a key twice can leave a stale one behind, which only ever costs sharing: equality is checked.)
  if (live.size !== out.length) {
    live.clear();
    for (const item of out) live.set(keyOf(item), item);
  }
  return out;
}

// Seeking. From the keyframe, the diffs are applied to one mutable working state rather than to a copy per
// diff, and that working state stays with the trace: playing, stepping and the back-and-forth of a scrubbed
// slider land in the same keyframe's span again and again, and a later seek forward within the span applies
// only the diffs after it. The working state holds only what the diffs changed (the last change of each key)
// on top of the keyframe, so a seek into another span builds no map of the keyframe's 10,000 processes: the
// state is the keyframe's untouched items (a process found by PID first, without a key string) and the
// changes, sorted; the keyframe's items are sorted already and stay one run.

/** The state after `entry`: `keyframe`'s snapshot and the changes since, as maps that diffs are applied to in place. */
interface WorkingState {
  keyframe: number;
  entry: number;
  base: Snapshot;
  /** Each process key a diff since the keyframe named: its process then, or null when it was removed. */
  processes: Map<string, ProcessInfo | null>;
  /** The PIDs of those keys: a keyframe process with another PID is unchanged. */
  pids: Set<number>;
  /** The same for namespaces, by nsMapKey (a diff changes some 150 of them: no key strings). */
  namespaces: Map<number | string, NamespaceInfo | null>;
  containers: Snapshot['containers'];
  unreadable: number;
  takenAt: number;
  /** The Snapshot of this state, once built; dropped when a diff is applied. */
  snapshot: Snapshot | null;
}

const working = new WeakMap<Trace, WorkingState>();

function startAt(trace: Trace, keyframe: number): WorkingState {
  const base = trace.keyframes[keyframe].snapshot;
  return {
    keyframe,
    entry: trace.keyframes[keyframe].entry,
    base,
    processes: new Map(),
    pids: new Set(),
    namespaces: new Map(),
    containers: base.containers,
    unreadable: base.unreadable,
    takenAt: base.takenAt,
    snapshot: base,
  };
}

/** Applies entries (w.entry, last] in place; they are diffs (a keyframe ends a span). Same steps as applyDiffs. */
function applyInPlace(trace: Trace, w: WorkingState, last: number): void {
  for (let i = w.entry + 1; i <= last; i++) {
    const e = trace.entries[i];
    if (!('diff' in e)) throw new Error(`entry ${i} is a keyframe inside a keyframe's span`);
    const d = e.diff;
    for (const k of d.removedProcesses) {
      w.processes.set(processKey(k), null);
      w.pids.add(k.pid);
    }
    for (const list of [d.addedProcesses, d.changedProcesses])
      for (const p of list) {
        w.processes.set(processKey(p), p);
        w.pids.add(p.pid);
      }
    for (const k of d.removedNamespaces) w.namespaces.set(nsMapKey(k), null);
    for (const n of d.addedNamespaces) w.namespaces.set(nsMapKey(n), n);
    for (const n of d.changedNamespaces) w.namespaces.set(nsMapKey(n), n);
    if (d.containers !== undefined) w.containers = d.containers;
    w.unreadable = d.unreadable;
    w.takenAt = d.takenAt;
    w.snapshot = null;
  }
  w.entry = last;
}

/** One key per namespace (numKey: a number where that is exact). */
function nsMapKey(id: NsId): number | string {
  return numKey(id.dev, id.inode);
}

/**
 * The keyframe's items that no change names, then the changes' items, in canonical order; null when two
 * items compare equal (a keyframe with a key twice, or a PID live twice: not what a recorder writes), where
 * only the order of applyDiffs' map says which comes first.
 */
function merged<T>(
  base: readonly T[],
  changes: Map<unknown, T | null>,
  unchanged: (t: T) => boolean,
  compare: (a: T, b: T) => number,
): T[] | null {
  const out: T[] = [];
  for (const item of base) if (unchanged(item)) out.push(item);
  for (const item of changes.values()) if (item !== null) out.push(item);
  out.sort(compare);
  for (let i = 1; i < out.length; i++) if (compare(out[i - 1], out[i]) === 0) return null;
  return out;
}

/** What applyDiffs(keyframe, the diffs applied) returns: the keyframe itself when there are none. */
function snapshotOf(trace: Trace, w: WorkingState): Snapshot {
  if (w.snapshot !== null) return w.snapshot;
  const processes = merged(w.base.processes, w.processes, (p) => !w.pids.has(p.pid) || !w.processes.has(processKey(p)), compareProcesses);
  const namespaces = merged(w.base.namespaces, w.namespaces, (n) => !w.namespaces.has(nsMapKey(n)), compareNamespaces);
  if (processes === null || namespaces === null) {
    const diffs = trace.entries.slice(trace.keyframes[w.keyframe].entry + 1, w.entry + 1).flatMap((e) => ('diff' in e ? [e.diff] : []));
    return (w.snapshot = applyDiffs(w.base, diffs));
  }
  w.snapshot = {
    self: w.base.self,
    namespaces,
    processes,
    unreadable: w.unreadable,
    scannedAsUid: w.base.scannedAsUid,
    takenAt: w.takenAt,
    ...(w.containers === undefined ? {} : { containers: w.containers }),
  };
  return w.snapshot;
}

/**
 * The trace's state at `t` ms: everything recorded at or before t, i.e. the last keyframe at or before t
 * with the diffs after it applied (applyDiffs). Any t costs at most one keyframe plus its span's diffs;
 * a t later in the same span as the previous call costs only the diffs between. The result shares objects
 * with other results (treat it as immutable, like applyDiff's).
 */
export function stateAt(trace: Trace, t: number): Snapshot {
  if (!(t >= 0) || t > trace.endT) throw new RangeError(`t ${t} ms is outside the trace (0 to ${trace.endT} ms)`);
  // Last entry at or before t, and its keyframe: the last one at or before t (the first, at 0, always is).
  const last = countAtOrBefore(trace.entries, t) - 1;
  const lo = countAtOrBefore(trace.keyframes, t) - 1;
  let w = working.get(trace);
  if (w === undefined || w.keyframe !== lo || w.entry > last) working.set(trace, (w = startAt(trace, lo)));
  if (w.entry < last) applyInPlace(trace, w, last);
  return snapshotOf(trace, w);
}

/** The times of the diffs, in order: the moments the state changed. */
export function diffTimes(trace: Trace): number[] {
  return trace.entries.filter((e) => 'diff' in e).map((e) => e.t);
}
