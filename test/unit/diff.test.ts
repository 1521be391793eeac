// diffSnapshots/applyDiff round-trip on the recorded fixture and on seeded random mutations of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDiff, diffSnapshots, isEmptyDiff } from '../../shared/core/diff';
import { ModelIndex } from '../../shared/core/modelIndex';
import type { ProcessInfo } from '../../shared/core/types';
import { churn, fixtureProcesses, loadFixture, snapshotIn } from './support/procFixture';
import { rng } from '../support/random';

const fixture = loadFixture('multi_pidns5.json');
const base = fixtureProcesses(fixture);
const snap = snapshotIn(fixture);
const mutate = (procs: ProcessInfo[], r: () => number): ProcessInfo[] =>
  churn(procs, r, { exit: 0.15, state: 0.1, reparent: 0.05, reuse: 0.05 });

test('diff of a snapshot with itself is empty', () => {
  const a = snap(base, 1);
  assert.ok(isEmptyDiff(diffSnapshots(a, a)));
});

test('applyDiff(a, diffSnapshots(a, b)) deep-equals b: 200 seeded random mutations', () => {
  const r = rng(42);
  let prev = snap(base, 1);
  for (let i = 0; i < 200; i++) {
    // Every 10th round restart from the full set so processes also come back (additions).
    const next = snap(i % 10 === 9 ? base : mutate(prev.processes, r), i + 2, Math.floor(r() * 5));
    const d = diffSnapshots(prev, next);
    assert.deepEqual(applyDiff(prev, d), next, `round ${i}`);
    prev = next;
  }
});

test('PID reuse: the old process is removed and the new one added, not changed', () => {
  const a = snap(base, 1);
  const victim = base.find((p) => p.comm === 'sleep');
  assert.ok(victim);
  const b = snap(
    base.map((p) => (p === victim ? { ...victim, startTime: victim.startTime + 5, comm: 'other' } : p)),
    2,
  );
  const d = diffSnapshots(a, b);
  assert.deepEqual(d.removedProcesses, [{ pid: victim.pid, startTime: victim.startTime }]);
  assert.deepEqual(
    d.addedProcesses.map((p) => p.pid),
    [victim.pid],
  );
  assert.equal(d.changedProcesses.length, 0);
});

test('a whole chain exiting removes its namespaces; ancestors stay; pids lists change', () => {
  const a = snap(base, 1);
  const leaf = base.find((p) => p.comm === 'sleep' && p.nspid.length === 6);
  assert.ok(leaf);
  const index = new ModelIndex(a);
  const own = index.namespaceOf(leaf);
  assert.ok(own);
  const chainNs = new Set(
    index
      .ancestry(own)
      .map((n) => n.inode)
      .filter((inode) => inode !== a.self.nsInode),
  );
  assert.equal(chainNs.size, 5);
  // The nsenter -F process holds the leaf as its pid_for_children: while it lives the chain stays (hidden).
  const held = snap(
    base.filter((p) => !chainNs.has(p.ns)),
    2,
  );
  assert.ok(held.namespaces.filter((n) => chainNs.has(n.inode)).every((n) => n.hidden && n.pids.length === 0));
  assert.equal(held.namespaces.filter((n) => chainNs.has(n.inode)).length, 5);
  const b = snap(
    base.filter((p) => !chainNs.has(p.ns) && !(p.pendingNs !== undefined && chainNs.has(p.pendingNs))),
    2,
  );
  const d = diffSnapshots(a, b);
  assert.deepEqual(new Set(d.removedNamespaces.map((n) => n.inode)), chainNs);
  assert.deepEqual(applyDiff(a, d), b);
});

test('applyDiff does not modify its input', () => {
  const a = snap(base, 1);
  const frozen = JSON.stringify(a);
  applyDiff(a, diffSnapshots(a, snap(base.slice(3), 2)));
  assert.equal(JSON.stringify(a), frozen);
});
