// The events the trace editor lists (shared/core/traceEvents.ts), on the committed v1 trace (the multi_pidns 5
// fixture's chain exits at 1 s and comes back at 2 s) and on a small trace with an exec and many processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffSnapshots } from '../../shared/core/diff';
import { parseTrace, stateAt, TraceEncoder } from '../../shared/core/trace';
import { TraceEventReader, traceEvents } from '../../shared/core/traceEvents';
import type { ProcessInfo, Snapshot } from '../../shared/core/types';

const FIXTURE = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'trace-v1.jsonl');

test('v1 fixture: the chain exits at 1 s and comes back at 2 s, namespace by namespace and process by process', () => {
  const trace = parseTrace(readFileSync(FIXTURE, 'utf8'));
  const { events, omitted } = traceEvents(trace);
  assert.equal(omitted, 0);
  const s0 = stateAt(trace, 0);
  const s1 = stateAt(trace, 1000);
  const gone = s0.namespaces.filter((n) => !s1.namespaces.some((m) => m.inode === n.inode));
  const exited = s0.processes.filter((p) => !s1.processes.some((q) => q.pid === p.pid && q.startTime === p.startTime));
  assert.ok(gone.length > 0 && exited.length > 0);
  const at = (t: number, kind: string): string[] =>
    events
      .filter((e) => e.t === t && e.kind === kind)
      .map((e) => e.text)
      .sort();
  assert.deepEqual(at(1000, 'nsGone'), gone.map((n) => `pid:[${n.inode}] gone (level ${n.level})`).sort());
  assert.deepEqual(at(1000, 'exited'), exited.map((p) => `${p.comm} ${p.pid} exited`).sort());
  assert.equal(at(2000, 'nsCreated').length, gone.length);
  assert.equal(at(2000, 'started').length, exited.length);
  // The state change at 3 s is a change but not an event.
  assert.deepEqual(
    events.filter((e) => e.t === 3000),
    [],
  );
  // In time order.
  assert.deepEqual(
    events.map((e) => e.t),
    [...events.map((e) => e.t)].sort((a, b) => a - b),
  );
});

function proc(pid: number, comm: string): ProcessInfo {
  return { pid, ppid: 1, comm, uid: 0, ns: 1, nsDev: 4, nspid: [pid], startTime: pid * 10, state: 'S' };
}

function snap(processes: ProcessInfo[], takenAt: number): Snapshot {
  return {
    self: { nsInode: 1, nsDev: 4 },
    namespaces: [{ inode: 1, dev: 4, parent: null, level: 0, init: null, pids: processes.map((p) => p.pid) }],
    processes,
    unreadable: 0,
    scannedAsUid: 0,
    takenAt,
  };
}

test('an exec is a changed command name (a state change is not one); past the cap, process events are counted as omitted', () => {
  const T0 = Date.parse('2026-12-02T17:00:00.000Z');
  const encoder = new TraceEncoder({ hostname: 'h', kernel: 'k', uid: 0, intervalMs: 1000 });
  const a = snap([proc(10, 'bash'), proc(11, 'cron')], T0);
  const b = snap(
    [proc(10, 'ls'), { ...proc(11, 'cron'), state: 'R' }, ...Array.from({ length: 20 }, (_, i) => proc(100 + i, 'sleep'))],
    T0 + 1000,
  );
  // A new namespace too: namespace events are always listed, and take room from the process events.
  b.namespaces.push({ inode: 2, dev: 4, parent: 1, level: 1, init: null, pids: [] });
  const text = encoder.start(a) + encoder.diff(diffSnapshots(a, b)) + encoder.end('x', T0 + 2000);
  const all = traceEvents(parseTrace(text));
  assert.deepEqual(
    all.events.filter((e) => e.kind === 'exec'),
    [{ t: 1000, kind: 'exec', text: '10 exec: bash → ls' }],
  );
  assert.equal(all.events.filter((e) => e.kind === 'started').length, 20);
  const capped = traceEvents(parseTrace(text), 5);
  assert.equal(capped.events.length, 5);
  assert.equal(capped.events.filter((e) => e.kind === 'nsCreated').length, 1);
  // 21 process events (20 started, 1 exec), 4 listed.
  assert.equal(capped.omitted, 17);
});

test('read a few entries at a time (as the editor does, between event-loop turns), the same events', () => {
  const trace = parseTrace(readFileSync(FIXTURE, 'utf8'));
  for (const [step, max] of [
    [1, 5000],
    [2, 3],
  ]) {
    const reader = new TraceEventReader(trace, max);
    assert.throws(() => reader.result(), /not read yet/);
    while (!reader.done) reader.read(step);
    assert.deepEqual(reader.result(), traceEvents(trace, max), `${step} at a time, at most ${max}`);
  }
});
