// Writes test/fixtures/trace-v1.jsonl: a small version-1 trace made from the recorded multi_pidns 5
// fixture (the chain exits at 1 s, comes back at 2 s, a process changes state at 3 s; a keyframe every 2
// diffs). Committed, so the reader keeps reading what this version wrote. Run once from out/:
//   node out/test/tools/recordTraceFixture.js
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffSnapshots } from '../../shared/core/diff';
import { TraceEncoder } from '../../shared/core/trace';
import { buildModel } from '../../shared/core/buildModel';
import { nsKey } from '../../shared/core/identity';
import { fixtureProcesses, fixtureSnapshot, loadFixture } from '../unit/support/procFixture';

const fixture = loadFixture('multi_pidns5.json');
const T0 = Date.parse('2026-12-02T17:00:00.000Z');
const full = fixtureSnapshot(fixture, T0);
const at = (ms: number, f: typeof full): typeof full => ({ ...f, takenAt: T0 + ms });
const states = [
  full,
  at(1000, fixtureSnapshotWithout(1)),
  at(2000, full),
  at(3000, { ...full, processes: full.processes.map((p, i) => (i === 0 ? { ...p, state: p.state === 'S' ? 'R' : 'S' } : p)) }),
];

/** The fixture without the processes nested `depth` or more levels down (their namespaces go too, unless held). */
function fixtureSnapshotWithout(depth: number): typeof full {
  const processes = fixtureProcesses(fixture).filter((p) => p.nspid.length <= depth);
  const graph = new Map(fixture.graph.map((n) => [nsKey(n), n]));
  return buildModel({ self: fixture.self, processes, graph, unreadable: fixture.unreadable, scannedAsUid: 0, takenAt: T0 });
}

const encoder = new TraceEncoder(
  { hostname: 'fixture', kernel: fixture.kernel, uid: 0, intervalMs: 1000 },
  { everyMs: 60_000, everyDiffs: 2 },
);
let text = encoder.start(states[0]);
for (let i = 1; i < states.length; i++) text += encoder.diff(diffSnapshots(states[i - 1], states[i]));
text += encoder.end('fixture', T0 + 3500);
writeFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'trace-v1.jsonl'), text);
