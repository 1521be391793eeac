// ChainManager and the init-semantics operations on the real kernel: every depth, strict validation, the
// leaf and orphans as the acting user, signals from inside versus from an ancestor, orphan reaping, the
// permission checks, the unprivileged (user namespace) path and the util-linux fallback.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ChainManager } from '../../helper-native/src/create/chainManager';
import { makeOrphan, signalProcess } from '../../helper-native/src/create/initSemantics';
import { HelperError } from '../../helper-native/src/helperError';
import {
  assertNothingRemains,
  lsnsPidNamespaces,
  nsInode,
  nspidOf,
  procMounts,
  runCreate,
  isGone,
  procRef,
  statusField,
  traceChain,
  waitFor,
  withTestUser,
} from './support/chains';
import { asUser } from './support/asUser';

function manager(t: TestContext, initPath?: string | null): ChainManager {
  const m = new ChainManager({ initPath });
  t.after(() => m.destroyAll());
  return m;
}

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof HelperError, String(err));
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('every depth from 1 to 32: ready, NSpid has depth+1 entries, lsns shows each level, destroy leaves nothing', async (t) => {
  const m = new ChainManager({ maxChains: 32 });
  t.after(() => m.destroyAll());
  assert.ok(m.nativeInit, 'the native init is built (node scripts/build.mjs)');
  const mounts = procMounts();
  // All 32 chains live at once, so that one lsns run (slow on a busy machine) checks every level of every depth.
  const chains = [];
  for (let depth = 1; depth <= 32; depth++) {
    const progress: number[] = [];
    const info = await m.create({ depth }, 0, (p) => progress.push(p.ready));
    assert.equal(info.engine, 'native');
    assert.deepEqual(
      progress,
      Array.from({ length: depth }, (_, i) => i + 1),
      `progress events for depth ${depth}`,
    );
    assert.equal(info.levels.length, depth);
    assert.equal(nspidOf(info.leaf).length, depth + 1, `depth ${depth}`);
    chains.push(info);
  }
  const listed = lsnsPidNamespaces();
  for (const info of chains) {
    for (const l of info.levels) {
      const above = l.level === 1 ? nsInode('self', 'pid') : info.levels[l.level - 2].ns;
      assert.ok(listed.get(l.ns) === above && nsInode(l.init, 'pid') === l.ns, `depth ${info.depth} level ${l.level}`);
    }
  }
  for (const info of chains) {
    const trace = traceChain(info.levels, mounts);
    await m.destroy(info.chainId);
    await assertNothingRemains(trace);
  }
  assert.deepEqual(m.list(), []);
});

test('requests are validated strictly: depth range and the room left, command shape', async (t) => {
  const m = manager(t);
  await rejectsWith(m.create({ depth: 33 }, 0), 'limit', /at most 32 nested PID namespace levels.*at most 32 more can be created here/);
  for (const depth of [0, -1, 2.5, NaN]) await rejectsWith(m.create({ depth }, 0), 'bad-request', /depth must be an integer from 1 to 32/);
  await rejectsWith(m.create({ depth: 1, command: [] }, 0), 'bad-request');
  await rejectsWith(m.create({ depth: 1, command: ['sh', 'a\0b'] }, 0), 'bad-request');
  await rejectsWith(m.create({ depth: 1, command: ['x'.repeat(5000)] }, 0), 'bad-request');
  await rejectsWith(m.destroy('chain-nope'), 'not-found');
  assert.deepEqual(m.list(), []);
});

test("root acting for a user: the leaf and the orphans run as that user; the orphan is adopted and reaped by its level's init", async (t) => {
  const user = withTestUser(t);
  const m = manager(t);
  const info = await m.create({ depth: 3 }, user.uid);
  assert.equal(info.uid, user.uid);
  assert.match(statusField(info.leaf, 'Uid'), new RegExp(`^${user.uid}\\s+${user.uid}\\s+${user.uid}\\s+${user.uid}$`));
  assert.match(statusField(info.leaf, 'Gid'), new RegExp(`^${user.gid}\\s`));
  const idGroups = execFileSync('id', ['-G', user.name], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .map(Number)
    .sort((a, b) => a - b);
  assert.ok(idGroups.length >= 2, 'the test user has a supplementary group');
  assert.deepEqual(
    statusField(info.leaf, 'Groups')
      .split(/\s+/)
      .map(Number)
      .sort((a, b) => a - b),
    idGroups,
    "the user's groups, not root's",
  );
  assert.equal(statusField(info.levels[0].init, 'Uid').split(/\s+/)[0], '0', 'the intermediate inits stay root');

  const level2 = info.levels[1].init;
  const orphan = await makeOrphan(m, { chainId: info.chainId, level: 2, lifetimeMs: 1500 }, user.uid);
  const orphanRef = procRef(orphan.pid);
  assert.equal(orphan.level, 2);
  assert.equal(statusField(orphan.pid, 'Name'), 'pidns-orphan');
  assert.equal(statusField(orphan.pid, 'PPid'), String(level2), "re-parented to level 2's init");
  assert.equal(statusField(orphan.pid, 'Uid').split(/\s+/)[0], String(user.uid));
  assert.equal(nspidOf(orphan.pid).length, 3);
  // When it exits, the init reaps it: /proc/PID disappears instead of staying as a zombie.
  await waitFor('orphan reaped', () => isGone(orphanRef), 6000);
  await rejectsWith(makeOrphan(m, { chainId: info.chainId, level: 4 }, user.uid), 'not-found');
});

test('a leaf COMMAND also runs as the acting user', async (t) => {
  const user = withTestUser(t);
  const m = manager(t);
  const info = await m.create({ depth: 2, command: ['sleep', '30'] }, user.uid);
  // ready is reported just before the exec (after the PATH check), so the name may lag a moment
  // The kernel names the process `sleep` a moment before it sets up the new environment: wait for both.
  const environ = (): string => readFileSync(`/proc/${info.leaf}/environ`, 'utf8');
  await waitFor("the leaf has exec'd sleep", () => statusField(info.leaf, 'Name') === 'sleep' && environ() !== '');
  assert.equal(statusField(info.leaf, 'Uid').split(/\s+/)[1], String(user.uid));
  const env = environ().split('\0');
  assert.ok(env.includes(`HOME=/home/${user.name}`) && env.includes(`USER=${user.name}`), "the login environment of the user, not root's");
});

test('from inside its namespace a PID 1 ignores even SIGKILL; from an ancestor SIGKILL removes that level and the ones below', async (t) => {
  const m = manager(t);
  const gone: number[] = [];
  m.on('levelsGone', (_id, level) => gone.push(level));
  const info = await m.create({ depth: 4 }, 0);
  const target = info.levels[1];
  const level1 = procRef(info.levels[0].init);
  const below = info.levels.slice(1).map((l) => procRef(l.init));
  for (const signal of ['SIGKILL', 'SIGUSR1', 'SIGSTOP']) {
    assert.deepEqual(await signalProcess(m, { pid: target.init, signal, from: 'inside' }, 0), {
      pid: target.init,
      signal: signal === 'SIGKILL' ? 9 : signal === 'SIGUSR1' ? 10 : 19,
    });
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(!isGone(below[0]), 'still there');
  // Not stopped (T): sleeping, or runnable on a busy machine that has not yet run it after the signals woke it.
  assert.match(statusField(target.init, 'State').charAt(0), /^[SR]$/, 'and not stopped');
  // Positive control: the same path from inside does deliver to a process that is not the level's PID 1.
  const orphan = await makeOrphan(m, { chainId: info.chainId, level: 2, lifetimeMs: 30_000 }, 0);
  const orphanRef = procRef(orphan.pid);
  await signalProcess(m, { pid: orphan.pid, signal: 'SIGTERM', from: 'inside' }, 0);
  await waitFor('the orphan killed by SIGTERM from inside, and reaped', () => isGone(orphanRef), 5000);
  // And on a PID 1 itself: SIGTERM, which pidns-init handles, sent from inside the same way, ends level 4's init.
  await signalProcess(m, { pid: info.levels[3].init, signal: 'SIGTERM', from: 'inside' }, 0);
  await waitFor("level 4's init ended by the SIGTERM it handles", () => isGone(below[2]), 5000);
  assert.ok(!isGone(below[1]), 'level 3 stays');
  await signalProcess(m, { pid: target.init, signal: 'KILL' }, 0);
  await waitFor('levels 2..4 gone', () => below.every(isGone));
  await waitFor('levelsGone event for level 2', () => gone.includes(2));
  assert.deepEqual(gone, [4, 2]);
  assert.deepEqual(
    m.list()[0].levels.map((l) => l.level),
    [1],
  );
  assert.ok(!isGone(level1), 'level 1 stays');
});

test('signal permissions: only what we created or what the acting user owns; a stale start time is refused', async (t) => {
  const user = withTestUser(t);
  const m = manager(t);
  const info = await m.create({ depth: 1 }, user.uid);
  const rootSleep = spawn('sleep', ['30'], { stdio: 'ignore' });
  const [setpriv, ...sleepAsUser] = asUser(user, ['sleep', '30']);
  const userSleep = spawn(setpriv, sleepAsUser, { stdio: 'ignore' });
  t.after(() => {
    rootSleep.kill('SIGKILL');
    userSleep.kill('SIGKILL');
  });
  await waitFor('user sleep exec', () => statusField(userSleep.pid!, 'Name') === 'sleep');
  await rejectsWith(signalProcess(m, { pid: rootSleep.pid!, signal: 'TERM' }, user.uid), 'not-permitted', /belongs to uid 0/);
  const start = Number(readFileSync(`/proc/${userSleep.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19]);
  await rejectsWith(
    signalProcess(m, { pid: userSleep.pid!, signal: 'TERM', startTime: start + 1 }, user.uid),
    'not-found',
    /PID was reused/,
  );
  await rejectsWith(signalProcess(m, { pid: userSleep.pid!, signal: 'SIGNOPE' }, user.uid), 'bad-request');
  assert.deepEqual(await signalProcess(m, { pid: userSleep.pid!, signal: 'TERM', startTime: start }, user.uid), {
    pid: userSleep.pid,
    signal: 15,
  });
  // Level 1's init runs as root but was created by us for this user: allowed.
  await signalProcess(m, { pid: info.levels[0].init, signal: 'SIGTERM' }, user.uid);
  await waitFor('chain ended', () => m.list().length === 0);
  await rejectsWith(signalProcess(m, { pid: 0x3ffffff0, signal: 15 }, 0), 'not-found');
});

test('unprivileged: a non-root user (created here) gets 32 levels through a user namespace; SIGTERM leaves nothing', async (t) => {
  const user = withTestUser(t);
  const mounts = procMounts();
  const run = runCreate(t, ['--depth', '32'], user);
  const ready = await run.ready;
  assert.equal(nspidOf(ready.leaf).length, 33);
  assert.equal(statusField(ready.leaf, 'Uid').split(/\s+/)[0], String(user.uid));
  assert.notEqual(nsInode(ready.levels[0].init, 'mnt'), nsInode('self', 'mnt'));
  const trace = traceChain(ready.levels, mounts);
  run.child.kill('SIGTERM');
  const r = await run.exited;
  assert.equal(r.code, 0, r.stderr);
  await assertNothingRemains(trace);
});

test('fallback without the native init: a chain of util-linux unshare, reported as such, torn down completely', async (t) => {
  const user = withTestUser(t);
  const m = manager(t, null);
  const mounts = procMounts();
  const info = await m.create({ depth: 4 }, user.uid);
  const level2 = procRef(info.levels[1].init);
  assert.equal(info.engine, 'unshare');
  assert.equal(info.levels.length, 4);
  assert.equal(nspidOf(info.leaf).length, 5);
  assert.equal(statusField(info.leaf, 'Uid').split(/\s+/)[0], String(user.uid));
  await rejectsWith(makeOrphan(m, { chainId: info.chainId, level: 1 }, 0), 'unsupported');
  // A signal from inside needs the native init's pidfd tool: no fallback that looks the PID up again by number.
  await rejectsWith(signalProcess(m, { pid: info.levels[1].init, signal: 'SIGKILL', from: 'inside' }, 0), 'unsupported');
  assert.ok(!isGone(level2), 'level 2 is untouched');
  const trace = traceChain(info.levels, mounts);
  await m.destroy(info.chainId);
  await assertNothingRemains(trace);
});
