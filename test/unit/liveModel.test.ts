// The event path's incremental model against the full one: random process lifetimes (forks, execs, exits,
// PID reuse, processes entering fresh nested namespaces, pending pid_for_children) are recorded into a
// LiveModel; after every step, the client's model with the diff applied must equal buildModel of the
// process table, the way a cold scan would build it. Deterministic (seeded), so a failure reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, type NsNode } from '../../shared/core/buildModel';
import { nsKey } from '../../shared/core/identity';
import { applyDiff } from '../../shared/core/diff';
import type { ProcessInfo, Snapshot } from '../../shared/core/types';
import { LiveModel } from '../../helper-native/src/scan/liveModel';
import { rng } from '../support/random';

const DEV = 4;
const SELF = 1000;

test('LiveModel diffs equal buildModel over 20,000 random process changes', () => {
  const rand = rng(14);
  const graph = new Map<string, NsNode>();
  graph.set(nsKey({ dev: DEV, inode: SELF }), { dev: DEV, inode: SELF, parent: null });
  let nextNs = SELF + 1;
  const newNs = (parent: number): number => {
    const inode = nextNs++;
    graph.set(nsKey({ dev: DEV, inode }), { dev: DEV, inode, parent: { dev: DEV, inode: parent }, userNs: 7, ownerUid: 0 });
    return inode;
  };
  const procs = new Map<number, ProcessInfo>();
  let clock = 1;
  const build = (): Snapshot =>
    buildModel({ self: { dev: DEV, inode: SELF }, processes: [...procs.values()], graph, unreadable: 0, scannedAsUid: 0, takenAt: 0 });
  const live = new LiveModel();
  let client = build();
  live.reset(client);
  const set = (pid: number, p: ProcessInfo | undefined): void => {
    live.record(pid, procs.get(pid), p);
    if (p === undefined) procs.delete(pid);
    else procs.set(pid, p);
  };
  const namespaces = (): number[] => [SELF, ...[...graph.values()].map((n) => n.inode).filter((i) => i !== SELF)];
  for (let step = 0; step < 20_000; step++) {
    const r = rand();
    const pids = [...procs.keys()];
    const pick = (): number => pids[Math.floor(rand() * pids.length)];
    if (r < 0.35 || pids.length < 5) {
      // fork: into an existing namespace, or (sometimes) as PID 1 of a fresh one below an existing one
      const pid = 2 + Math.floor(rand() * 400); // small PID space: reuse happens
      const nss = namespaces();
      const parentNs = nss[Math.floor(rand() * nss.length)];
      const fresh = rand() < 0.1;
      const ns = fresh ? newNs(parentNs) : parentNs;
      const depth = (i: number): number =>
        graph.get(nsKey({ dev: DEV, inode: i }))?.parent
          ? 1 + depth((graph.get(nsKey({ dev: DEV, inode: i }))?.parent as { inode: number }).inode)
          : 0;
      const nspid = [pid, ...Array.from({ length: depth(ns) }, (_, i) => (fresh && i === depth(ns) - 1 ? 1 : 2 + i))];
      set(pid, { pid, ppid: pids.length ? pick() : 0, comm: 'sh', uid: 0, ns, nsDev: DEV, nspid, startTime: clock++, state: 'S' });
    } else if (r < 0.55) {
      const pid = pick();
      set(pid, { ...(procs.get(pid) as ProcessInfo), comm: rand() < 0.5 ? 'sleep' : 'cat', uid: rand() < 0.1 ? 1000 : 0 });
    } else if (r < 0.62) {
      // unshare: a pending namespace below its own (hidden until a child forks into it)
      const pid = pick();
      const p = procs.get(pid) as ProcessInfo;
      const next: ProcessInfo = { ...p };
      if (p.pendingNs === undefined) next.pendingNs = newNs(p.ns);
      else delete next.pendingNs;
      set(pid, next);
    } else {
      set(pick(), undefined);
    }
    if (rand() < 0.7 && step !== 19_999) continue; // several changes per flush, like a burst
    const diff = live.takeDiff(procs, graph, 0);
    const truth = build();
    if (diff !== null) client = applyDiff(client, diff);
    const strip = (s: Snapshot): unknown => ({ namespaces: s.namespaces, processes: s.processes });
    assert.deepEqual(strip(client), strip(truth), `after step ${step}`);
  }
  assert.ok(nextNs - SELF > 500, 'many namespaces came and went');
});

test('LiveModel: namespace inodes reused in one flush one level deeper (parent and child swapped in), levels follow', () => {
  const P = SELF + 1;
  const X = SELF + 2;
  const Z = SELF + 3;
  const graph = new Map<string, NsNode>();
  const setNs = (inode: number, parent: number | null): void =>
    void graph.set(nsKey({ dev: DEV, inode }), { dev: DEV, inode, parent: parent === null ? null : { dev: DEV, inode: parent } });
  setNs(SELF, null);
  setNs(P, SELF);
  setNs(X, P);
  const procs = new Map<number, ProcessInfo>();
  const proc = (pid: number, ns: number, nspid: number[], startTime: number): ProcessInfo => ({
    pid,
    ppid: 1,
    comm: 'sh',
    uid: 0,
    ns,
    nsDev: DEV,
    nspid,
    startTime,
    state: 'S',
  });
  procs.set(10, proc(10, P, [10, 1], 1));
  procs.set(11, proc(11, X, [11, 2, 1], 2));
  const build = (): Snapshot =>
    buildModel({ self: { dev: DEV, inode: SELF }, processes: [...procs.values()], graph, unreadable: 0, scannedAsUid: 0, takenAt: 0 });
  const live = new LiveModel();
  let client = build();
  live.reset(client);
  assert.deepEqual(
    client.namespaces.map((n) => [n.inode, n.level]),
    [
      [SELF, 0],
      [P, 1],
      [X, 2],
    ],
  );
  // Within one flush both die, a new Z comes under the host, and the kernel hands P's inode to a child of Z and
  // X's to a child of that: X keeps the same parent key (P), whose level has moved from 1 to 2.
  const change = (pid: number, p: ProcessInfo | undefined): void => {
    live.record(pid, procs.get(pid), p);
    if (p === undefined) procs.delete(pid);
    else procs.set(pid, p);
  };
  change(10, undefined);
  change(11, undefined);
  setNs(Z, SELF);
  setNs(P, Z);
  setNs(X, P);
  change(20, proc(20, Z, [20, 1], 3));
  change(21, proc(21, P, [21, 2, 1], 4));
  change(22, proc(22, X, [22, 3, 2, 1], 5));
  const diff = live.takeDiff(procs, graph, 0);
  assert.ok(diff !== null);
  client = applyDiff(client, diff);
  const levels = new Map(client.namespaces.map((n) => [n.inode, n.level]));
  assert.deepEqual([levels.get(Z), levels.get(P), levels.get(X)], [1, 2, 3], JSON.stringify(client.namespaces));
  assert.deepEqual(client.namespaces, build().namespaces, 'the same as a cold build');
});
