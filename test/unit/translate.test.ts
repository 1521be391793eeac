// PID translation and visibility on the recorded multi_pidns 5 chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelIndex } from '../../shared/core/modelIndex';
import { findByPidIn, isVisibleFrom, pidInNamespace, translatePid, visibleProcesses } from '../../shared/core/translate';
import { fixtureSnapshot, loadFixture } from './support/procFixture';

const snap = fixtureSnapshot(loadFixture('multi_pidns5.json'));
const index = new ModelIndex(snap);
const leaf = snap.processes.find((p) => p.comm === 'sleep' && p.nspid.length === 6);
assert.ok(leaf);
const own = index.namespaceOf(leaf);
assert.ok(own);
const chain = index.ancestry(own); // caller (level 0) … leaf ns (level 5)
const atLevel = (level: number): number => chain[level].inode;

test('the leaf sleep is PID 1 in its namespace, k at level 6-k, host PID at level 0', () => {
  assert.equal(pidInNamespace(index, leaf, atLevel(5)), 1);
  assert.equal(pidInNamespace(index, leaf, atLevel(3)), 3);
  assert.equal(pidInNamespace(index, leaf, atLevel(1)), 5);
  assert.equal(pidInNamespace(index, leaf, atLevel(0)), leaf.pid);
});

test('translatePid between levels, both directions', () => {
  assert.equal(translatePid(index, 1, atLevel(5), atLevel(0)), leaf.pid);
  assert.equal(translatePid(index, leaf.pid, atLevel(0), atLevel(2)), 4);
  assert.equal(translatePid(index, 4, atLevel(2), atLevel(4)), 2);
  // PID 1 of level 2 is the level-2 init, not visible from level 3 below it.
  assert.equal(translatePid(index, 1, atLevel(2), atLevel(3)), null);
  assert.equal(translatePid(index, 99999, atLevel(0), atLevel(1)), null);
});

test("visibility: a namespace sees its own and descendants' processes only", () => {
  const fromLevel1 = visibleProcesses(index, atLevel(1));
  assert.equal(fromLevel1.length, 5, 'four multi_pidns levels and the sleep');
  assert.ok(fromLevel1.every((p) => isVisibleFrom(index, p, atLevel(1))));
  const hostOnly = snap.processes.find((p) => p.ns === snap.self.nsInode);
  assert.ok(hostOnly);
  assert.equal(isVisibleFrom(index, hostOnly, atLevel(1)), false);
  assert.equal(pidInNamespace(index, hostOnly, atLevel(1)), null);
  assert.equal(visibleProcesses(index, snap.self.nsInode).length, snap.processes.length);
  assert.equal(findByPidIn(index, atLevel(3), 1)?.nspid.at(-1), 1);
  assert.deepEqual(
    index.subtree(chain[3]).map((n) => n.level),
    [3, 4, 5],
  );
});
