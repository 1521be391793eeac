// Persistent namespaces in the event path's incremental model: namespaces held by a bind mount or an open
// fd (setHolders) come and go beside random process changes, and after every flush the client's model with
// the diff applied must equal buildModel with the same holders, as a cold scan builds it (no phantom left
// when the last holder goes, no held namespace missing, heldBy always current). Deterministic (seeded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, type NsNode } from '../../shared/core/buildModel';
import { nsKey } from '../../shared/core/identity';
import { applyDiff } from '../../shared/core/diff';
import type { NsHolder, ProcessInfo, Snapshot } from '../../shared/core/types';
import { LiveModel } from '../../helper-native/src/scan/liveModel';
import { rng } from '../support/random';

const DEV = 4;
const SELF = 1000;
const key = (inode: number): string => nsKey({ dev: DEV, inode });

test('LiveModel with holders: diffs equal buildModel over 10,000 random process and holder changes', () => {
  const rand = rng(10);
  const graph = new Map<string, NsNode>();
  graph.set(key(SELF), { dev: DEV, inode: SELF, parent: null });
  // A fixed tree of 40 namespaces two levels deep: processes and holders pick among them.
  const inodes: number[] = [];
  for (let i = 1; i <= 40; i++) {
    const inode = SELF + i;
    const parent = i <= 10 ? SELF : SELF + 1 + (i % 10);
    graph.set(key(inode), { dev: DEV, inode, parent: { dev: DEV, inode: parent } });
    inodes.push(inode);
  }
  const level = (inode: number): number => (inode === SELF ? 0 : inode - SELF <= 10 ? 1 : 2);
  const procs = new Map<number, ProcessInfo>();
  const holders = new Map<string, NsHolder[]>();
  let clock = 1;
  const build = (): Snapshot =>
    buildModel({
      self: { dev: DEV, inode: SELF },
      processes: [...procs.values()],
      graph,
      holders,
      unreadable: 0,
      scannedAsUid: 0,
      takenAt: 0,
    });
  const live = new LiveModel();
  let client = build();
  live.reset(client);
  const setHolder = (k: string, list: NsHolder[]): void => {
    if (list.length === 0) holders.delete(k);
    else holders.set(k, list);
  };
  let heldSeen = 0;
  for (let step = 0; step < 10_000; step++) {
    const r = rand();
    const pids = [...procs.keys()];
    const pick = (): number => pids[Math.floor(rand() * pids.length)];
    const ns = inodes[Math.floor(rand() * inodes.length)];
    if (r < 0.3 || pids.length < 5) {
      const pid = 2 + Math.floor(rand() * 200);
      const next: ProcessInfo = {
        pid,
        ppid: 1,
        comm: 'sh',
        uid: 0,
        ns,
        nsDev: DEV,
        nspid: [pid, ...Array(level(ns)).fill(3)],
        startTime: clock++,
        state: 'S',
      };
      live.record(pid, procs.get(pid), next);
      procs.set(pid, next);
    } else if (r < 0.5) {
      // exit: its fds no longer hold anything (what Poller.releaseFds does)
      const pid = pick();
      live.record(pid, procs.get(pid), undefined);
      procs.delete(pid);
      for (const [k, list] of [...holders])
        setHolder(
          k,
          list.filter((h) => h.kind !== 'fd' || h.pid !== pid),
        );
      live.setHolders(holders);
    } else if (r < 0.65) {
      // a holder pass found a new bind mount or open fd
      const h: NsHolder =
        rand() < 0.5 ? { kind: 'mount', path: `/run/ns${step}` } : { kind: 'fd', pid: pick(), fd: 3 + Math.floor(rand() * 5) };
      setHolder(key(ns), [...(holders.get(key(ns)) ?? []), h]);
      live.setHolders(new Map(holders));
    } else if (r < 0.8) {
      // umount or close: one holder of a held namespace gone
      const held = [...holders.keys()];
      if (held.length > 0) {
        const k = held[Math.floor(rand() * held.length)];
        setHolder(k, (holders.get(k) ?? []).slice(1));
        live.setHolders(new Map(holders));
      }
    } else {
      const pid = pick();
      live.record(pid, procs.get(pid), { ...(procs.get(pid) as ProcessInfo), comm: 'cat' });
      procs.set(pid, { ...(procs.get(pid) as ProcessInfo), comm: 'cat' });
    }
    if (rand() < 0.6 && step !== 9_999) continue;
    const diff = live.takeDiff(procs, graph, 0);
    const truth = build();
    if (diff !== null) client = applyDiff(client, diff);
    heldSeen += truth.namespaces.filter((n) => n.heldBy !== undefined && n.pids.length === 0).length;
    assert.deepEqual({ n: client.namespaces, p: client.processes }, { n: truth.namespaces, p: truth.processes }, `after step ${step}`);
  }
  assert.ok(heldSeen > 1000, `held namespaces without processes were in the model often (${heldSeen})`);
});

test('buildModel: a held namespace with no process is in the model with its ancestors, heldBy and no init', () => {
  const graph = new Map<string, NsNode>([
    [key(SELF), { dev: DEV, inode: SELF, parent: null }],
    [key(2000), { dev: DEV, inode: 2000, parent: { dev: DEV, inode: SELF } }],
    [key(2001), { dev: DEV, inode: 2001, parent: { dev: DEV, inode: 2000 } }],
  ]);
  const holders = new Map<string, NsHolder[]>([[key(2001), [{ kind: 'mount', path: '/run/x' }]]]);
  const s = buildModel({ self: { dev: DEV, inode: SELF }, processes: [], graph, holders, unreadable: 0, scannedAsUid: 0, takenAt: 0 });
  assert.deepEqual(
    s.namespaces.map((n) => [n.inode, n.parent, n.level, n.init, n.pids.length, n.heldBy]),
    [
      [SELF, null, 0, null, 0, undefined],
      [2000, SELF, 1, null, 0, undefined],
      [2001, 2000, 2, null, 0, [{ kind: 'mount', path: '/run/x' }]],
    ],
  );
});
