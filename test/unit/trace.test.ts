// The trace format (shared/core/trace.ts): encoder → text → strict reader → stateAt, on the recorded
// multi_pidns 5 fixture and seeded random changes of it; the committed v1 file test/fixtures/trace-v1.jsonl
// (so a reader change that cannot read what an earlier pidns wrote fails here); and every refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyDiff, diffSnapshots, isEmptyDiff } from '../../shared/core/diff';
import { applyDiffs, diffTimes, parseTrace, stateAt, TraceEncoder, TraceError, type TraceHost } from '../../shared/core/trace';
import { renderTree } from '../../shared/core/treeText';
import type { ProcessInfo, Snapshot } from '../../shared/core/types';
import { churn, fixtureProcesses, loadFixture, snapshotIn } from './support/procFixture';
import { rng } from '../support/random';

const fixture = loadFixture('multi_pidns5.json');
const base = fixtureProcesses(fixture);
const snap = snapshotIn(fixture);
const mutate = (procs: ProcessInfo[], r: () => number): ProcessInfo[] =>
  churn(procs, r, { exit: 0.1, state: 0.05, reparent: 0.03, reuse: 0.02 });
const HOST: TraceHost = { hostname: 'vm', kernel: fixture.kernel, uid: 0, intervalMs: 1000 };
const T0 = Date.parse('2026-12-02T17:00:00.000Z');

/** A live stream: the snapshots as the scanner had them, and the diffs it sent, `everyMs` apart. */
function liveStream(rounds: number, everyMs: number, seed = 7): { snapshots: Snapshot[]; text: string; encoder: TraceEncoder } {
  const r = rng(seed);
  const encoder = new TraceEncoder(HOST, { everyMs: 10_000, everyDiffs: 7 });
  let prev = snap(base, T0);
  const snapshots = [prev];
  let text = encoder.start(prev);
  for (let i = 1; i <= rounds; i++) {
    const next = snap(i % 10 === 0 ? base : mutate(prev.processes, r), T0 + i * everyMs, Math.floor(r() * 5));
    const d = diffSnapshots(prev, next);
    if (isEmptyDiff(d)) continue;
    text += encoder.diff(d);
    snapshots.push(next);
    prev = next;
  }
  text += encoder.end('stopped', T0 + (rounds + 1) * everyMs);
  return { snapshots, text, encoder };
}

function refusal(text: string): TraceError {
  try {
    parseTrace(text);
  } catch (err) {
    assert.ok(err instanceof TraceError, `a TraceError, not ${String(err)}`);
    return err;
  }
  assert.fail('the trace was accepted');
}

test('stateAt at every diff deep-equals the snapshot the stream had then (keyframes every 7 diffs or 10 s)', () => {
  const { snapshots, text, encoder } = liveStream(120, 1500);
  const trace = parseTrace(text);
  const times = diffTimes(trace);
  assert.equal(times.length, snapshots.length - 1);
  assert.deepEqual(stateAt(trace, 0), snapshots[0]);
  times.forEach((t, i) => assert.deepEqual(stateAt(trace, t), snapshots[i + 1], `diff ${i} at t ${t}`));
  // Between two diffs the state is the earlier one's.
  assert.deepEqual(stateAt(trace, times[5] + 1), snapshots[6]);
  // Keyframes came by count (7 diffs) and by time (10 s at 1.5 s apart is 7 diffs too: the first wins).
  assert.ok(
    encoder.counts.keyframes >= 1 + Math.floor(times.length / 7),
    `${encoder.counts.keyframes} keyframes for ${times.length} diffs`,
  );
  assert.equal(trace.keyframes.length, encoder.counts.keyframes);
  assert.deepEqual(trace.end, { t: 121 * 1500, reason: 'stopped' });
  assert.equal(trace.header.startedAt, '2026-12-02T17:00:00.000Z');
});

test('stateAt in any order of times (back, far, small steps forward) equals the plain fold of every diff from the start', () => {
  const { text } = liveStream(300, 1000, 11);
  const trace = parseTrace(text);
  const first = (JSON.parse(text.split('\n')[1]) as { snapshot: Snapshot }).snapshot;
  const diffs = trace.entries.flatMap((e) => ('diff' in e ? [{ t: e.t, diff: e.diff }] : []));
  // The reference: no keyframe after the first, no cache, one applyDiff per diff.
  const fold = (t: number): Snapshot => diffs.filter((d) => d.t <= t).reduce((s, d) => applyDiff(s, d.diff), first);
  const r = rng(5);
  const seen: { t: number; state: Snapshot; copy: string }[] = [];
  let t = 0;
  for (let i = 0; i < 400; i++) {
    const x = r();
    if (x < 0.35) t = Math.floor(r() * (trace.endT + 1));
    else if (x < 0.7) t = Math.min(trace.endT, t + Math.floor(r() * 4000));
    else if (x < 0.85) t = Math.max(0, t - Math.floor(r() * 4000));
    else t = diffs[Math.floor(r() * diffs.length)].t;
    const state = stateAt(trace, t);
    assert.deepEqual(state, fold(t), `seek ${i} to t ${t}`);
    if (i % 20 === 0) seen.push({ t, state, copy: JSON.stringify(state) });
  }
  // A result is not changed by the seeks after it (the working state is the reader's own).
  for (const s of seen) assert.equal(JSON.stringify(s.state), s.copy, `the state returned for t ${s.t}`);
  assert.ok(trace.keyframes.length > 30, `${trace.keyframes.length} keyframes`);
});

test('a keyframe shares the objects of the processes and namespaces its diffs led to; one that differs keeps its own', () => {
  const { text } = liveStream(60, 1000, 3);
  const trace = parseTrace(text);
  assert.ok(trace.keyframes.length >= 5);
  trace.keyframes.slice(1).forEach((k, i) => {
    // The state its diffs led to: the keyframe before, and the diffs since.
    const prev = trace.keyframes[i];
    const diffs = trace.entries.slice(prev.entry + 1, k.entry).flatMap((e) => ('diff' in e ? [e.diff] : []));
    assert.equal(diffs.length, k.entry - prev.entry - 1);
    const before = applyDiffs(prev.snapshot, diffs);
    const byPid = new Map(before.processes.map((p) => [p.pid, p]));
    const byNs = new Map(before.namespaces.map((n) => [n.inode, n]));
    assert.ok(
      k.snapshot.processes.every((p) => byPid.get(p.pid) === p),
      `keyframe at ${k.t}: every process is the live state's object`,
    );
    assert.ok(
      k.snapshot.namespaces.every((n) => byNs.get(n.inode) === n),
      `keyframe at ${k.t}: every namespace is the live state's object`,
    );
  });
  // A keyframe that disagrees with its diffs (edited by hand) keeps its own value for what differs.
  const lines = text.split('\n');
  const at = lines.findIndex((l, i) => i > 1 && l.includes('"snapshot"'));
  const record = JSON.parse(lines[at]) as { t: number; snapshot: Snapshot };
  const changed = record.snapshot.processes[3];
  changed.comm = 'edited';
  lines[at] = JSON.stringify(record);
  const edited = parseTrace(lines.join('\n'));
  const k = edited.keyframes[1];
  assert.equal(k.snapshot.processes[3].comm, 'edited');
  assert.deepEqual(k.snapshot, record.snapshot);
  assert.deepEqual(stateAt(edited, k.t), record.snapshot);
});

test('a keyframe that lists a process twice (not what a recorder writes) still seeks to what applyDiffs gives', () => {
  const { text } = liveStream(20, 1000, 5);
  const lines = text.split('\n');
  const record = JSON.parse(lines[1]) as { t: number; snapshot: Snapshot };
  const twice = record.snapshot.processes[2];
  record.snapshot.processes.splice(3, 0, { ...twice, comm: 'second' });
  lines[1] = JSON.stringify(record);
  const trace = parseTrace(lines.join('\n'));
  const span = trace.entries.slice(1, trace.keyframes[1].entry).flatMap((e) => ('diff' in e ? [{ t: e.t, diff: e.diff }] : []));
  assert.ok(span.length >= 3);
  for (const { t } of span) {
    const want = applyDiffs(
      record.snapshot,
      span.filter((d) => d.t <= t).map((d) => d.diff),
    );
    assert.deepEqual(stateAt(trace, t), want, `t ${t}`);
    assert.equal(want.processes.filter((p) => p.pid === twice.pid).length <= 1, true);
  }
});

test('diffSnapshots gives the same diff for canonical lists (merged by pid) as for the same lists in another order', () => {
  const r = rng(13);
  let prev = snap(base, T0);
  for (let i = 0; i < 40; i++) {
    const next = snap(mutate(prev.processes, r), T0 + i);
    const fast = diffSnapshots(prev, next);
    // Reversed lists are not in increasing pid order: the keyed path.
    const keyed = diffSnapshots(
      { ...prev, processes: [...prev.processes].reverse() },
      { ...next, processes: [...next.processes].reverse() },
    );
    const byPid = (a: { pid: number; startTime: number }, b: { pid: number; startTime: number }): number =>
      a.pid - b.pid || a.startTime - b.startTime;
    for (const k of ['addedProcesses', 'removedProcesses', 'changedProcesses'] as const) {
      assert.deepEqual(fast[k], [...keyed[k]].sort(byPid), `${k} after ${i} rounds`);
    }
    assert.deepEqual(applyDiff(prev, fast), applyDiff(prev, keyed));
    prev = next;
  }
});

test('a keyframe comes after keyframeEveryMs even with few diffs', () => {
  const encoder = new TraceEncoder(HOST, { everyMs: 60_000, everyDiffs: 300 });
  const a = snap(base, T0);
  let text = encoder.start(a);
  const b = snap(base.slice(1), T0 + 59_999);
  text += encoder.diff(diffSnapshots(a, b));
  const c = snap(base.slice(2), T0 + 60_000);
  text += encoder.diff(diffSnapshots(b, c));
  const trace = parseTrace(text);
  assert.deepEqual(
    trace.keyframes.map((k) => k.t),
    [0, 60_000],
  );
  assert.deepEqual(stateAt(trace, 60_000), c);
  assert.equal(trace.end, null);
});

test('a wall clock stepped back while recording keeps t from going backwards', () => {
  const encoder = new TraceEncoder(HOST);
  const a = snap(base, T0);
  const b = snap(base.slice(1), T0 + 5000);
  const c = snap(base.slice(2), T0 + 2000); // NTP stepped the clock back 3 s
  const text = encoder.start(a) + encoder.diff(diffSnapshots(a, b)) + encoder.diff(diffSnapshots(b, c)) + encoder.end('x', T0 + 3000);
  const trace = parseTrace(text);
  assert.deepEqual(diffTimes(trace), [5000, 5000]);
  assert.deepEqual(stateAt(trace, 5000), c);
  assert.equal(trace.end?.t, 5000);
});

test('applyDiffs equals applyDiff applied in turn', () => {
  const r = rng(3);
  let prev = snap(base, 1);
  const first = prev;
  const diffs = [];
  let expected = prev;
  for (let i = 0; i < 50; i++) {
    const next = snap(mutate(prev.processes, r), i + 2, i % 3);
    const d = diffSnapshots(prev, next);
    diffs.push(d);
    expected = applyDiff(expected, d);
    prev = next;
  }
  assert.deepEqual(applyDiffs(first, diffs), expected);
  assert.equal(applyDiffs(first, []), first);
});

test('containers: the latest diff that carries the list wins, a diff without one keeps it; bad entries are refused', () => {
  const web = { engine: 'docker' as const, id: 'a'.repeat(64), name: 'web', pidNs: fixture.self.inode };
  const db = { engine: 'podman' as const, id: 'b'.repeat(64), pidNs: fixture.self.inode, pod: { name: 'p', namespace: 'default' } };
  const a = { ...snap(base, T0), containers: [web] };
  const b = { ...snap(base.slice(1), T0 + 1000), containers: [web, db] };
  const c = { ...snap(base.slice(2), T0 + 2000), containers: [web, db] };
  const d = { ...snap(base.slice(2), T0 + 3000), containers: [] };
  const diffs = [diffSnapshots(a, b), diffSnapshots(b, c), diffSnapshots(c, d)];
  assert.equal(diffs[1].containers, undefined, 'unchanged list not sent');
  assert.deepEqual(applyDiffs(a, diffs.slice(0, 2)), applyDiff(applyDiff(a, diffs[0]), diffs[1]));
  assert.deepEqual(applyDiffs(a, diffs), d);
  const encoder = new TraceEncoder(HOST, { everyMs: 60_000, everyDiffs: 2 });
  const text = encoder.start(a) + diffs.map((x) => encoder.diff(x)).join('');
  const trace = parseTrace(text);
  assert.deepEqual(stateAt(trace, 1500), b);
  assert.deepEqual(stateAt(trace, 2000), c);
  assert.deepEqual(stateAt(trace, 3000), d);
  const lines = text.split('\n').slice(0, -1);
  lines[2] = lines[2].replace('"engine":"docker"', '"engine":"vmware"');
  assert.match(
    refusal(lines.join('\n') + '\n').message,
    /^line 3: diff\.containers\[0\]\.engine: expected one of docker, podman, containerd, cri-o, lxc, nspawn, got "vmware"/,
  );
});

test('stateAt refuses a time outside the trace', () => {
  const trace = parseTrace(liveStream(5, 1000).text);
  assert.throws(() => stateAt(trace, -1), /outside the trace \(0 to 6000 ms\)/);
  assert.throws(() => stateAt(trace, 6001), /outside the trace/);
  assert.throws(() => stateAt(trace, Number.NaN), /outside the trace/);
});

test('the committed v1 fixture reads, seeks and renders the seed chain', () => {
  const text = readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'trace-v1.jsonl'), 'utf8');
  const trace = parseTrace(text);
  assert.equal(trace.header.version, 1);
  assert.deepEqual(
    trace.keyframes.map((k) => k.t),
    [0, 2000],
  );
  assert.deepEqual(diffTimes(trace), [1000, 2000, 3000]);
  // The leaf sleep (NSpid of 6) is there at the start, gone at 1 s (its chain exited), back at 2 s.
  const leaf = (s: Snapshot): ProcessInfo | undefined => s.processes.find((p) => p.comm === 'sleep' && p.nspid.length === 6);
  assert.ok(leaf(stateAt(trace, 0)));
  assert.equal(leaf(stateAt(trace, 1500)), undefined);
  assert.deepEqual(leaf(stateAt(trace, 2500))?.nspid.slice(1), [5, 4, 3, 2, 1]);
  assert.match(renderTree(stateAt(trace, 3000), { width: 100 }), /sleep +\d+ \/ 5 \/ 4 \/ 3 \/ 2 \/ 1/);
});

// --- refusals: each names its line and says what is wrong ---

const good = liveStream(6, 1000).text;
const goodLines = good.split('\n').slice(0, -1);
const join_ = (lines: string[]): string => lines.join('\n') + '\n';

test('refused: truncated (the last line cut), also through the middle of a keyframe', () => {
  const cut = good.slice(0, good.length - 10);
  const e = refusal(cut);
  assert.equal(e.line, goodLines.length);
  assert.match(e.message, /^line \d+: truncated/);
  const midKeyframe = good.slice(0, goodLines[0].length + 1 + 500);
  assert.match(refusal(midKeyframe).message, /^line 2: truncated/);
  // Cut right before the final newline: still refused (the writer always ends a line).
  assert.match(refusal(good.slice(0, -1)).message, /truncated/);
});

test('refused: corrupted JSON, wrong types, missing fields, unknown record kinds', () => {
  const bad = [...goodLines];
  bad[3] = bad[3].replace('":', '"#'); // a byte flipped in a separator
  assert.match(refusal(join_(bad)).message, /^line 4: not valid JSON/);

  const diffLine = goodLines.findIndex((l) => l.includes('"diff"'));
  const record = JSON.parse(goodLines[diffLine]) as { t: number; diff: { addedProcesses: unknown[]; removedProcesses: unknown[] } };
  const typed = [...goodLines];
  const withPid = { ...record, diff: { ...record.diff, removedProcesses: [{ pid: 'x', startTime: 1 }] } };
  typed[diffLine] = JSON.stringify(withPid);
  assert.equal(
    refusal(join_(typed)).message,
    `line ${diffLine + 1}: diff.removedProcesses[0].pid: expected a non-negative integer, got "x"`,
  );

  const missing = [...goodLines];
  const snapRecord = JSON.parse(goodLines[1]) as { snapshot: Record<string, unknown> };
  delete snapRecord.snapshot.processes;
  missing[1] = JSON.stringify(snapRecord);
  assert.equal(refusal(join_(missing)).message, 'line 2: snapshot.processes: expected an array, got nothing');

  const negative = [...goodLines];
  negative[diffLine] = JSON.stringify({ ...record, t: -5 });
  assert.match(refusal(join_(negative)).message, new RegExp(`^line ${diffLine + 1}: t: expected a non-negative integer, got -5`));

  const unknown = [...goodLines];
  unknown[2] = JSON.stringify({ t: 5, frame: {} });
  assert.match(refusal(join_(unknown)).message, /^line 3: a record has "t" and one of "snapshot", "diff", "end"; this one has "frame"/);

  assert.match(
    refusal(join_([...goodLines.slice(0, 2), '[1,2]', ...goodLines.slice(2)])).message,
    /^line 3: record: expected an object, got an array/,
  );
  assert.match(refusal(join_([...goodLines.slice(0, 2), '', ...goodLines.slice(2)])).message, /^line 3: empty line/);
});

test('refused: a diff before any keyframe, a late first keyframe, time going backwards, a record after the end', () => {
  const diffLine = goodLines.findIndex((l) => l.includes('"diff"'));
  assert.match(refusal(join_([goodLines[0], goodLines[diffLine], ...goodLines.slice(1)])).message, /^line 2: a diff before any keyframe/);

  const late = JSON.parse(goodLines[1]) as { t: number };
  assert.match(
    refusal(join_([goodLines[0], JSON.stringify({ ...late, t: 5 })])).message,
    /^line 2: the first keyframe must be at t 0, not 5/,
  );

  const d = JSON.parse(goodLines[diffLine]) as { t: number };
  const backwards = [...goodLines];
  backwards.splice(diffLine + 1, 0, JSON.stringify({ ...d, t: d.t - 1 }));
  assert.match(refusal(join_(backwards)).message, new RegExp(`^line ${diffLine + 2}: time goes backwards`));

  assert.match(
    refusal(join_([...goodLines, goodLines[diffLine]])).message,
    new RegExp(`^line ${goodLines.length + 1}: a record after the end record`),
  );
});

test('refused: a future version, a foreign file, a bad header, an empty file', () => {
  const header = JSON.parse(goodLines[0]) as Record<string, unknown>;
  const future = join_([JSON.stringify({ ...header, version: 2 }), ...goodLines.slice(1)]);
  assert.equal(refusal(future).message, 'line 1: trace format version 2 is newer than this pidns reads (version 1); use a newer pidns');
  assert.match(refusal('{"hello":1}\n').message, /^line 1: not a pidns trace/);
  assert.match(refusal(JSON.stringify({ self: {}, namespaces: [] }) + '\n').message, /^line 1: not a pidns trace/);
  assert.match(
    refusal(join_([JSON.stringify({ ...header, version: '1' })])).message,
    /^line 1: version: expected a non-negative integer, got "1"/,
  );
  assert.match(
    refusal(join_([JSON.stringify({ ...header, startedAt: 'yesterday' })])).message,
    /^line 1: startedAt: expected an ISO 8601 UTC time/,
  );
  assert.match(refusal(join_([goodLines[0]])).message, /no keyframe/);
  assert.equal(refusal('').message, 'empty file: not a pidns trace');
  assert.match(refusal('\x1f\x8b\x08\x00garbage').message, /truncated|not valid JSON/);
});
