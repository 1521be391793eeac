// The webview's model index and tree layout, in plain Node: membership, chains, visible counts, how
// diffs change them, and that a process-only diff keeps every card's horizontal place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphModel } from '../../webview/model';
import { TreeLayout } from '../../webview/layout';
import { cardWidth } from '../../webview/geometry';
import { displayTree, isGroupKey, KEEP_BIGGEST } from '../../webview/groups';

import { generatedTree, HOST_NS, NS_DEV, processDiff, seedChain, siblings } from './support/fixtures';
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
  assert.deepEqual(
    seed.levels.map((ino) => m.visibleCount(key(ino))),
    [5, 4, 3, 2, 1],
  );
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
  const change = m.apply({
    addedProcesses: [],
    removedProcesses: [],
    changedProcesses: [],
    addedNamespaces: [twin],
    removedNamespaces: [],
    changedNamespaces: [],
    unreadable: 0,
    takenAt: 0,
  });
  assert.equal(change.structureChanged, true);
  assert.equal(m.namespaces.size, 4);
  assert.equal(m.roots.length, 2);
  const gone = m.apply({
    addedProcesses: [],
    removedProcesses: [],
    changedProcesses: [],
    addedNamespaces: [],
    removedNamespaces: [{ dev: twin.dev, inode: twin.inode }],
    changedNamespaces: [],
    unreadable: 0,
    takenAt: 0,
  });
  assert.equal(gone.structureChanged, true);
  assert.equal(m.namespaces.size, 3);
});

test('layout: cards do not overlap, children sit below parents, heights only move rows', () => {
  const tree = generatedTree(200, 2500, 5);
  const m = new GraphModel();
  m.load(tree.snapshot);
  const layout = new TreeLayout();
  const display = displayTree(m, { open: new Set(), filters: new Map() }, []);
  const widthOf = (k: string): number => cardWidth(m.namespaces.get(display.groups.get(k)?.members[0] ?? k)!.level);
  layout.layoutStructure(display, widthOf, () => 100, 1.6);
  layout.placeRows(() => 100);
  const places = [...layout.places.entries()];
  assert.equal(places.length, display.shown.size + display.groups.size);
  for (const [k, p] of places) {
    assert.equal(p.w, widthOf(k));
    const parent = layout.parentOf(k);
    if (parent) assert.ok(layout.places.get(parent)!.y + 100 < p.y, 'child below parent');
  }
  for (let i = 0; i < places.length; i++)
    for (let j = i + 1; j < places.length; j++) {
      const [a, b] = [places[i][1], places[j][1]];
      assert.ok(
        a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + 100 <= b.y || b.y + 100 <= a.y,
        `${places[i][0]} and ${places[j][0]} overlap`,
      );
    }
  const xs = new Map(places.map(([k, p]) => [k, p.x]));
  const moved = layout.placeRows((k) => (k === key(HOST_NS) ? 300 : 100));
  assert.ok(moved.size > 0);
  for (const [k, p] of layout.places) assert.equal(p.x, xs.get(k), 'x unchanged by a height change');
});

test("layout: many siblings wrap into a grid near the viewport's aspect ratio, not one row", () => {
  for (const n of [5, 50, 300, 1000]) {
    const m = new GraphModel();
    m.load(siblings(n).snapshot);
    const layout = new TreeLayout();
    // Every group open: all n siblings drawn.
    const closed = displayTree(m, { open: new Set(), filters: new Map() }, []);
    const display = displayTree(m, { open: new Set(closed.groups.keys()), filters: new Map() }, []);
    assert.equal(display.shown.size, n + 2, 'the host, every sibling and the one nested below the created sibling');
    layout.layoutStructure(
      display,
      (k) => cardWidth(isGroupKey(k) ? 1 : m.namespaces.get(k)!.level),
      () => 90,
      1.6,
    );
    layout.placeRows(() => 90);
    const b = layout.bounds();
    const aspect = (b.x1 - b.x0) / (b.y1 - b.y0);
    if (n >= 50) assert.ok(aspect > 0.8 && aspect < 3.2, `${n} siblings: aspect ${aspect.toFixed(2)} near 1.6`);
  }
});

test('groups: the biggest siblings and the pinned ones keep cards, the rest are grouped by init command, counts add up', () => {
  const fixture = siblings(300);
  const m = new GraphModel();
  m.load(fixture.snapshot);
  const created = key(fixture.created);
  const d = displayTree(m, { open: new Set(), filters: new Map() }, [created]);
  assert.ok(d.shown.has(created), 'created here is never grouped');
  const hostKids = d.children.get(key(HOST_NS))!;
  const individual = hostKids.filter((k) => !isGroupKey(k));
  assert.equal(individual.length, KEEP_BIGGEST + 1);
  const groups = [...d.groups.values()];
  const total = groups.reduce((s, g) => s + g.members.length, 0);
  assert.equal(total + individual.length, 300, 'every sibling is either drawn or in exactly one group');
  for (const g of groups) for (const k of g.members) assert.equal(g.comm, m.initComm(m.namespaces.get(k)!) ?? '(no init)');
  assert.deepEqual(
    groups.map((g) => g.comm),
    ['sh', 'nginx', 'postgres'],
    'biggest group first',
  );
  // A group's search brings matching members out as cards.
  const target = groups[0].members[17];
  const inode = String(m.namespaces.get(target)!.inode);
  const searched = displayTree(m, { open: new Set(), filters: new Map([[groups[0].key, inode]]) }, [created]);
  assert.ok(searched.shown.has(target));
  assert.equal(searched.groups.get(groups[0].key)!.members.length, groups[0].members.length, 'the group still stands for all its members');
});

test('siblings keep their creation order when PIDs wrap, and a namespace that gains its init moves among them', () => {
  const seed = seedChain(1, 1);
  const first = seed.levels[0];
  // The first level's init got a high PID before the wrap.
  const oldInit = seed.snapshot.namespaces.find((n) => n.inode === first)!.init!;
  const high = (pid: number): number => (pid === oldInit ? 30_000 : pid);
  const m = new GraphModel();
  m.load({
    ...seed.snapshot,
    namespaces: seed.snapshot.namespaces.map((n) => ({ ...n, init: n.init === null ? null : high(n.init), pids: n.pids.map(high) })),
    processes: seed.snapshot.processes.map((p) => ({ ...p, pid: high(p.pid), ppid: high(p.ppid) })),
  });
  const host = m.namespaces.get(key(HOST_NS))!;
  const firstInit = m.namespaces.get(key(first))!.init!;
  // After the wrap: a smaller PID, a later start.
  const wrapped = { pid: 3, ppid: 1, comm: 'sh', uid: 0, ns: 9001, nsDev: NS_DEV, nspid: [3, 1], startTime: 10_000_000, state: 'S' };
  const change = m.apply({
    addedNamespaces: [{ inode: 9001, dev: NS_DEV, parent: host.inode, level: 1, init: 3, pids: [3] }],
    removedNamespaces: [],
    changedNamespaces: [],
    addedProcesses: [wrapped],
    removedProcesses: [],
    changedProcesses: [],
    unreadable: 0,
    takenAt: 2,
  });
  assert.equal(change.structureChanged, true);
  assert.ok(firstInit > 3);
  assert.deepEqual(m.children.get(key(HOST_NS)), [key(first), key(9001)]);
});
