// Placing processes whose namespace link could not be read (shared/core/inferNs.ts): against the recorded
// fixtures (root's truth, with the links of some processes hidden as an unprivileged user would meet
// them) and on hand-made cases: a root sleep under unshare, a two-level chain, readable relatives that
// name the real namespace, a parent that is unreadable or gone, PID 1 unreadable, a gap of unknown
// levels, torn data and a kernel without NSpid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, type NsNode } from '../../shared/core/buildModel';
import { inferredFounderPid, inferredNsInode, isInferredInode, nsKey, parseNsKey } from '../../shared/core/identity';
import { placeProcesses, type UnplacedProcess } from '../../shared/core/inferNs';
import { ModelIndex } from '../../shared/core/modelIndex';
import { nsName } from '../../shared/core/nsName';
import { parseStatus } from '../../shared/core/procStatus';
import { renderTree } from '../../shared/core/treeText';
import { pidReport, renderPidReport } from '../../shared/core/pidReport';
import { parsePidQuery, resolvePidQuery } from '../../shared/core/pidQuery';
import { levelTable, namespaceTooltip } from '../../extension/hovers/tooltipMarkdown';
import { namespaceText } from '../../extension/tree/treeNodes';
import { nsTitle } from '../../webview/cards';
import type { NsId, ProcessInfo, Snapshot } from '../../shared/core/types';
import { fixtureProcesses, loadFixture, type ProcFixture } from './support/procFixture';
import { rng } from '../support/random';

const SELF: NsId = { dev: 4, inode: 4026531836 };

/** A process record; `ns` undefined: its link was denied (unplaced). */
function proc(pid: number, ppid: number, nspid: number[], ns?: number, comm = 'p'): ProcessInfo | UnplacedProcess {
  const base: UnplacedProcess = { pid, ppid, comm, uid: 0, nspid: [pid, ...nspid], startTime: 1000 + pid, state: 'S' };
  return ns === undefined ? base : { ...base, ns, nsDev: SELF.dev };
}

const isPlaced = (p: ProcessInfo | UnplacedProcess): p is ProcessInfo => 'ns' in p;

/** Place the unplaced among `records` and build the snapshot a scan would give. */
function snapshotOf(records: Array<ProcessInfo | UnplacedProcess>, graph: NsNode[] = []): Snapshot {
  const placed = records.filter(isPlaced);
  const nodes = new Map<string, NsNode>([[nsKey(SELF), { ...SELF, parent: null }], ...graph.map((n) => [nsKey(n), n] as const)]);
  const placement = placeProcesses(
    SELF,
    placed,
    records.filter((p) => !isPlaced(p)),
    nodes,
  );
  for (const [k, n] of placement.namespaces) nodes.set(k, n);
  return buildModel({
    self: SELF,
    processes: [...placed, ...placement.processes],
    graph: nodes,
    unreadable: 0,
    scannedAsUid: 1000,
    takenAt: 1,
  });
}

function byPid(s: Snapshot, pid: number): ProcessInfo {
  const p = s.processes.find((q) => q.pid === pid);
  assert.ok(p, `process ${pid} in the snapshot`);
  return p;
}

function nsOf(s: Snapshot, pid: number): Snapshot['namespaces'][number] {
  const p = byPid(s, pid);
  const ns = s.namespaces.find((n) => n.inode === p.ns && n.dev === p.nsDev);
  assert.ok(ns, `namespace of ${pid}`);
  return ns;
}

test('inferred ids: above every 32-bit inode, a valid key, stable, and they name their founder', () => {
  const id = inferredNsInode({ pid: 4194303, startTime: 2 ** 40 + 5 }, 32);
  assert.ok(isInferredInode(id) && id < 1e15 && Number.isSafeInteger(id));
  assert.equal(inferredFounderPid(id), 4194303);
  assert.ok(!isInferredInode(4294967295), 'the largest real inode is not inferred');
  assert.deepEqual(parseNsKey(nsKey({ dev: 4, inode: id })), { dev: 4, inode: id });
  assert.equal(inferredNsInode({ pid: 7, startTime: 99 }, 1), inferredNsInode({ pid: 7, startTime: 99 }, 1));
  assert.notEqual(inferredNsInode({ pid: 7, startTime: 99 }, 1), inferredNsInode({ pid: 7, startTime: 100 }, 1), 'a reused PID');
  assert.notEqual(inferredNsInode({ pid: 7, startTime: 99 }, 1), inferredNsInode({ pid: 7, startTime: 99 }, 2));
  assert.notEqual(inferredNsInode({ pid: 7, startTime: 99 }, 1), inferredNsInode({ pid: 8, startTime: 99 }, 1));
  assert.equal(nsName(id), 'pid:[inferred from 4194303]');
  assert.equal(nsName(4026531836), 'pid:[4026531836]');
});

test("root's unshare --pid --fork sleep, both unreadable: the sleep's namespace is inferred at level 1 with it as init", () => {
  const s = snapshotOf([
    proc(1, 0, []),
    proc(500, 1, [], SELF.inode, 'bash'),
    proc(600, 500, [], undefined, 'unshare'),
    proc(601, 600, [1], undefined, 'sleep'),
  ]);
  const unshare = byPid(s, 600);
  assert.equal(unshare.ns, SELF.inode, "NSpid of length 1: the caller's namespace");
  assert.equal(unshare.inferred, undefined, 'known, not inferred');
  const ns = nsOf(s, 601);
  assert.equal(ns.inode, inferredNsInode(byPid(s, 601), 1));
  assert.deepEqual(
    { inferred: ns.inferred, level: ns.level, parent: ns.parent, init: ns.init, pids: ns.pids },
    { inferred: true, level: 1, parent: SELF.inode, init: 601, pids: [601] },
  );
  assert.equal(byPid(s, 601).inferred, true);
  // The per-level table works from NSpid: host 601, 1 in the inferred namespace.
  const levels = new ModelIndex(s).levels(byPid(s, 601));
  assert.deepEqual(
    levels.map((l) => [l.nsInode, l.pid]),
    [
      [SELF.inode, 601],
      [ns.inode, 1],
    ],
  );
  assert.match(renderTree(s), /pid:\[inferred from 601\] {2}level 1 · init 601/);
  assert.match(renderTree(s), /^1 PID namespace inferred from NSpid \(links not readable as this user\)$/m);
});

test('a two-level root chain infers two nested namespaces, each with its init', () => {
  const s = snapshotOf([
    proc(600, 1, []),
    proc(601, 600, [1], undefined, 'unshare'),
    proc(602, 601, [2, 1], undefined, 'sleep'),
    proc(603, 601, [3], undefined, 'sh'),
    proc(604, 603, [4], undefined, 'cat'),
  ]);
  const outer = nsOf(s, 601);
  const inner = nsOf(s, 602);
  assert.deepEqual([outer.level, outer.parent, outer.init, outer.pids], [1, SELF.inode, 601, [601, 603, 604]]);
  assert.deepEqual([inner.level, inner.parent, inner.init, inner.inferred], [2, outer.inode, 602, true]);
  assert.equal(s.namespaces.length, 3);
  // "Go to PID…" takes the names the views write: a PID in each inferred namespace, by the name shown for it.
  const at = (text: string): number | string => {
    const r = resolvePidQuery(s, text);
    return typeof r === 'string' ? r : r.process.pid;
  };
  assert.equal(nsName(outer.inode), 'pid:[inferred from 601]');
  assert.deepEqual(parsePidQuery('3 in pid:[inferred from 601]'), { pid: 3, inferredFrom: 601 });
  assert.equal(at('3 in pid:[inferred from 601]'), 603);
  assert.equal(at(`1 in ${nsName(inner.inode)}`), 602);
  assert.equal(at('2 in pid:[Inferred from 601]'), 602, "level 1's 2 is the inner init");
  assert.equal(at('1 in pid:[inferred from 9999]'), 'no PID namespace pid:[inferred from 9999]');
});

test('a readable relative in the same group gives the real namespace: child or parent', () => {
  const REAL = 4026532300;
  const graph: NsNode[] = [{ dev: 4, inode: REAL, parent: SELF }];
  // Root's init (unreadable) has a child of the user's (readable) in the same namespace, and another of root's.
  const s = snapshotOf([proc(600, 1, []), proc(601, 600, [1]), proc(602, 601, [2], REAL), proc(603, 601, [3]), proc(604, 602, [4])], graph);
  for (const pid of [601, 603, 604]) {
    assert.equal(byPid(s, pid).ns, REAL, `${pid} is in the real namespace`);
    assert.equal(byPid(s, pid).inferred, undefined);
  }
  assert.equal(nsOf(s, 601).inferred, undefined);
  assert.equal(nsOf(s, 601).init, 601);
  assert.equal(s.namespaces.length, 2, 'no inferred namespace beside the real one');
});

test("a parent that is unreadable or gone, a gap of levels: hidden inferred ancestors keep every level NSpid's length - 1", () => {
  // 700 is at depth 3 with its parent gone (ppid not listed); 800 at depth 3 under a depth-1 parent (nsenter into level 2).
  const s = snapshotOf([proc(700, 650, [5, 1]), proc(701, 700, [5, 2]), proc(790, 1, [], SELF.inode), proc(800, 790, [9, 4])]);
  for (const pid of [700, 800]) {
    const ns = nsOf(s, pid);
    assert.equal(ns.level, 2);
    assert.equal(ns.inferred, true);
    const parent = s.namespaces.find((n) => n.inode === ns.parent);
    assert.ok(parent);
    assert.deepEqual([parent.level, parent.hidden, parent.inferred, parent.parent], [1, true, true, SELF.inode]);
  }
  assert.equal(nsOf(s, 701).inode, nsOf(s, 700).inode);
  assert.equal(nsOf(s, 700).init, 700);
  assert.equal(nsOf(s, 800).init, null, 'a setns joiner is no init');
  const levels = new ModelIndex(s).levels(byPid(s, 800));
  assert.deepEqual(
    levels.map((l) => l.pid),
    [800, 9, 4],
  );
});

test("PID 1 unreadable, and kernel threads: NSpid of length 1 is the caller's own namespace, not inferred", () => {
  const s = snapshotOf([proc(1, 0, []), proc(2, 0, []), proc(40, 2, []), proc(500, 1, [], SELF.inode)]);
  for (const pid of [1, 2, 40]) assert.deepEqual([byPid(s, pid).ns, byPid(s, pid).inferred], [SELF.inode, undefined]);
  assert.equal(s.namespaces.length, 1);
  assert.equal(s.namespaces[0].init, 1);
});

test('torn data never throws nor merges an init into its parent: a ppid cycle, an init whose parent is as deep', () => {
  const s = snapshotOf([proc(900, 901, [3]), proc(901, 900, [4]), proc(910, 900, [1])]);
  assert.equal(nsOf(s, 900).inode, nsOf(s, 901).inode);
  assert.equal(nsOf(s, 900).level, 1);
  assert.notEqual(nsOf(s, 910).inode, nsOf(s, 900).inode, 'an init starts its own namespace');
});

test('the same table in any order places alike (the stream and a cold scan agree)', () => {
  const records = [proc(600, 1, []), proc(601, 600, [1]), proc(602, 601, [2, 1]), proc(603, 601, [3]), proc(700, 650, [5, 1])];
  const a = snapshotOf(records);
  const b = snapshotOf([...records].reverse());
  assert.deepEqual(a, b);
});

test('a kernel without NSpid: the status says so, and such a process is not placed (it stays unreadable)', () => {
  const status = 'Name:\told\nState:\tS (sleeping)\nTgid:\t330\nPid:\t330\nPPid:\t1\nUid:\t0\t0\t0\t0\n';
  assert.equal(parseStatus(status)?.noNSpid, true);
  assert.equal(parseStatus(status + 'NSpid:\t330\n')?.noNSpid, undefined);
});

/** Root's truth from a fixture against the placement with the links of `hide` hidden. */
function checkAgainstTruth(f: ProcFixture, hide: (p: ProcessInfo) => boolean): { inferred: number } {
  const truth = buildModel({
    self: f.self,
    processes: fixtureProcesses(f),
    graph: new Map(f.graph.map((n) => [nsKey(n), n])),
    unreadable: 0,
    scannedAsUid: 0,
    takenAt: 1,
  });
  const placed = truth.processes.filter((p) => !hide(p));
  const unplaced = truth.processes.filter(hide).map(({ ns: _ns, nsDev: _dev, pendingNs: _pending, ...rest }) => rest);
  const full = new Map(f.graph.map((n) => [nsKey(n), n]));
  // An unprivileged scan walks only the namespaces of what it could read, and their ancestors.
  const graph = new Map<string, NsNode>();
  for (const p of placed)
    for (const inode of [p.ns, ...(p.pendingNs === undefined ? [] : [p.pendingNs])])
      for (let cur: NsId | null = { dev: p.nsDev, inode }; cur !== null && !graph.has(nsKey(cur));) {
        const node: NsNode = full.get(nsKey(cur)) ?? { ...cur, parent: null };
        graph.set(nsKey(cur), node);
        cur = node.parent;
      }
  const placement = placeProcesses(f.self, placed, unplaced, graph);
  for (const [k, n] of placement.namespaces) graph.set(k, n);
  const got = buildModel({
    self: f.self,
    processes: [...placed, ...placement.processes],
    graph,
    unreadable: 0,
    scannedAsUid: 1,
    takenAt: 1,
  });
  const gotIndex = new ModelIndex(got);
  const truthIndex = new ModelIndex(truth);
  // Every placed namespace stands for exactly one true one, at the same level; a real inode is the true one.
  const standsFor = new Map<number, number>();
  for (const p of truth.processes) {
    const mine = got.processes.find((q) => q.pid === p.pid);
    assert.ok(mine, `${p.pid} placed`);
    if (!isInferredInode(mine.ns)) assert.equal(mine.ns, p.ns, `${p.pid} (${p.comm}): a real inode is the true one`);
    assert.equal(mine.inferred === true, isInferredInode(mine.ns));
    const prior = standsFor.get(mine.ns);
    assert.ok(prior === undefined || prior === p.ns, `${p.pid}: one placed namespace never merges two true ones`);
    standsFor.set(mine.ns, p.ns);
    const myNs = gotIndex.namespaceOf(mine);
    const trueNs = truthIndex.namespaceOf(p);
    assert.equal(myNs?.level, trueNs?.level, `${p.pid} (${p.comm}) at its true level`);
    assert.deepEqual(
      gotIndex.levels(mine).map((l) => l.pid),
      p.nspid,
    );
    // Its parent stands for the true parent (an inferred one for one it could infer).
    const myParent = myNs?.parent ?? null;
    if (myParent !== null && standsFor.has(myParent)) assert.equal(standsFor.get(myParent), trueNs?.parent);
  }
  const inferredNs = got.namespaces.filter((n) => n.inferred && !n.hidden);
  // Each true namespace is inferred at most once: the tree grouped all its members.
  const trueOfInferred = inferredNs.map((n) => standsFor.get(n.inode));
  assert.equal(new Set(trueOfInferred).size, trueOfInferred.length, 'no true namespace split in two');
  return { inferred: inferredNs.length };
}

test('recorded multi_pidns fixture, every link hidden: the whole 32-deep chain and the seed chain are inferred as they are', () => {
  const f = loadFixture('multi_pidns5.json');
  const { inferred } = checkAgainstTruth(f, () => true);
  const nested = new Set(
    fixtureProcesses(f)
      .filter((p) => p.nspid.length > 1)
      .map((p) => p.ns),
  );
  assert.equal(inferred, nested.size, 'one inferred namespace per true nested namespace with members');
});

test('recorded fixtures, links hidden at random (seeded): never a wrong real inode, a merge or a wrong level', () => {
  for (const name of ['multi_pidns5.json', 'edge-cases.json']) {
    const f = loadFixture(name);
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const hidden = new Set(
        fixtureProcesses(f)
          .filter(() => r() < 0.5)
          .map((p) => p.pid),
      );
      checkAgainstTruth(f, (p) => hidden.has(p.pid));
    }
  }
});

test('views say "inferred" one way: tree row, tooltips with the per-level table, graph card title, pidns pid', () => {
  const s = snapshotOf([proc(600, 1, []), proc(601, 600, [1], undefined, 'sleep')]);
  const view = new ModelIndex(s);
  const sleep = byPid(s, 601);
  const ns = nsOf(s, 601);
  const name = 'pid:[inferred from 601]';
  assert.equal(namespaceText(view, ns, false).label, name);
  assert.equal(nsTitle(ns), name);
  assert.match(namespaceTooltip(view, ns), /\*\*PID namespace pid:\[inferred from 601\]\*\*/);
  assert.match(namespaceTooltip(view, ns), /\| Inferred \| the namespace links are not readable as this user/);
  assert.match(levelTable(view, sleep), /\| 1 \| pid:\[inferred from 601\] \| 1 \|/);
  assert.match(levelTable(view, sleep), /\| 0 \| pid:\[4026531836\] \| 601 \|/);
  const report = pidReport(s, 601, s.self.nsInode);
  assert.ok(typeof report !== 'string', String(report));
  assert.match(renderPidReport(report), /1\s+pid:\[inferred from 601\]\s+1\b/);
});
