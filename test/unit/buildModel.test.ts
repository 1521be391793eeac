// Records → Snapshot on the recorded multi_pidns fixture (checked against lsns recorded at the same
// moment) and on hand-made edge cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, compareNamespaces } from '../../shared/core/buildModel';
import { ModelIndex } from '../../shared/core/modelIndex';
import { fixtureProcesses, fixtureSnapshot, loadFixture } from './support/procFixture';
import { nsKey } from '../../shared/core/identity';

const recorded = loadFixture('multi_pidns5.json');
const snap = fixtureSnapshot(recorded);
const edgeSnap = fixtureSnapshot(loadFixture('edge-cases.json'));

test('multi_pidns 5: the leaf sleep sits five levels down a chain of namespaces with the right parents', () => {
  const leaf = snap.processes.find((p) => p.comm === 'sleep' && p.nspid.length === 6);
  assert.ok(leaf);
  assert.deepEqual(leaf.nspid, [leaf.pid, 5, 4, 3, 2, 1]);
  const index = new ModelIndex(snap);
  const own = index.namespaceOf(leaf);
  assert.ok(own);
  const chain = index.ancestry(own).reverse();
  assert.deepEqual(
    chain.map((n) => n?.level),
    [5, 4, 3, 2, 1, 0],
  );
  assert.equal(chain[5]?.inode, snap.self.nsInode);
  // Each level's init is the multi_pidns process whose own PID is 1 there.
  for (const ns of chain.slice(0, 5)) {
    assert.ok(ns && ns.init !== null);
    assert.equal(index.process(ns.init)?.nspid.at(-1), 1);
  }
});

test('namespace set and parent links agree with lsns -t pid recorded at the same time', () => {
  const lsns = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'multi_pidns5.lsns.json'), 'utf8')) as {
    namespaces: { ns: number; pns: number }[];
  };
  const ours = new Map(snap.namespaces.filter((n) => !n.hidden).map((n) => [n.inode, n.parent ?? 0]));
  assert.deepEqual(new Map(lsns.namespaces.map((n) => [n.ns, n.pns])), ours);
});

test('every process: level of its namespace = NSpid length - 1; pids lists are exact', () => {
  const byInode = new Map(snap.namespaces.map((n) => [n.inode, n]));
  for (const p of snap.processes) {
    assert.equal(byInode.get(p.ns)?.level, p.nspid.length - 1, `pid ${p.pid}`);
    assert.ok(byInode.get(p.ns)?.pids.includes(p.pid));
  }
  const total = snap.namespaces.reduce((n, ns) => n + ns.pids.length, 0);
  assert.equal(total, snap.processes.length);
});

test('a pending pid_for_children whose init exited is a hidden namespace; setns -F leaves the process outside with pendingNs', () => {
  const hidden = snap.namespaces.filter((n) => n.hidden);
  assert.equal(hidden.length, 1);
  assert.deepEqual(hidden[0].pids, []);
  assert.equal(hidden[0].init, null);
  const holders = snap.processes.filter((p) => p.pendingNs === hidden[0].inode);
  assert.deepEqual(
    holders.map((p) => p.comm),
    ['sleep'],
  );
  const leaf = snap.processes.find((p) => p.comm === 'sleep' && p.nspid.length === 6);
  const entered = snap.processes.filter((p) => p.pendingNs === leaf?.ns);
  assert.equal(entered.length, 1, 'nsenter -F sleep');
  assert.equal(entered[0].ns, snap.self.nsInode);
});

test('canonical order: namespaces by level/dev/inode, processes by pid, independent of input order', () => {
  const sorted = [...snap.namespaces].sort(compareNamespaces);
  assert.deepEqual(snap.namespaces, sorted);
  assert.deepEqual(
    snap.processes.map((p) => p.pid),
    [...snap.processes.map((p) => p.pid)].sort((a, b) => a - b),
  );
  const shuffled = buildModel({
    self: recorded.self,
    processes: fixtureProcesses(recorded).reverse(),
    graph: new Map([...recorded.graph].reverse().map((n) => [nsKey(n), n])),
    unreadable: recorded.unreadable,
    scannedAsUid: 0,
    takenAt: 1,
  });
  assert.deepEqual(shuffled, snap);
});

test('edge cases: hidden ancestor, orphan with PPid 0, no-NSpid process in the caller namespace', () => {
  const byInode = new Map(edgeSnap.namespaces.map((n) => [n.inode, n]));
  const h = byInode.get(4026532502);
  assert.equal(h?.hidden, true);
  assert.equal(h?.level, 1);
  const b = byInode.get(4026532501);
  assert.equal(b?.parent, 4026532502);
  assert.equal(b?.level, 2);
  assert.equal(b?.init, null, 'its PID 1 is not among the recorded processes');
  assert.equal(byInode.get(4026532500)?.init, 311);
  assert.equal(edgeSnap.processes.find((p) => p.pid === 310)?.pendingNs, 4026532500);
  assert.deepEqual(edgeSnap.processes.find((p) => p.pid === 330)?.nspid, [330]);
  assert.equal(edgeSnap.unreadable, 3);
  assert.equal(edgeSnap.namespaces.find((n) => n.inode === edgeSnap.self.nsInode)?.userNs, 4026531837);
});

test('a namespace missing from the graph becomes a top with level 0 instead of being dropped', () => {
  const procs = fixtureProcesses(loadFixture('edge-cases.json'));
  const s = buildModel({
    self: { dev: 4, inode: 4026531836 },
    processes: procs,
    graph: new Map(),
    unreadable: 0,
    scannedAsUid: 0,
    takenAt: 1,
  });
  for (const p of procs) assert.ok(s.namespaces.some((n) => n.inode === p.ns));
  assert.ok(s.namespaces.every((n) => n.parent === null && n.level === 0));
});
