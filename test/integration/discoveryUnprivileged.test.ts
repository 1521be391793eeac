// Run unprivileged, `pidns snapshot` shows every process: the user's own with the namespaces they are in
// (here one it created itself through a user namespace), read from their links; other users' (whose
// links are denied) from NSpid and the process tree, their namespaces inferred and marked so. Root's
// namespaced sleeps are checked against what root itself reads. The live stream as that user places
// them exactly as a cold scan does, through a chain appearing, a process whose link becomes readable
// (root's init exec'ing as the user) and everything ending. The user is created by the test and removed
// after it, with everything it and root started.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { groupMembers } from '../../bench/load';
import { applyDiff } from '../../shared/core/diff';
import { inferredFounderPid, isInferredInode, nsKey } from '../../shared/core/identity';
import type { DiffEvent, HelloEvent, HelperMessage, SnapshotEvent } from '../../shared/helperProtocol';
import type { NamespaceInfo, ProcessInfo, Snapshot } from '../../shared/core/types';
import { PIDNS_JS, requireBuilt, runPidns, snapshotJson, startGroup, waitFor, type Group, type RunAs } from './support/discovery';
import { diffProblems, modelProblems } from './support/modelChecks';
import { RawHelper } from './support/rawHelper';
import { asUser } from './support/asUser';
import { connectorBindAs } from './support/events';

function nspidOf(pid: number): number[] {
  try {
    const m = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? m[1].trim().split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** A user made for the test (removed after it), and the process groups it and root start (killed after it). */
function testUser(t: TestContext): RunAs & { name: string; groups: Group[]; closers: Array<() => Promise<void>> } {
  const name = `pidnst${randomBytes(4).toString('hex')}`;
  execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  const groups: Group[] = [];
  const closers: Array<() => Promise<void>> = [];
  t.after(async () => {
    for (const close of closers) await close();
    for (const g of groups) await g.stop();
    execFileSync('userdel', [name]);
  });
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }));
  return { name, uid, gid, groups, closers };
}

/** The member of a process group whose NSpid has `depth` entries. */
function memberAt(g: Group, depth: number, what: string): Promise<number> {
  return waitFor(() => groupMembers(g.pgid).find((p) => nspidOf(p).length === depth), 10_000, what);
}

const proc = (s: Snapshot, pid: number): ProcessInfo | undefined => s.processes.find((p) => p.pid === pid);
const nsOf = (s: Snapshot, p: ProcessInfo | undefined): NamespaceInfo | undefined =>
  p && s.namespaces.find((n) => n.inode === p.ns && n.dev === p.nsDev);

test("unprivileged: the user's own namespaces read, root's inferred from NSpid with the right levels, inits and PIDs", async (t) => {
  requireBuilt();
  const user = testUser(t);

  // The user's own PID namespace (through a user namespace: no privilege needed), root's one, and a root chain of two.
  const mine = startGroup(['unshare', '--user', '--map-root-user', '--pid', '--fork', '--kill-child', 'sleep', '1000'], user);
  user.groups.push(mine);
  const roots = startGroup(['unshare', '--pid', '--fork', '--kill-child', 'sleep', '1000']);
  user.groups.push(roots);
  const chain = startGroup(['unshare', '--pid', '--fork', '--kill-child', 'unshare', '--pid', '--fork', '--kill-child', 'sleep', '1001']);
  user.groups.push(chain);
  const myInner = await memberAt(mine, 2, "the user's namespaced sleep");
  const rootInner = await memberAt(roots, 2, "root's namespaced sleep");
  const chainMiddle = await memberAt(chain, 2, "the chain's level-1 init");
  const chainLeaf = await memberAt(chain, 3, "the chain's level-2 sleep");

  const asRoot = snapshotJson();
  const rootNs = nsOf(asRoot, proc(asRoot, rootInner));
  assert.ok(rootNs, 'root sees its own namespace');

  const snap = snapshotJson(user);
  assert.equal(snap.scannedAsUid, user.uid);
  assert.equal(snap.unreadable, 0, 'no hidepid here: every process is at least placed');
  assert.ok(
    snap.processes.some((p) => p.uid !== user.uid),
    "other users' processes are listed",
  );
  const problems = modelProblems(snap);
  assert.deepEqual(problems, []);

  // The user's own: read, not inferred.
  const inner = proc(snap, myInner);
  assert.ok(inner, 'the user sees its namespaced sleep');
  assert.equal(inner.inferred, undefined);
  const ns = nsOf(snap, inner);
  assert.deepEqual({ parent: ns?.parent, level: ns?.level, init: ns?.init }, { parent: snap.self.nsInode, level: 1, init: myInner });
  assert.equal(ns?.ownerUid, user.uid, 'its user namespace was created by the user');
  assert.equal(ns?.inferred, undefined, "the user's own namespace is read, not inferred");
  assert.equal(ns?.inode, nsOf(asRoot, proc(asRoot, myInner))?.inode, 'its real inode');

  // Root's sleep: PIDs at both levels, in an inferred namespace at level 1 whose init is the sleep's host PID.
  const rootSleep = proc(snap, rootInner);
  assert.ok(rootSleep, "root's namespaced sleep is listed");
  assert.deepEqual(rootSleep.nspid, [rootInner, 1]);
  assert.equal(rootSleep.inferred, true);
  const inferred = nsOf(snap, rootSleep);
  assert.ok(inferred && isInferredInode(inferred.inode), 'a synthetic id, never a real inode');
  assert.deepEqual(
    { inferred: inferred.inferred, level: inferred.level, parent: inferred.parent, init: inferred.init },
    { inferred: true, level: rootNs.level, parent: snap.self.nsInode, init: rootNs.init },
  );
  assert.equal(inferred.init, rootInner);
  assert.ok(!snap.namespaces.some((n) => n.inode === rootNs.inode), "root's real inode is not known to the user");
  assert.equal(proc(snap, roots.pgid)?.ns, snap.self.nsInode, "root's unshare (NSpid of length 1) is in the user's namespace");
  assert.equal(proc(snap, roots.pgid)?.inferred, undefined);

  // The two-level root chain: two nested inferred namespaces, inits as root reads them.
  const leafNs = nsOf(snap, proc(snap, chainLeaf));
  const middleNs = nsOf(snap, proc(snap, chainMiddle));
  const truthLeaf = nsOf(asRoot, proc(asRoot, chainLeaf));
  const truthMiddle = nsOf(asRoot, proc(asRoot, chainMiddle));
  assert.ok(leafNs && middleNs && truthLeaf && truthMiddle);
  assert.deepEqual([middleNs.inferred, middleNs.level, middleNs.parent, middleNs.init], [true, 1, snap.self.nsInode, truthMiddle.init]);
  assert.deepEqual([leafNs.inferred, leafNs.level, leafNs.parent, leafNs.init], [true, 2, middleNs.inode, truthLeaf.init]);
  assert.deepEqual(proc(snap, chainLeaf)?.nspid, proc(asRoot, chainLeaf)?.nspid);

  // Shown as inferred in `pidns tree` and `pidns pid`, one wording.
  const tree = runPidns(['tree'], user);
  assert.equal(tree.status, 0, tree.stderr);
  const text = tree.stdout;
  assert.match(text, new RegExp(`pid:\\[inferred from ${rootInner}\\]  level 1 · init ${rootInner}`));
  assert.match(text, new RegExp(`pid:\\[inferred from ${chainLeaf}\\]  level 2 · init ${chainLeaf}`));
  assert.doesNotMatch(text, /process(es)? not readable/);
  assert.match(text, /^\d+ PID namespaces inferred from NSpid \(links not readable as this user\)$/m);
  const pid = runPidns(['pid', String(rootInner)], user);
  assert.equal(pid.status, 0, pid.stderr);
  assert.match(pid.stdout, new RegExp(`1\\s+pid:\\[inferred from ${rootInner}\\]\\s+1\\b`));
});

const isData = (m: HelperMessage): m is SnapshotEvent | DiffEvent =>
  m.type === 'event' && ((m.event === 'snapshot' && m.partial !== true) || m.event === 'diff');

/** The user's helper stream applied diff by diff, every diff and model checked as it comes. */
class Stream {
  model: Snapshot | null = null;
  readonly problems: string[] = [];
  constructor(readonly helper: RawHelper) {}

  async until(what: string, ok: (s: Snapshot) => boolean, timeoutMs = 15_000): Promise<Snapshot> {
    const end = Date.now() + timeoutMs;
    while (this.model === null || !ok(this.model)) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`stream: timed out waiting for ${what}`);
      const m = await this.helper.next(isData, left);
      if (m.event === 'snapshot') this.model = m.snapshot;
      else if (this.model !== null) {
        this.problems.push(...diffProblems(this.model, m.diff).map((p) => `seq ${m.seq}: ${p}`));
        this.model = applyDiff(this.model, m.diff);
        this.problems.push(...modelProblems(this.model).map((p) => `after seq ${m.seq}: ${p}`));
      }
    }
    return this.model;
  }
}

/** What a snapshot says about these processes: their NSpid and namespace chain (inode, level, init, inferred). */
function placementOf(s: Snapshot, pids: number[]): string[] {
  const byKey = new Map(s.namespaces.map((n) => [nsKey(n), n]));
  return pids.map((pid) => {
    const p = proc(s, pid);
    if (p === undefined) return `${pid}: absent`;
    const chain: string[] = [];
    for (
      let n = byKey.get(nsKey({ dev: p.nsDev, inode: p.ns }));
      n;
      n = n.parent === null ? undefined : byKey.get(nsKey({ dev: n.dev, inode: n.parent }))
    )
      chain.push(`${n.inode}${n.inferred ? '?' : ''}@${n.level} init ${n.init}`);
    return `${pid} [${p.nspid.join(' ')}]${p.inferred ? ' inferred' : ''} in ${chain.join(' < ')}`;
  });
}

for (const events of [false, true]) {
  test(`unprivileged stream (${events ? 'kernel events' : 'polling'}): inferred processes and namespaces come, turn real and go as a cold scan sees them`, async (t) => {
    requireBuilt();
    const user = testUser(t);
    const helper = new RawHelper(process.env, asUser(user, [process.execPath, PIDNS_JS, 'helper']));
    user.closers.push(() => helper.close());
    const hello = await helper.next((m): m is HelloEvent => m.type === 'event' && m.event === 'hello');
    // Where the kernel lets the user subscribe, the events case must run on events (a helper that fell back
    // to polling would pass it as the polling case); where it refuses, the helper must say so and poll.
    const kernel = events ? connectorBindAs(asUser(user, [])) : 'not asked';
    if (events && kernel === 'ok')
      assert.equal(hello.kernelEvents?.available, true, `kernel events for an unprivileged helper: ${hello.kernelEvents?.why}`);
    if (events && kernel !== 'ok') {
      assert.equal(
        hello.kernelEvents?.available,
        false,
        `the kernel refused the user (${kernel}), the helper said ${hello.kernelEvents?.why}`,
      );
      assert.match(hello.kernelEvents?.why ?? '', new RegExp(kernel));
    }
    const sub = await helper.ask(JSON.stringify({ id: 1, op: 'subscribe', intervalMs: 200, events, reconcileMs: 60_000 }));
    assert.ok(sub.type === 'response' && sub.ok, JSON.stringify(sub));
    if (events && sub.ok && sub.op === 'subscribe')
      assert.equal(sub.result.source?.kind, kernel === 'ok' ? 'kernel-events' : 'polling', JSON.stringify(sub.result.source));
    const stream = new Stream(helper);
    await stream.until('the first snapshot', () => true);

    // A root chain of two appears after the first snapshot.
    const chain = startGroup(['unshare', '--pid', '--fork', '--kill-child', 'unshare', '--pid', '--fork', '--kill-child', 'sleep', '1001']);
    user.groups.push(chain);
    const middle = await memberAt(chain, 2, "the chain's level-1 init");
    const leaf = await memberAt(chain, 3, "the chain's level-2 sleep");
    // Root's init that turns into the user's process (exec as the user) when the test says: its link becomes readable.
    const dir = mkdtempSync(join(tmpdir(), 'pidns-turn-'));
    user.closers.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const go = join(dir, 'go');
    const turning = startGroup([
      'unshare',
      '--pid',
      '--fork',
      '--kill-child',
      'sh',
      '-c',
      `while [ ! -e ${go} ]; do sleep 0.05; done; exec setpriv --reuid=${user.uid} --regid=${user.gid} --clear-groups sleep 1002`,
    ]);
    user.groups.push(turning);
    const turner = await memberAt(turning, 2, 'the turning init');
    const inferredLeaf = (s: Snapshot): boolean => {
      const p = proc(s, leaf);
      return p?.inferred === true && nsOf(s, p)?.level === 2 && nsOf(s, proc(s, turner))?.inferred === true;
    };
    const first = await stream.until('the chain and the turning init, inferred', inferredLeaf);
    const ours = [chain.pgid, middle, leaf, turning.pgid, turner];
    assert.deepEqual(placementOf(first, ours), placementOf(snapshotJson(user), ours), 'the stream places them as a cold scan');

    // The init exec's as the user: one entry, now in its real namespace; its inferred one is gone.
    writeFileSync(go, '');
    const real = await stream.until(
      'the turned init in its real namespace',
      (s) => proc(s, turner)?.inferred === undefined && proc(s, turner)?.comm === 'sleep',
    );
    const cold = snapshotJson(user);
    assert.deepEqual(placementOf(real, ours), placementOf(cold, ours), 'after the exec too');
    assert.equal(real.processes.filter((p) => p.pid === turner).length, 1);
    const turnedNs = nsOf(real, proc(real, turner));
    assert.ok(turnedNs && !turnedNs.inferred && !isInferredInode(turnedNs.inode));
    assert.ok(!real.namespaces.some((n) => n.inferred && inferredFounderPid(n.inode) === turner), 'no inferred namespace left for it');

    // Everything ends: no process or inferred namespace of ours is left in the stream (no phantoms).
    await chain.stop();
    await turning.stop();
    const mine = new Set(ours);
    const end = await stream.until(
      'our processes and namespaces gone',
      (s) => !s.processes.some((p) => mine.has(p.pid)) && !s.namespaces.some((n) => n.inferred && mine.has(inferredFounderPid(n.inode))),
    );
    assert.ok(!end.namespaces.some((n) => n.inode === turnedNs.inode), 'the real namespace went too');
    assert.deepEqual(stream.problems, []);
  });
}
