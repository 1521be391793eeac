// The guided experiments on the real kernel: every lesson of shared/core/lessons.ts runs through the same
// code as `pidns demo`, and every fact the demo prints and the walkthrough says must hold. Each test also
// proves that the lesson left nothing behind (no process of its chains or tools, no mount namespace with a
// process in it, no proc mount in ours), and reads a few facts a second time, independently, from /proc.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LESSONS, factsOf, type FactResult } from '../../shared/core/lessons';
import type { ChainInfo } from '../../shared/helperProtocol';
import { startLesson } from '../../helper-native/src/demo/runLesson';
import { LESSON_BODIES } from '../../helper-native/src/demo/lessonSteps';
import { nspidOf } from '../support/kernelTruth';
import { pidnsBundle } from './support/nativeTools';
import {
  assertNothingRemains,
  isGone,
  procMounts,
  procRef,
  traceChain,
  waitFor,
  withTestUser,
  type ChainTrace,
  type ProcRef,
} from './support/chains';
import { asUser } from './support/asUser';

interface LessonOutcome {
  results: FactResult[];
  lines: string[];
  chains: ChainInfo[];
  /** NSpid of every level's init, read by the test itself right after each chain was built. */
  nspids: (number[] | undefined)[][];
}

async function runAndCheck(t: TestContext, name: string): Promise<LessonOutcome> {
  const mounts = procMounts();
  const traces: ChainTrace[] = [];
  const chains: ChainInfo[] = [];
  const nspids: (number[] | undefined)[][] = [];
  const lines: string[] = [];
  const started = startLesson(name, {
    out: (l) => lines.push(l),
    onChain: (c) => {
      chains.push(c);
      nspids.push(c.levels.map((l) => nspidOf(l.init)));
      traces.push(traceChain(c.levels, mounts));
    },
  });
  t.after(() => started.run.cleanup());
  const results = await started.done;
  const failed = results.filter((r) => !r.ok);
  assert.deepEqual(failed, [], `claims that did not hold:\n${lines.join('\n')}`);
  assert.deepEqual(
    results.map((r) => r.id),
    factsOf(LESSONS.find((l) => l.name === name)!).map((f) => f.id),
  );
  for (const trace of traces) await assertNothingRemains(trace);
  const leftover = started.run.startedProcesses().filter((p) => !isGone(p));
  assert.deepEqual(leftover, [], 'every process the lesson started outside its chains is gone');
  return { results, lines, chains, nspids };
}

test('every lesson has steps on the kernel, and every fact a step to check it', () => {
  assert.deepEqual(Object.keys(LESSON_BODIES).sort(), LESSONS.map((l) => l.name).sort());
});

test('levels: the leaf of five levels reads 5 4 3 2 1; every init is PID 1 with parent 0 inside', async (t) => {
  const o = await runAndCheck(t, 'levels');
  // Read again here, not through the demo: the leaf's NSpid after the host column.
  assert.deepEqual(o.nspids[0][4]?.slice(1), [5, 4, 3, 2, 1]);
  assert.ok(
    o.lines.some((l) => /level 5 init \(the leaf\)\s+host \d+ \/ 5 \/ 4 \/ 3 \/ 2 \/ 1$/.test(l)),
    'the demo prints the leaf at every level',
  );
});

test('proc: level 3 lists 1 2 3, level 1 lists 1 2 3 4 5', async (t) => {
  const o = await runAndCheck(t, 'proc');
  assert.ok(o.lines.some((l) => l.includes('ls /proc in level 3') && l.endsWith(': 1 2 3')));
});

test('orphan: re-parented to its level init (PPID 1 inside), which reaps it', async (t) => {
  await runAndCheck(t, 'orphan');
});

test('signals: from inside a PID 1 ignores SIGUSR1 and SIGKILL; SIGKILL from an ancestor empties its namespace', async (t) => {
  await runAndCheck(t, 'signals');
});

test("middle: killing level 3's init removes levels 3 to 5; levels 1 and 2 stay", async (t) => {
  await runAndCheck(t, 'middle');
});

test('unshare-setns: the caller stays, pid_for_children pending, first child PID 1; setns joins with the next PID', async (t) => {
  const o = await runAndCheck(t, 'unshare-setns');
  assert.equal(o.chains.length, 1);
});

/** `pidns demo ARGS` as a user runs it, killed (its process group) when the test ends. */
function runDemo(t: TestContext, args: string[]) {
  const child = spawn(process.execPath, [pidnsBundle(), 'demo', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  const exited = new Promise<{ code: number | null; stderr: string }>((r) => child.on('close', (code) => r({ code, stderr })));
  return { child, lines, exited };
}

test('pidns demo: the list without a name, exit 2 for an unknown lesson, exit 0 with every claim held', async (t) => {
  const list = runDemo(t, []);
  assert.equal((await list.exited).code, 0);
  for (const l of LESSONS)
    assert.ok(
      list.lines.some((line) => line.trim().startsWith(l.name + ' ')),
      `lists ${l.name}`,
    );
  const bad = runDemo(t, ['nope']);
  const badEnd = await bad.exited;
  assert.equal(badEnd.code, 2);
  assert.match(badEnd.stderr, /no lesson 'nope'/);
  const ok = runDemo(t, ['orphan', '--pause', '0']);
  assert.equal((await ok.exited).code, 0);
  assert.equal(ok.lines.filter((l) => l.trim().startsWith('✓')).length, 3);
  assert.match(ok.lines.at(-1) ?? '', /^All 3 claims held/);
});

test('pidns demo: Ctrl-C in the middle of a lesson removes every level it built and exits 130', async (t) => {
  const mounts = procMounts();
  const demo = runDemo(t, ['middle', '--pause', '3000']);
  const inits: ProcRef[] = [];
  await waitFor(
    'the five levels printed',
    () => demo.lines.filter((l) => /^ {4}level \d {2}pid:\[\d+\] {2}init host PID \d+$/.test(l)).length === 5,
    15_000,
  );
  for (const l of demo.lines) {
    const m = /^ {4}level \d {2}pid:\[\d+\] {2}init host PID (\d+)$/.exec(l);
    if (m) inits.push(procRef(Number(m[1])));
  }
  const trace = traceChain(
    inits.map((p) => ({ init: p.pid })),
    mounts,
  );
  assert.ok(
    inits.every((p) => !isGone(p)),
    'the levels are alive before Ctrl-C',
  );
  demo.child.kill('SIGINT');
  const end = await demo.exited;
  assert.equal(end.code, 130, end.stderr);
  assert.match(end.stderr, /SIGINT: removing everything the lesson made/);
  await assertNothingRemains(trace);
});

test('pidns demo as a non-root user: every lesson holds (chains inside a user namespace of the user), and no process of the user remains', async (t) => {
  const user = withTestUser(t, 'pidns-lessons-test');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: '/tmp' };
  delete env.SUDO_UID;
  delete env.PKEXEC_UID;
  for (const l of LESSONS) {
    const [cmd, ...args] = asUser(user, [process.execPath, pidnsBundle(), 'demo', l.name, '--pause', '0']);
    const r = spawnSync(cmd, args, { encoding: 'utf8', env, cwd: '/', timeout: 60_000 });
    assert.equal(r.status, 0, `${l.name} as uid ${user.uid}:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`All ${factsOf(l).length} claims held`));
  }
  await waitFor('no process of the user left', () => {
    try {
      execFileSync('pgrep', ['-u', String(user.uid)]);
      return false;
    } catch {
      return true; // pgrep exits 1 when nothing matches
    }
  });
});
