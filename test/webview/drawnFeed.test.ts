// What the live graph is sent (extension/graph/drawnFeed.ts) against what it would hold with the whole
// model: through a snapshot, `draw` answers, searches and random diffs (new and exiting processes, new
// namespaces), every namespace's count and init, and every held namespace's members, agree with the full
// model; and the messages carry only what is drawn. In plain Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DrawnFeed, MembersIndex, type FeedIndex } from '../../extension/graph/drawnFeed';
import { GraphModel } from '../../webview/model';
import { searchGraph } from '../../webview/search';
import { diffSnapshots } from '../../shared/core/diff';
import { nsKey, processKey } from '../../shared/core/identity';
import type { Snapshot } from '../../shared/core/types';
import { rng } from '../support/random';
import { generatedTree, processDiff } from './support/fixtures';

function agree(partial: GraphModel, full: GraphModel, when: string): void {
  assert.deepEqual([...partial.namespaces.keys()].sort(), [...full.namespaces.keys()].sort(), `${when}: namespaces`);
  for (const [key, ns] of full.namespaces) {
    assert.equal(partial.memberCount(key), full.memberCount(key), `${when}: count of ${key}`);
    assert.equal(partial.initComm(partial.namespaces.get(key)!), full.initComm(ns), `${when}: init of ${key}`);
    if (!partial.holds(key)) continue;
    const keys = (m: GraphModel): string[] => [...(m.members.get(key)?.keys() ?? [])].sort();
    assert.deepEqual(keys(partial), keys(full), `${when}: members of held ${key}`);
    for (const k of keys(full)) assert.deepEqual(partial.processes.get(k), full.processes.get(k), `${when}: ${k}`);
  }
  // Every process held is a live one, as it is now.
  for (const [k, p] of partial.processes) assert.deepEqual(p, full.processes.get(k), `${when}: stale ${k}`);
  assert.deepEqual(partial.roots, full.roots, `${when}: sibling order`);
}

const indexes: [string, ((s: Snapshot) => FeedIndex) | undefined][] = [
  ['ModelIndex', undefined],
  ['MembersIndex', (s) => new MembersIndex(s)],
];
for (const [name, indexOf] of indexes)
  test(`the webview fed what it draws agrees with the full model through draws, searches and diffs (${name})`, () => {
    const tree = generatedTree(60, 800, 5);
    const rand = rng(11);
    const feed = new DrawnFeed(indexOf);
    const partial = new GraphModel();
    const full = new GraphModel();
    let snap: Snapshot = tree.snapshot;
    const first = feed.snapshot(snap);
    partial.load(first.snapshot, first.held, first.counts);
    full.load(snap);
    // Namespaces and their inits only, until it asks.
    assert.equal(first.snapshot.namespaces.length, 60);
    assert.ok(first.snapshot.processes.length <= 60, `${first.snapshot.processes.length} processes in the first message`);
    agree(partial, full, 'first snapshot');
    const keys = [...full.namespaces.keys()];
    for (let step = 0; step < 40; step++) {
      const what = rand();
      if (what < 0.3) {
        const want = keys.filter(() => rand() < 0.1);
        const rows = feed.rows(snap, want);
        if (rows) partial.addRows(rows.held, rows.processes);
        for (const k of want) assert.ok(partial.holds(k), `step ${step}: ${k} held after draw`);
      } else if (what < 0.4) {
        const query = ['nginx', 'java', String(snap.processes[Math.floor(rand() * snap.processes.length)].pid)][Math.floor(rand() * 3)];
        const found = feed.find(snap, step, query);
        partial.addRows([], found.processes);
        const ids = (m: GraphModel): string[] => searchGraph(m, query).hits.map((h) => h.id);
        assert.deepEqual(ids(partial), ids(full), `step ${step}: search ${query}`);
      } else {
        const b = tree.builder;
        if (rand() < 0.3) {
          const parent = b.namespaces[Math.floor(rand() * b.namespaces.length)];
          const ns = b.addNs(null, parent.inode);
          b.addProcess(ns.inode, 'init');
          keys.push(nsKey(ns));
        }
        processDiff(tree, 20, step);
        const next = b.snapshot();
        const d = feed.diff(diffSnapshots(snap, next), next);
        snap = next;
        partial.apply(d.diff, d.counts);
        full.load(snap);
        const sent = d.diff.addedProcesses.length + d.diff.changedProcesses.length + d.diff.removedProcesses.length;
        assert.ok(sent <= 22, `step ${step}: ${sent} process changes sent`);
      }
      agree(partial, full, `step ${step}`);
    }
  });

test('a reveal or a lesson brings the processes it names; a new snapshot keeps what is drawn', () => {
  const tree = generatedTree(20, 500, 3);
  const feed = new DrawnFeed();
  const snap = tree.snapshot;
  feed.snapshot(snap);
  const p = snap.processes.find((q) => q.comm === 'nginx' && q.ns !== snap.self.nsInode)!;
  const extra = feed.extras(snap, [{ pid: p.pid, startTime: p.startTime }]);
  assert.deepEqual(extra?.processes.map(processKey), [processKey(p)]);
  assert.equal(feed.extras(snap, [{ pid: p.pid, startTime: p.startTime }]), undefined, 'sent once');
  assert.equal(feed.extras(snap, [{ pid: p.pid, startTime: p.startTime + 1 }]), undefined, 'not a reused PID');
  const key = nsKey({ dev: p.nsDev, inode: p.ns });
  feed.rows(snap, [key]);
  const again = feed.snapshot(snap);
  assert.deepEqual(again.held, [key]);
  assert.equal(again.snapshot.processes.filter((q) => q.ns === p.ns).length, snap.processes.filter((q) => q.ns === p.ns).length);
});
