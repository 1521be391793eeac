// A root helper acting for a user (PKEXEC_UID, as pkexec sets it) runs nothing of the user's as root, in every
// engine (native init, util-linux fallback) and mode (with CAP_SYS_ADMIN; without it, as root in a pod or dev
// container is): the leaf, the orphans and the inside signal of the user's process run with the user's kernel
// uid, gid and complete groups, no new privileges, no fd of the helper's, in the user's home, with a clean
// environment and the user's own limits. Checked on the real kernel through /proc, as a person would look.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcLimits } from '../../shared/core/procLimits';
import { userLimits } from '../../helper-native/src/identity/runAs';
import { closePidfd, pidfdOpen } from '../../helper-native/src/sys/pidfd';
import { repoRoot } from '../support/paths';
import { isGone, procRef, statusField, waitFor } from './support/chains';
import { bundleWithoutInit, pidnsBundle } from './support/nativeTools';
import { RawHelper } from './support/rawHelper';

interface SecUser {
  name: string;
  uid: number;
  gid: number;
  groups: number[];
  home: string;
}

const NAME = 'pidns-sec-test';
const GROUPS = ['pidns-sec-g1', 'pidns-sec-g2', 'pidns-sec-g3'];

/** A throwaway account with a home and three supplementary groups of its own, removed when the test ends. */
function secUser(t: TestContext): SecUser {
  const quiet = { stdio: 'ignore' } as const;
  spawnSync('userdel', ['-f', '-r', NAME], quiet); // leftovers of a killed run
  for (const g of GROUPS) spawnSync('groupdel', [g], quiet);
  for (const g of GROUPS) execFileSync('groupadd', [g]);
  execFileSync('useradd', ['-m', '-N', '-g', 'nogroup', '-G', GROUPS.join(','), '-s', '/bin/sh', NAME], { stdio: 'pipe' });
  t.after(() => {
    spawnSync('userdel', ['-f', '-r', NAME], quiet);
    for (const g of GROUPS) spawnSync('groupdel', [g], quiet);
  });
  const [, , uid, gid, , home] = execFileSync('getent', ['passwd', NAME], { encoding: 'utf8' }).trim().split(':');
  const groups = execFileSync('id', ['-G', NAME], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  return { name: NAME, uid: Number(uid), gid: Number(gid), groups: groups.sort((a, b) => a - b), home };
}

type Caps = 'with CAP_SYS_ADMIN' | 'without CAP_SYS_ADMIN';
type Engine = 'native' | 'unshare';

/** pkexec's environment for the helper, plus a PATH and a HOME of root's that must not reach the user. */
function pkexecEnv(user: SecUser): NodeJS.ProcessEnv {
  return {
    PATH: `/root/bin:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: '/root',
    LANG: 'C.UTF-8',
    PKEXEC_UID: String(user.uid),
    SECRET_OF_ROOT: 'x',
  };
}

function startHelper(t: TestContext, user: SecUser, caps: Caps, engine: Engine): RawHelper {
  const bundle = engine === 'native' ? pidnsBundle() : bundleWithoutInit(t);
  const node = [process.execPath, bundle, 'helper'];
  // capsh --drop takes the capability out of the bounding set, so root's exec of node does not get it back.
  // --shell: capsh execs node itself, no bash (whose start-up files are the machine's, not the test's).
  const argv =
    caps === 'with CAP_SYS_ADMIN' ? node : ['capsh', '--drop=cap_sys_admin', `--shell=${process.execPath}`, '--', ...node.slice(1)];
  const h = new RawHelper(pkexecEnv(user), argv);
  t.after(() => h.close());
  return h;
}

function statusLine(pid: number, key: string): number[] {
  return statusField(pid, key).split(/\s+/).filter(Boolean).map(Number);
}

/** The host uid that uid 0 of the process's user namespace is (or 0 for the initial namespace). */
function hostUidOfRoot(pid: number): number | null {
  for (const line of readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split('\n')) {
    const [inside, outside] = line.trim().split(/\s+/).map(Number);
    if (inside === 0) return outside;
  }
  return null;
}

/** Everything that makes "runs as the user" true for one process, read from /proc. */
function assertRunsAsUser(pid: number, user: SecUser, what: string): void {
  assert.deepEqual(
    statusLine(pid, 'Uid'),
    [user.uid, user.uid, user.uid, user.uid],
    `${what}: real, effective, saved and fs uid are the user's`,
  );
  assert.deepEqual(statusLine(pid, 'Gid'), [user.gid, user.gid, user.gid, user.gid], `${what}: every gid is the user's`);
  assert.deepEqual(
    statusLine(pid, 'Groups').sort((a, b) => a - b),
    user.groups,
    `${what}: the user's complete groups, nothing of root's`,
  );
  assert.equal(statusField(pid, 'NoNewPrivs'), '1', `${what}: no new privileges through setuid files`);
  const root = hostUidOfRoot(pid);
  assert.ok(root === null || root !== 0 || statusLine(pid, 'Uid')[0] !== 0, `${what}: never uid 0 of the host`);
  if (root !== null && root !== 0) assert.equal(root, user.uid, `${what}: its user namespace's root is the user`);
}

function assertCleanStart(pid: number, user: SecUser, what: string): void {
  const fds = readdirSync(`/proc/${pid}/fd`).sort();
  const targets = fds.map((fd) => `${fd} → ${readlinkSync(`/proc/${pid}/fd/${fd}`)}`).join(', ');
  assert.deepEqual(fds, ['0', '1', '2'], `${what}: no fd of the helper's above 2 (${targets})`);
  assert.equal(readlinkSync(`/proc/${pid}/cwd`), user.home, `${what}: starts in the user's home`);
  // sh (the test's leaf) exports PWD itself, from the cwd we gave it
  const env = readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .filter((e) => e !== '' && e !== `PWD=${user.home}`);
  const keys = env.map((e) => e.slice(0, e.indexOf('='))).sort();
  assert.deepEqual(keys, ['HOME', 'LANG', 'LOGNAME', 'PATH', 'SHELL', 'USER'], `${what}: a clean environment (${env.join(' ')})`);
  assert.ok(
    env.includes(`HOME=${user.home}`) && env.includes(`USER=${user.name}`) && env.includes('PATH=/usr/local/bin:/usr/bin:/bin'),
    env.join(' '),
  );
}

async function ok<T>(h: RawHelper, request: object): Promise<T> {
  const r = await h.ask(JSON.stringify(request));
  assert.ok(r.ok, JSON.stringify(r));
  return (r as unknown as { result: T }).result;
}

interface Chain {
  chainId: string;
  leaf: number;
  engine: string;
  levels: { level: number; init: number }[];
}

for (const caps of ['with CAP_SYS_ADMIN', 'without CAP_SYS_ADMIN'] as const) {
  for (const engine of ['native', 'unshare'] as const) {
    test(
      `root helper for a user, ${caps}, ${engine} engine: the leaf runs as the user, cleaned; it cannot write as root`,
      { timeout: 60_000 },
      async (t) => {
        const user = secUser(t);
        const h = startHelper(t, user, caps, engine);
        const hello = await h.hello();
        assert.equal(hello.uid, 0);
        assert.equal(hello.actingForUid, user.uid);
        assert.equal(hello.capabilities.includes('CAP_SYS_ADMIN'), caps === 'with CAP_SYS_ADMIN', hello.capabilities.join(','));
        const target = `/etc/pidns-sec-${process.pid}-${engine}`;
        t.after(() => rmSync(target, { force: true }));
        // The issue's proof of concept: a command that would make anyone root if it ran as root.
        const chain = await ok<Chain>(h, {
          id: 1,
          op: 'create',
          depth: 2,
          command: ['sh', '-c', `echo x::0:0::/root:/bin/sh >> ${target}; exec sleep 1000`],
        });
        t.after(() => h.ask(JSON.stringify({ id: 99, op: 'destroy', chainId: chain.chainId })).catch(() => undefined));
        assert.equal(chain.engine, engine);
        // The kernel names the process `sleep` a moment before it sets up the new environment: wait for both.
        // Then wait until sleep sleeps: starting, the dynamic loader and setlocale open (and close) files of their
        // own, which the fd check below would otherwise catch (it did, once in a CI run: fd 3).
        const execd = (): boolean =>
          statusField(chain.leaf, 'Name') === 'sleep' &&
          readFileSync(`/proc/${chain.leaf}/environ`, 'utf8') !== '' &&
          readFileSync(`/proc/${chain.leaf}/wchan`, 'utf8') === 'hrtimer_nanosleep';
        await waitFor('the leaf to exec sleep and sleep', execd, 5000);
        assert.equal(existsSync(target), false, 'the command could not write a root-owned place');
        assertRunsAsUser(chain.leaf, user, 'the leaf');
        assertCleanStart(chain.leaf, user, 'the leaf');
        if (caps === 'without CAP_SYS_ADMIN') {
          // The whole chain is the user's: every level's init too, inside the user's own user namespace.
          for (const l of chain.levels) assert.equal(statusLine(l.init, 'Uid')[0], user.uid, `level ${l.level}'s init`);
        }
      },
    );
  }
}

for (const caps of ['with CAP_SYS_ADMIN', 'without CAP_SYS_ADMIN'] as const) {
  test(
    `root helper for a user, ${caps}: orphans run as the user; inside signals reach the user's process and never a PID 1`,
    { timeout: 60_000 },
    async (t) => {
      const user = secUser(t);
      const h = startHelper(t, user, caps, 'native');
      await h.hello();
      const chain = await ok<Chain>(h, { id: 1, op: 'create', depth: 3 });
      t.after(() => h.ask(JSON.stringify({ id: 99, op: 'destroy', chainId: chain.chainId })).catch(() => undefined));
      const orphan = await ok<{ pid: number }>(h, { id: 2, op: 'orphan', chainId: chain.chainId, level: 2, lifetimeMs: 30_000 });
      assert.equal(statusField(orphan.pid, 'PPid'), String(chain.levels[1].init), "adopted by level 2's init");
      assertRunsAsUser(orphan.pid, user, 'the orphan');
      assert.equal(readlinkSync(`/proc/${orphan.pid}/cwd`), user.home, "the orphan starts in the user's home");
      // From inside: level 2's PID 1 ignores SIGKILL (no handler), the orphan (no init) dies of SIGTERM.
      await ok(h, { id: 3, op: 'signal', pid: chain.levels[1].init, signal: 'KILL', from: 'inside' });
      const orphanRef = procRef(orphan.pid);
      await ok(h, { id: 4, op: 'signal', pid: orphan.pid, signal: 'TERM', from: 'inside' });
      await waitFor('the orphan gone after SIGTERM from inside', () => isGone(orphanRef), 5000);
      assert.equal(statusField(chain.levels[1].init, 'State').charAt(0), 'S', "level 2's init still runs");
    },
  );
}

test(
  'the orphans-per-chain and chains-per-helper limits are answered with a limit error that names them',
  { timeout: 90_000 },
  async (t) => {
    const user = secUser(t);
    const h = startHelper(t, user, 'with CAP_SYS_ADMIN', 'native');
    await h.hello();
    const chain = await ok<Chain>(h, { id: 1, op: 'create', depth: 1 });
    let refused: { code: string; message: string } | undefined;
    for (let i = 0; i < 40 && refused === undefined; i++) {
      const r = await h.ask(JSON.stringify({ id: 10 + i, op: 'orphan', chainId: chain.chainId, level: 1, lifetimeMs: 20_000 }));
      if (!r.ok) refused = r.error;
    }
    assert.equal(refused?.code, 'limit');
    assert.match(refused?.message ?? '', /orphans-per-chain/);
    const ids = [chain.chainId];
    t.after(async () => {
      for (const id of ids) await h.ask(JSON.stringify({ id: 98, op: 'destroy', chainId: id })).catch(() => undefined);
    });
    let chainsRefused: { code: string; message: string } | undefined;
    for (let i = 0; i < 20 && chainsRefused === undefined; i++) {
      const r = await h.ask(JSON.stringify({ id: 100 + i, op: 'create', depth: 1 }));
      if (r.ok && r.op === 'create') ids.push(r.result.chainId);
      else if (!r.ok) chainsRefused = r.error;
    }
    assert.equal(chainsRefused?.code, 'limit');
    assert.match(chainsRefused?.message ?? '', /chains-per-helper/);
  },
);

test(
  'a leaf that writes an endless stderr line: the root helper keeps at most a bounded piece and says so',
  { timeout: 60_000 },
  async (t) => {
    const user = secUser(t);
    const h = startHelper(t, user, 'with CAP_SYS_ADMIN', 'native');
    await h.hello();
    const before = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${h.child.pid}/status`, 'utf8'))?.[1]);
    // 256 MiB without a newline, its end, then one short line. Kept whole (as readline would), it alone would
    // grow the helper by 256 MiB; bounded, the growth is Node's stream buffers and garbage not yet collected.
    const chain = await ok<Chain>(h, {
      id: 1,
      op: 'create',
      depth: 1,
      command: ['sh', '-c', 'head -c 268435456 /dev/zero | tr "\\0" x >&2; echo >&2; echo done >&2; exec sleep 1000'],
    });
    t.after(() => h.ask(JSON.stringify({ id: 99, op: 'destroy', chainId: chain.chainId })).catch(() => undefined));
    await waitFor('the short line after the long one', () => h.stderr.some((l) => l.includes('done')), 30_000);
    assert.ok(
      h.stderr.some((l) => /longer than 4096 bytes was dropped: limit stderr-line/.test(l)),
      h.stderr.slice(-3).join('\n').slice(0, 500),
    );
    assert.ok(
      h.stderr.every((l) => l.length < 5000),
      'no log line longer than the limit',
    );
    const after = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${h.child.pid}/status`, 'utf8'))?.[1]);
    assert.ok(after - before < 128 * 1024, `the helper's RSS grew by ${after - before} KiB for a 256 MiB line`);
  },
);

test(
  'root with a malformed PKEXEC_UID refuses to serve instead of acting as root; an unknown uid is refused per request',
  { timeout: 30_000 },
  async (t) => {
    const bad = new RawHelper({ PATH: process.env.PATH, PKEXEC_UID: '1000x' });
    t.after(() => bad.close());
    const r = await bad.next((m): m is Extract<typeof m, { type: 'response' }> => m.type === 'response');
    assert.ok(!r.ok && r.error.code === 'bad-request' && /PKEXEC_UID="1000x" is not a uid/.test(r.error.message), JSON.stringify(r));
    await new Promise((res) => bad.child.once('close', res));
    assert.equal(bad.child.exitCode, 2);
    // NSS cannot resolve the uid (a stale or forged variable): refused, never gid = uid with no groups.
    const ghost = new RawHelper({ PATH: process.env.PATH, PKEXEC_UID: '3999999' });
    t.after(() => ghost.close());
    await ghost.hello();
    const c = await ghost.ask('{"id":1,"op":"create","depth":1,"command":["sleep","100"]}');
    assert.ok(!c.ok && c.error.code === 'not-permitted' && /uid 3999999/.test(c.error.message), JSON.stringify(c));
    const chains = await ghost.ask('{"id":2,"op":"chains"}');
    assert.ok(chains.ok && chains.op === 'chains' && chains.result.chains.length === 0);
  },
);

test('more than 1024 groups is refused, not cut', { timeout: 30_000 }, () => {
  const init = join(repoRoot(), 'dist', 'native', 'pidns-init');
  const groups = Array.from({ length: 1025 }, (_, i) => 20000 + i).join(',');
  const r = spawnSync(init, ['chain', '--depth', '1', '--uid', '1', '--gid', '1', '--groups', groups], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /more than 1024 --groups: refused/);
});

test('helpers-per-user: a fifth root helper for the same user is refused with a limit that names it', { timeout: 60_000 }, async (t) => {
  const user = secUser(t);
  const helpers: RawHelper[] = [];
  for (let i = 0; i < 4; i++) {
    const h = startHelper(t, user, 'with CAP_SYS_ADMIN', 'native');
    await h.hello();
    helpers.push(h);
  }
  const fifth = startHelper(t, user, 'with CAP_SYS_ADMIN', 'native');
  const r = await fifth.next(
    (m): m is Extract<typeof m, { type: 'response' }> => m.type === 'response' || (m.type === 'event' && m.event === 'hello'),
  );
  assert.ok(r.type === 'response' && !r.ok && r.error.code === 'limit' && /helpers-per-user/.test(r.error.message), JSON.stringify(r));
  // A slot is freed when its helper goes, however it goes.
  helpers[0].child.kill('SIGKILL');
  await new Promise((res) => helpers[0].child.once('close', res));
  const again = startHelper(t, user, 'with CAP_SYS_ADMIN', 'native');
  assert.equal((await again.hello()).actingForUid, user.uid);
});

test('signal from inside acts on the checked pidfd: a recycled PID is never signalled', { timeout: 60_000 }, async (t) => {
  const init = join(repoRoot(), 'dist', 'native', 'pidns-init');
  const victim = spawn('sleep', ['1000'], { stdio: 'ignore' });
  const fd = pidfdOpen(victim.pid as number);
  t.after(() => closePidfd(fd));
  const pid = victim.pid as number;
  victim.kill('SIGKILL');
  await new Promise((r) => victim.once('exit', r));
  // Make a new process take the very PID: ns_last_pid steers the next fork (other forks on the host may race).
  let reused: ChildProcess | undefined;
  for (let i = 0; i < 200 && reused === undefined; i++) {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const c = spawn('sleep', ['1000'], { stdio: 'ignore' });
    if (c.pid === pid) reused = c;
    else c.kill('SIGKILL');
  }
  assert.ok(reused, `PID ${pid} was not reused in 200 tries`);
  t.after(() => reused?.kill('SIGKILL'));
  const r = spawnSync(init, ['kill-inside', '--pidfd', '3', '--signal', '9'], { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8' });
  assert.notEqual(r.status, 0, `the tool reports failure: ${r.stdout} ${r.stderr}`);
  assert.match(r.stderr + r.stdout, /setns|ESRCH|No such process|sent -1 3/);
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(reused.exitCode, null, 'the process that reused the PID lives');
  assert.equal(reused.signalCode, null);
});

test("the user's own limits: from the nearest process of the user's above the helper, never above ours", { timeout: 30_000 }, async (t) => {
  const user = secUser(t);
  const p = spawn(
    'prlimit',
    ['--nofile=321:654', '--', 'setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', 'sleep', '1000'],
    { stdio: 'ignore' },
  );
  t.after(() => p.kill('SIGKILL'));
  await waitFor('the user process', () => existsSync(`/proc/${p.pid}`) && statusField(p.pid as number, 'Name') === 'sleep', 5000);
  const limits = userLimits(user.uid, p.pid as number);
  assert.deepEqual(
    limits.find((l) => l.resource === 'NOFILE'),
    { resource: 'NOFILE', soft: 321, hard: 654 },
  );
  const ours = parseProcLimits(readFileSync('/proc/self/limits', 'utf8'));
  for (const l of limits) {
    const o = ours.find((x) => x.resource === l.resource);
    if (!o || o.hard === 'inf') continue;
    assert.ok(l.hard !== 'inf' && l.hard <= o.hard, `${l.resource} not above ours`);
  }
});
