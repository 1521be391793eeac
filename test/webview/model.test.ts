// The webview's model index and tree layout, in plain Node: membership, chains, visible counts, how
// diffs change them, and that a process-only diff keeps every card's horizontal place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphModel } from '../../webview/model';
import { TreeLayout } from '../../webview/layout';
import { cardWidth } from '../../webview/geometry';

import { generatedTree, HOST_NS, NS_DEV, processDiff, seedChain } from './fixtures';
import { nsKey } from '../../shared/core/identity';

const key = (inode: number): string => nsKey({ dev: NS_DEV, inode });

test('seed chain: members, chain of namespaces and what each /proc lists', () => {
  const seed = seedChain(5, 10);
  const m = new GraphModel();
  m.load(seed.snapshot);
  assert.equal(m.namespaces.size, 6);
  assert.deepEqual(m.roots, [key(HOST_NS)]);
  const leafNs = key(seed.levels[4]);
  assert.deepEqual(m.chain(leafNs), [HOST_NS, ...seed.levels].map(key));
  assert.deepEqual(seed.leaf.nspid.slice(1), [5, 4, 3, 2, 1]);
  // /proc4 … /proc0 of the seed list 5, 4, 3, 2, 1 processes.
  assert.deepEqual(seed.levels.map((ino) => m.visibleCount(key(ino))), [5, 4, 3, 2, 1]);
  assert.equal(m.visibleCount(key(HOST_NS)), 10 + 1 + 5);
  assert.equal(m.initComm(m.namespaces.get(leafNs)!), 'sleep');
});

test('a process-only diff touches only its namespaces and keeps the structure', () => {
  const tree = generatedTree(50, 600, 3);
  const m = new GraphModel();
  m.load(tree.snapshot);
  const before = m.processes.size;
  const diff = processDiff(tree, 10);
  const change = m.apply(diff);
  assert.equal(change.structureChanged, false);
  assert.equal(m.processes.size, before + diff.addedProcesses.length - diff.removedProcesses.length);
  const expected = new Set([...diff.addedProcesses.map((p) => key(p.ns))]);
  for (const k of expected) assert.ok(change.touched.has(k), `touched ${k}`);
  assert.ok(change.touched.size <= 10);
  const total = [...m.members.values()].reduce((n, s) => n + s.size, 0);
  assert.equal(total, m.processes.size);
});

test('adding and removing a namespace changes the structure; a reused inode on another device is another namespace', () => {
  const seed = seedChain(2, 3);
  const m = new GraphModel();
  m.load(seed.snapshot);
  const twin = { inode: seed.levels[0], dev: NS_DEV + 1, parent: null, level: 0, init: null, pids: [] };
  const change = m.apply({ addedProcesses: [], removedProcesses: [], changedProcesses: [], addedNamespaces: [twin], removedNamespaces: [], changedNamespaces: [], unreadable: 0, takenAt: 0 });
  assert.equal(change.structureChanged, true);
  assert.equal(m.namespaces.size, 4);
  assert.equal(m.roots.length, 2);
  const gone = m.apply({ addedProcesses: [], removedProcesses: [], changedProcesses: [], addedNamespaces: [], removedNamespaces: [{ dev: twin.dev, inode: twin.inode }], changedNamespaces: [], unreadable: 0, takenAt: 0 });
  assert.equal(gone.structureChanged, true);
  assert.equal(m.namespaces.size, 3);
});

test('layout: cards do not overlap, children sit below parents, heights only move rows', () => {
  const tree = generatedTree(200, 2500, 5);
  const m = new GraphModel();
  m.load(tree.snapshot);
  const layout = new TreeLayout();
  layout.layoutStructure(m);
  layout.placeRows(() => 100);
  const places = [...layout.places.entries()];
  assert.equal(places.length, 200);
  for (const [k, p] of places) {
    assert.equal(p.w, cardWidth(m.namespaces.get(k)!.level));
    const parent = m.parentKey(k);
    if (parent) assert.ok(layout.places.get(parent)!.y + 100 < p.y, 'child below parent');
  }
  const byDepth = new Map<number, [number, number][]>();
  for (const [, p] of places) byDepth.set(p.depth, [...(byDepth.get(p.depth) ?? []), [p.x, p.x + p.w]]);
  for (const spans of byDepth.values()) {
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], 'no horizontal overlap within a row');
  }
  const xs = new Map(places.map(([k, p]) => [k, p.x]));
  const moved = layout.placeRows((k) => (k === key(HOST_NS) ? 300 : 100));
  assert.ok(moved.size > 0);
  for (const [k, p] of layout.places) assert.equal(p.x, xs.get(k), 'x unchanged by a height change');
});
