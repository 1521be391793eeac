// The holder pass's per-process half on a worker thread (helper-native/src/scan/holderThread.ts), on the real
// kernel: beside the process pass it finds the same fd- and mount-held namespaces as the pass read in the
// caller's thread; a worker that fails to start, never serves or never answers costs at most its join
// timeout and changes nothing in the result; and the CLI bundle, run as that worker, serves without
// running a command. Every mount, file and process is removed in t.after, also when an assertion failed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NsHolder, Snapshot } from '../../shared/core/types';
import { disableHolderThread, enableHolderThread, warmHolderThread } from '../../helper-native/src/scan/holderThread';
import { Poller, takeSnapshot } from '../../helper-native/src/scan/poller';
import { repoRoot } from '../../bench/load';
import { PIDNS_JS, requireBuilt, startGroup, waitFor } from './support/discovery';
import { isMounted, linkInode } from './support/persistent';

interface Held {
  mounted: { inode: number; file: string };
  opened: { inode: number; pid: number };
}

/** A namespace held only by a bind mount, and one held only by fd 5 of a sleeping process. */
async function heldNamespaces(t: TestContext): Promise<Held> {
  const dir = mkdtempSync('/run/pidns-persist-');
  const file = join(dir, 'held');
  writeFileSync(file, '');
  t.after(() => {
    if (isMounted(file)) spawnSync('umount', ['-l', file]);
    assert.equal(isMounted(file), false, `${file} is unmounted`);
    rmSync(dir, { recursive: true, force: true });
  });
  const r = spawnSync('unshare', [`--pid=${file}`, '--fork', 'true'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `unshare --pid=${file}: ${r.stderr}`);
  const mounted = { inode: statSync(file).ino, file };

  const group = startGroup(['unshare', '--pid', '--fork', '--kill-child', 'sleep', '1000']);
  t.after(() => group.stop());
  const self = linkInode('/proc/self/ns/pid');
  const inode = await waitFor(
    () => {
      const ns = linkInode(`/proc/${group.pgid}/ns/pid_for_children`);
      return ns !== null && ns !== self ? ns : undefined;
    },
    10_000,
    'the namespace unshare created',
  );
  const holder = startGroup(['sh', '-c', `exec 5</proc/${group.pgid}/ns/pid_for_children; exec sleep 1000`]);
  t.after(() => holder.stop());
  await waitFor(() => linkInode(`/proc/${holder.pgid}/fd/5`) === inode, 10_000, 'the holder to open the namespace as fd 5');
  await group.stop();
  return { mounted, opened: { inode, pid: holder.pgid } };
}

function heldBy(s: Snapshot, inode: number): NsHolder[] | undefined {
  return s.namespaces.find((n) => n.inode === inode)?.heldBy;
}

/**
 * Both held namespaces found, each with its holder. The mount is seen in our mount namespace and in every
 * other one that /run propagates to (other work on the host makes them): those come after ours.
 */
function assertHeld(s: Snapshot, held: Held, how: string): void {
  assert.deepEqual(heldBy(s, held.mounted.inode)?.[0], { kind: 'mount', path: held.mounted.file }, `${how}: the bind-mounted namespace`);
  assert.deepEqual(heldBy(s, held.opened.inode), [{ kind: 'fd', pid: held.opened.pid, fd: 5 }], `${how}: the fd-held namespace`);
}

test('read beside on a worker: the same held namespaces as read in the caller, in a snapshot and a first poll', async (t) => {
  t.after(() => disableHolderThread());
  const held = await heldNamespaces(t);

  disableHolderThread();
  const inCaller = takeSnapshot();
  assertHeld(inCaller, held, 'read in the caller');

  enableHolderThread({ minProcesses: 0 });
  assert.equal(await warmHolderThread(), true, 'the worker serves');
  const beside = takeSnapshot();
  assertHeld(beside, held, 'read on the worker');
  for (const inode of [held.mounted.inode, held.opened.inode])
    assert.deepEqual(heldBy(beside, inode), heldBy(inCaller, inode), `pid:[${inode}]: the same holders either way`);

  const poller = new Poller();
  t.after(() => poller.close());
  assertHeld(poller.poll().snapshot, held, "a poller's first pass");
  const stats = poller.holderStats;
  assert.ok(stats !== null && stats.readByWorker > 0, `the first pass took the worker's refs (${JSON.stringify(stats)})`);

  // A pass over fewer processes than the threshold reads in the caller.
  enableHolderThread({ minProcesses: 1_000_000 });
  const small = new Poller();
  t.after(() => small.close());
  assertHeld(small.poll().snapshot, held, 'below the threshold');
  assert.equal(small.holderStats?.readByWorker, 0, 'below the threshold nothing is read beside');
});

test('a worker that fails to start, never serves or never answers: the pass reads in the caller, within the join timeout', async (t) => {
  t.after(() => disableHolderThread());
  const held = await heldNamespaces(t);
  const dir = mkdtempSync('/tmp/pidns-worker-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string): string => {
    const f = join(dir, name);
    writeFileSync(f, body);
    return f;
  };
  const workers = {
    'throws as it loads': script('throws.js', "throw new Error('broken worker');\n"),
    'is not there': join(dir, 'missing.js'),
    'never serves': script('silent.js', 'setInterval(() => {}, 1000);\n'),
    // Says it serves and never answers. It claims every job to come before it says so (holderThread's claim
    // slot, [1]): a job posted to a thread runs only when that thread gets the core, and in a small /proc the
    // caller's process pass can end first (5 ms in one CI run), so a claim made on the message would race.
    // It also takes all PIDs (the job's cursor) of each job it gets in time. The pass reads whatever is
    // missing itself after the join timeout.
    'takes a job and never answers': script(
      'mute.js',
      "const { workerData, parentPort } = require('node:worker_threads');\nAtomics.store(workerData.state, 1, 0x7fffffff);\nparentPort.postMessage('ready');\nparentPort.on('message', (job) => { Atomics.add(job.work, 0, job.work.length); });\n",
    ),
  };
  for (const [what, file] of Object.entries(workers)) {
    enableHolderThread({ file, minProcesses: 0, joinTimeoutMs: 300 });
    const ready = await Promise.race([warmHolderThread(), new Promise<string>((r) => setTimeout(() => r('pending'), 1000))]);
    assert.equal(
      ready,
      what === 'takes a job and never answers' ? true : what === 'never serves' ? 'pending' : false,
      `a worker that ${what}: started`,
    );
    const poller = new Poller();
    try {
      const began = performance.now();
      const s = poller.poll().snapshot;
      const ms = performance.now() - began;
      assertHeld(s, held, `a worker that ${what}`);
      assert.equal(poller.holderStats?.readByWorker, 0, `a worker that ${what}: the refs were read in the caller`);
      assert.ok(ms < 300 + 2_000, `a worker that ${what}: the pass took ${ms.toFixed(0)} ms (join timeout 300 ms)`);
      // The job was claimed by it before the pass began: the pass waited out the timeout.
      if (what === 'takes a job and never answers') assert.ok(ms >= 300, `the pass waited for the join timeout (${ms.toFixed(0)} ms)`);
    } finally {
      poller.close();
    }
  }
});

test('the CLI bundle run as the worker serves and runs no command', (t) => {
  requireBuilt();
  // A child process: the worker's own stderr is the process's, where a CLI run by mistake would write.
  const out = join(repoRoot(), 'out');
  const program = `
    const { enableHolderThread, warmHolderThread } = require(${JSON.stringify(join(out, 'helper-native/src/scan/holderThread.js'))});
    const { Poller } = require(${JSON.stringify(join(out, 'helper-native/src/scan/poller.js'))});
    enableHolderThread({ file: ${JSON.stringify(PIDNS_JS)}, minProcesses: 0 });
    warmHolderThread().then((ok) => {
      const p = new Poller();
      p.poll();
      process.stdout.write(JSON.stringify({ ok, stats: p.holderStats }));
      p.close();
    });
  `;
  const r = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8', timeout: 30_000 });
  t.diagnostic(`stdout ${r.stdout} stderr ${r.stderr}`);
  assert.equal(r.status, 0, `exit status (stderr: ${r.stderr})`);
  assert.equal(r.stderr, '', 'nothing on stderr: the bundle ran no command on the worker');
  const { ok, stats } = JSON.parse(r.stdout) as { ok: boolean; stats: { readByWorker: number; processes: number } };
  assert.equal(ok, true, 'dist/pidns.js serves as the worker');
  assert.ok(stats.readByWorker > 0, `the pass took the worker's refs (${stats.readByWorker} of ${stats.processes})`);
});
