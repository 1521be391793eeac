// The incremental Poller against the real kernel: the targeted rereads that replace a full rescan must
// catch what can change in a live process: exec soon after fork (young processes are rechecked),
// re-parenting when a parent dies, a child turning zombie (its pidfd fires), exits; and a steady poll
// with nothing of ours changing must not report our processes as changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Poller } from '../../helper-native/src/scan/poller';
import { ExitWatch } from '../../helper-native/src/scan/exitWatch';
import type { ProcessInfo } from '../../shared/core/types';
import { startGroup, waitFor, type Group } from './support/discovery';
import { groupMembers } from '../../bench/load';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function find(poller: Poller, pred: (p: ProcessInfo) => boolean): ProcessInfo | undefined {
  return poller.poll().snapshot.processes.find(pred);
}

test('poller: exec after fork, re-parenting, zombie, exit', async (t) => {
  // No rotating refresh: only the targeted rereads may bring changes in.
  const poller = new Poller({ refreshPerPoll: 0, refreshRoundPolls: 0 });
  const groups: Group[] = [];
  t.after(async () => {
    poller.close();
    for (const g of groups) await g.stop();
  });
  poller.poll();

  await t.test('a process first seen before its exec gets its new comm on the next poll', async (tt) => {
    // The sh waits on a FIFO, so the poller sees it before its exec however slow the machine is, and the
    // exec happens when the test says so.
    const dir = mkdtempSync(join(tmpdir(), 'pidns-poller-'));
    tt.after(() => rmSync(dir, { recursive: true, force: true }));
    const fifo = join(dir, 'go');
    execFileSync('mkfifo', [fifo]);
    const g = startGroup(['sh', '-c', 'read go < "$0"; exec sleep 1000', fifo]);
    groups.push(g);
    const first = await waitFor(() => find(poller, (p) => p.pid === g.pgid), 5000, 'the sh');
    const seenAt = Date.now();
    assert.equal(first.comm, 'sh', 'seen before the exec');
    await writeFile(fifo, 'go\n');
    await waitFor(() => readFileSync(`/proc/${g.pgid}/comm`, 'utf8') === 'sleep\n', 5000, 'the exec, in /proc');
    // Rechecked on every poll only while young (YOUNG_MS, 2 s, in poller.ts): the exec must land inside that window.
    assert.ok(Date.now() - seenAt < 2000, `the exec came ${Date.now() - seenAt} ms after the first sight, past the young window`);
    assert.equal(find(poller, (p) => p.pid === g.pgid)?.comm, 'sleep', 'the very next poll has the new comm');
  });

  await t.test('a child whose parent dies is re-parented in the model', async () => {
    const g = startGroup(['sh', '-c', 'sleep 1000 & wait']);
    groups.push(g);
    const child = await waitFor(() => find(poller, (p) => p.ppid === g.pgid && p.comm === 'sleep'), 5000, 'the background sleep');
    process.kill(g.pgid, 'SIGKILL');
    const moved = await waitFor(
      () => {
        const p = find(poller, (x) => x.pid === child.pid);
        return p && p.ppid !== g.pgid ? p : undefined;
      },
      5000,
      're-parenting',
    );
    assert.notEqual(moved.ppid, g.pgid);
    assert.equal(moved.startTime, child.startTime, 'same process, not a new one');
  });

  await t.test('a child that exits unreaped becomes Z; killed processes disappear', async () => {
    // After the exec, `sleep 1000` is the parent of the short sleep and never reaps it.
    const g = startGroup(['sh', '-c', 'sleep 0.1 & exec sleep 1000']);
    groups.push(g);
    const zombie = await waitFor(() => find(poller, (p) => p.ppid === g.pgid && p.state === 'Z'), 5000, 'the zombie');
    assert.equal(zombie.comm, 'sleep');
    await g.stop();
    await waitFor(() => !poller.poll().snapshot.processes.some((p) => p.pid === g.pgid || p.pid === zombie.pid), 5000, 'both to disappear');
  });

  await t.test('a steady process is not reported as changed', async () => {
    const g = startGroup(['sleep', '1000']);
    groups.push(g);
    await waitFor(() => find(poller, (p) => p.pid === g.pgid && p.comm === 'sleep'), 5000, 'the sleep');
    // Past the young window (rechecked every poll while young, its state letter may still move).
    await sleep(2200);
    const before = find(poller, (p) => p.pid === g.pgid);
    for (let i = 0; i < 5; i++)
      assert.equal(
        find(poller, (p) => p.pid === g.pgid),
        before,
        'the very same record object',
      );
  });
});

test('poller: a settled process that is stopped shows state T within refreshRoundPolls polls, however many processes', async (t) => {
  // A floor of 1 a poll alone would take as many polls as there are processes (hundreds here); the round
  // bound of 5 must bring the change in within 5 polls (+1 for where the cursor happens to stand).
  const poller = new Poller({ refreshPerPoll: 1, refreshRoundPolls: 5 });
  const g = startGroup(['sleep', '1000']);
  t.after(async () => {
    poller.close();
    await g.stop();
  });
  await waitFor(() => find(poller, (p) => p.pid === g.pgid && p.comm === 'sleep'), 5000, 'the sleep');
  await sleep(2200); // older than the young-process window: only the rotation rereads it now
  poller.poll();
  const total = poller.poll().snapshot.processes.length;
  assert.ok(total > 30, `enough processes that a floor of 1 could not do it: ${total}`);
  process.kill(g.pgid, 'SIGSTOP');
  await sleep(100);
  let polls = 0;
  while (polls < 6 && find(poller, (p) => p.pid === g.pgid)?.state !== 'T') polls++;
  assert.ok(polls < 6, `still not stopped after ${polls} polls`);
  process.kill(g.pgid, 'SIGCONT');
});

test('poller: a host with more processes than the fd limit is scanned whole, past the pidfds it can hold', async (t) => {
  // 400 sleepers, and the poller in a child limited to 256 open files: pidfds stop short of the limit, the
  // scan still opens /proc files, and every process is listed (watched or not). Before the reserve, the
  // pidfds took every fd and the next read of /proc failed the scan with EMFILE.
  const g = startGroup(['sh', '-c', 'for i in $(seq 400); do sleep 1000 & done; wait']);
  t.after(() => g.stop());
  await waitFor(() => groupMembers(g.pgid).length >= 401, 10_000, '400 sleepers');
  const script = `
    const { Poller } = require(${JSON.stringify(require.resolve('../../helper-native/src/scan/poller'))});
    const p = new Poller();
    const first = p.poll().snapshot.processes.length;
    const again = p.poll().snapshot.processes.length;
    p.close();
    console.log(JSON.stringify({ first, again }));`;
  const out = execFileSync('prlimit', ['--nofile=256:256', process.execPath, '-e', script], { encoding: 'utf8' });
  const r = JSON.parse(out) as { first: number; again: number };
  const visible = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
  assert.ok(r.first >= 401 && r.first >= visible - 50, `scanned ${r.first} of about ${visible} processes`);
  assert.ok(Math.abs(r.again - r.first) < 50, `a second poll lists them too (${r.again})`);
});

test('ExitWatch: a watched process is reported once it exits, not before; a PID that is gone cannot be watched', async (t) => {
  const group = startGroup(['sleep', '1000']);
  t.after(() => group.stop());
  const watch = new ExitWatch();
  t.after(() => watch.close());
  assert.equal(watch.supported, true, 'this kernel has pidfd_open');
  assert.equal(watch.watch(group.pgid), true, 'a live process is watched');
  assert.deepEqual(watch.exited(), [], 'nothing exited yet');
  process.kill(group.pgid, 'SIGKILL');
  await waitFor(() => (watch.exited().includes(group.pgid) ? true : undefined), 5_000, 'the exit to be reported');
  await group.stop();
  // A PID no process has (past pid_max).
  assert.equal(watch.watch(2 ** 22 + 1), false, 'a PID that is not there is not watched');
});
