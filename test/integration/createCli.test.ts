// `pidns create` on the real kernel, as a user runs it: ready line, the seed's /procK listings seen from
// inside each level, depth limits, and total teardown on SIGTERM, SIGKILL and a killed middle init.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pidnsBundle } from './support/nativeTools';
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
  traceFrom,
  waitFor,
  withTestUser,
} from './support/chains';

test('depth 32 --json: ready line, the leaf has 33 NSpid entries, lsns shows the chain; SIGTERM exits 0 and nothing remains', async (t) => {
  const mounts = procMounts();
  const run = runCreate(t, ['--depth', '32']);
  const ready = await run.ready;
  assert.deepEqual(Object.keys(ready), ['event', 'levels', 'leaf']);
  assert.deepEqual(
    ready.levels.map((l) => l.level),
    Array.from({ length: 32 }, (_, i) => i + 1),
  );
  assert.equal(ready.leaf, ready.levels[31].init);
  assert.equal(nspidOf(ready.leaf).length, 33);
  const listed = lsnsPidNamespaces();
  for (const l of ready.levels) {
    // lsns shows the chain: each level's parent namespace is the level above (ours for level 1).
    const above = l.level === 1 ? nsInode('self', 'pid') : ready.levels[l.level - 2].ns;
    assert.equal(listed.get(l.ns), above, `lsns lists level ${l.level}'s namespace ${l.ns} below ${above}`);
    assert.equal(nsInode(l.init, 'pid'), l.ns);
    assert.equal(nspidOf(l.init).length, l.level + 1);
  }
  const trace = traceChain(ready.levels, mounts);
  run.child.kill('SIGTERM');
  const r = await run.exited;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(run.events.at(-1), { event: 'exit', reason: 'destroyed', status: 0 });
  await assertNothingRemains(trace);
});

test('pidns create --help explains the command; pidns --help lists it', () => {
  const help = spawnSync(process.execPath, [pidnsBundle(), 'create', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: pidns create --depth N \[--no-mount-proc\] \[--json\] \[-- COMMAND \[ARGS...\]\]/);
  assert.match(spawnSync(process.execPath, [pidnsBundle(), '--help'], { encoding: 'utf8' }).stdout, /^ {2}create /m);
});

test('depth 33 from the host fails at once with the limit and why; 0, -1, x and a missing depth are usage errors', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [pidnsBundle(), 'create', ...args], { encoding: 'utf8', timeout: 10_000 });
  const deep = cli('--depth', '33');
  assert.equal(deep.status, 1);
  assert.match(
    deep.stderr,
    /depth 33 is too deep: the kernel allows at most 32 nested PID namespace levels below the initial one.*at most 32 more/,
  );
  for (const bad of [['--depth', '0'], ['--depth', '-1'], ['--depth', 'x'], ['--depth', '1.5'], []]) {
    const r = cli(...bad);
    assert.equal(r.status, 2, `${bad.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^pidns: create: .*depth/);
  }
});

test("inside level k, /proc lists exactly the seed's /procK PIDs for its five-level run, and each init has PID 1, PPID 0", async (t) => {
  const run = runCreate(t, ['--depth', '5']);
  const ready = await run.ready;
  for (const { level, init } of ready.levels) {
    // The seed's multi_pidns 5: level 1 (its /proc4) lists 1..5, …, level 5 (its /proc0) lists 1.
    const out = execFileSync('nsenter', ['-t', String(init), '-p', '-m', 'sh', '-c', 'echo $$; exec ls /proc'], { encoding: 'utf8' });
    const [self, ...entries] = out.trim().split('\n');
    const pids = entries
      .filter((e) => /^\d+$/.test(e))
      .map(Number)
      .filter((p) => p !== Number(self))
      .sort((a, b) => a - b);
    assert.deepEqual(
      pids,
      Array.from({ length: 6 - level }, (_, i) => i + 1),
      `level ${level}`,
    );
    const status = execFileSync('nsenter', ['-t', String(init), '-p', '-m', 'cat', '/proc/1/status', `/proc/${6 - level}/status`], {
      encoding: 'utf8',
    });
    assert.match(status, /^Pid:\s+1$/m);
    assert.match(status, /^PPid:\s+0$/m);
    // The sleeper is the innermost level's PID 1, at PID 6-k in level k, as the seed's `grep Name:.*sleep` shows.
    assert.match(status.split('Name:')[2], /^\s*pidns-sleep/);
  }
  run.child.kill('SIGINT');
  assert.equal((await run.exited).code, 0);
});

test('--no-mount-proc: the levels keep our mount namespace (and our /proc) but get their own PID namespaces', async (t) => {
  const mounts = procMounts();
  const run = runCreate(t, ['--depth', '3', '--no-mount-proc']);
  const ready = await run.ready;
  for (const l of ready.levels) {
    assert.equal(nsInode(l.init, 'mnt'), nsInode('self', 'mnt'));
    assert.notEqual(nsInode(l.init, 'pid'), nsInode('self', 'pid'));
  }
  const ps = execFileSync('nsenter', ['-t', String(ready.leaf), '-p', 'sh', '-c', 'ls /proc | grep -c "^[0-9]"'], { encoding: 'utf8' });
  assert.ok(Number(ps) > 3, 'without a private procfs the host /proc is what a level sees');
  const trace = traceChain(ready.levels, mounts);
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
  await assertNothingRemains(trace);
});

test('SIGKILL of the CLI takes the whole chain down: no process, mount namespace or proc mount remains', async (t) => {
  const mounts = procMounts();
  const run = runCreate(t, ['--depth', '8']);
  const ready = await run.ready;
  const trace = traceChain(ready.levels, mounts);
  assert.equal(trace.mountNamespaces.length, 8);
  run.child.kill('SIGKILL');
  await run.exited;
  await assertNothingRemains(trace);
});

test('killing a middle init removes that level and every level below; the levels above stay until SIGTERM', async (t) => {
  const mounts = procMounts();
  const run = runCreate(t, ['--depth', '5']);
  const ready = await run.ready;
  const trace = traceChain(ready.levels, mounts);
  process.kill(ready.levels[2].init, 'SIGKILL');
  await waitFor('gone event', () => run.events.some((e) => e.event === 'gone'));
  assert.deepEqual(
    run.events.find((e) => e.event === 'gone'),
    { event: 'gone', level: 3, status: 128 + 9 },
  );
  await assertNothingRemains(traceFrom(trace, 2));
  for (const l of ready.levels.slice(0, 2)) assert.equal(statusField(l.init, 'Name'), 'pidns-init', `level ${l.level} stays`);
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
  await assertNothingRemains(trace);
});

test("a COMMAND runs as the innermost PID 1 and its exit status becomes the CLI's", async (t) => {
  const run = runCreate(t, ['--depth', '2', '--', 'sh', '-c', 'test $$ = 1 && exit 7']);
  await run.ready;
  const r = await run.exited;
  assert.equal(r.code, 7, r.stderr);
  assert.deepEqual(run.events.at(-1), { event: 'exit', reason: 'leaf-exited', status: 7 });
});

test('a leaf that ends at once still gets a complete ready line first; a missing command fails the build', async (t) => {
  const run = runCreate(t, ['--depth', '3', '--', 'true']);
  const r = await run.exited;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    run.events.map((e) => e.event),
    ['ready', 'gone', 'exit'],
  );
  const ready = run.events[0] as unknown as { levels: unknown[]; leaf: number };
  assert.equal(ready.levels.length, 3);
  assert.deepEqual(run.events[1], { event: 'gone', level: 3, status: 0 });
  const missing = spawnSync(process.execPath, [pidnsBundle(), 'create', '--depth', '2', '--', 'no-such-command-here'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^pidns: creating level 2 \(find the command\) failed: ENOENT \(errno 2\): the command was not found/);
  assert.equal(missing.stdout, '', 'no ready line for a chain that never was');
});

test('when its parent dies, the CLI tears the chain down and exits', async (t) => {
  const mounts = procMounts();
  // sh is the parent; the CLI runs in the background of it, so SIGKILL of sh orphans the CLI.
  const sh = spawn('sh', ['-c', `"${process.execPath}" "${pidnsBundle()}" create --json --depth 3 & wait`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  t.after(() => {
    try {
      process.kill(-sh.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  const ready = await new Promise<{ levels: { init: number }[] }>((resolve) =>
    createInterface({ input: sh.stdout! }).on('line', (l) => {
      const e = JSON.parse(l) as { event: string; levels: { init: number }[] };
      if (e.event === 'ready') resolve(e);
    }),
  );
  const cli = Number(readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, 'utf8').trim());
  assert.equal(statusField(cli, 'PPid'), String(sh.pid));
  const cliRef = procRef(cli);
  const trace = traceChain(ready.levels, mounts);
  sh.kill('SIGKILL');
  await waitFor('the CLI exits', () => isGone(cliRef) || statusField(cli, 'State').startsWith('Z'));
  await assertNothingRemains(trace);
});

test('from a PID namespace at level 1 the room is 31: depth 32 fails saying so, depth 31 works', () => {
  // unshare puts the CLI one level down (with its own /proc, so NSpid there starts at that level).
  const nested = (...args: string[]) =>
    spawnSync('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, pidnsBundle(), 'create', ...args], {
      encoding: 'utf8',
      timeout: 20_000,
    });
  const deep = nested('--depth', '32');
  assert.equal(deep.status, 1, deep.stderr);
  assert.match(deep.stderr, /depth 32 is too deep: .*this runs in a PID namespace at level 1, so at most 31 more can be created here/);
  // Two levels down, each with its own /proc: NSpid cannot tell the depth, the kernel's ENOSPC does.
  const twice = spawnSync(
    'unshare',
    [
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      'unshare',
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      process.execPath,
      pidnsBundle(),
      'create',
      '--depth',
      '31',
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(twice.status, 1, twice.stderr);
  assert.match(
    twice.stderr,
    /^pidns: depth 31 is too deep: .*at level 2, so at most 30 more can be created here \(creating level 31 failed with ENOSPC\)\n$/,
  );
  const ok = nested('--json', '--depth', '31', '--', 'true');
  assert.equal(ok.status, 0, ok.stderr);
  const ready = JSON.parse(ok.stdout.split('\n')[0]) as { levels: unknown[] };
  assert.equal(ready.levels.length, 31);
});

test('as root under sudo or pkexec, the leaf runs as the user who asked (SUDO_UID / PKEXEC_UID)', async (t) => {
  const user = withTestUser(t);
  for (const variable of ['SUDO_UID', 'PKEXEC_UID']) {
    const run = runCreate(t, ['--depth', '2'], undefined, { [variable]: String(user.uid) });
    const ready = await run.ready;
    assert.equal(statusField(ready.leaf, 'Uid').split(/\s+/)[0], String(user.uid), variable);
    assert.equal(statusField(ready.levels[0].init, 'Uid').split(/\s+/)[0], '0');
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  }
});
