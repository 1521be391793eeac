// Hostile input to a ROOT helper acting for an unprivileged user (PKEXEC_UID=nobody, as pkexec would set
// it): a generated corpus of malformed, oversized, mistyped and out-of-range requests, signals to processes
// the user does not own, shell metacharacters in commands, requests after destroy. Every line must get an
// error reply with the right code, nothing may run as root on the user's behalf, and the helper must still
// answer a snapshot after each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { ChainExitedEvent, ErrorCode, HelperResponse } from '../../shared/helperProtocol';
import { RawHelper } from './support/rawHelper';
import { pidnsBundle } from './support/nativeTools';
import { startTimeAt } from '../../helper-native/src/demo/procView';
import { waitFor } from '../support/poll';
import { asUser } from './support/asUser';

const NOBODY = 65534;
const ROOT_ENV = { ...process.env, PKEXEC_UID: String(NOBODY) };

async function rootHelper(t: { after: (fn: () => unknown) => void }): Promise<RawHelper> {
  const h = new RawHelper(ROOT_ENV);
  t.after(() => h.close());
  const hello = await h.hello();
  assert.equal(hello.uid, 0);
  assert.equal(hello.actingForUid, NOBODY);
  return h;
}

function errorOf(r: HelperResponse): { id: number | null; code: ErrorCode | 'ok' } {
  return { id: r.id, code: r.ok ? 'ok' : r.error.code };
}

/** The helper still serves: a snapshot request right after each hostile one. */
async function stillServes(h: RawHelper, after: string): Promise<void> {
  const r = await h.ask('{"id":999999,"op":"snapshot"}');
  assert.ok(r.ok && r.id === 999999 && r.op === 'snapshot', `no snapshot after ${after}: ${JSON.stringify(r).slice(0, 300)}`);
}

interface Case {
  line: string;
  code: ErrorCode;
  /** Expected id in the reply: the request's when it is a valid one, else null. */
  id: number | null;
}

function corpus(): Case[] {
  const c = (line: string, code: ErrorCode, id: number | null = null): Case => ({ line, code, id });
  const cases: Case[] = [
    c('{"id":1,"op":', 'parse'),
    c('not json at all', 'parse'),
    c('\u0000\u0001\u00ff binary', 'parse'),
    c('[1,2,3]', 'parse'),
    c('"snapshot"', 'parse'),
    c('null', 'parse'),
    c('42', 'parse'),
    c('{"op":"snapshot"}', 'bad-request'),
    c('{"id":"1","op":"snapshot"}', 'bad-request'),
    c('{"id":1.5,"op":"snapshot"}', 'bad-request'),
    c('{"id":-1,"op":"snapshot"}', 'bad-request'),
    c('{"id":1e300,"op":"snapshot"}', 'bad-request'),
    c('{"id":[1],"op":"snapshot"}', 'bad-request'),
    c('{"id":2,"op":5}', 'bad-request', 2),
    c('{"id":3,"op":"exec","command":["id"]}', 'bad-request', 3),
    c('{"id":4,"op":"__proto__"}', 'bad-request', 4),
    c('{"id":5,"op":"constructor"}', 'bad-request', 5),
    c('{"id":6,"op":"toString"}', 'bad-request', 6),
    c('{"id":7,"op":"snapshot","__proto__":{"admin":true}}', 'bad-request', 7),
    c('{"id":8,"op":"snapshot","extra":1}', 'bad-request', 8),
    c('{"id":27,"op":"snapshot","constructor":{"prototype":{"admin":true}}}', 'bad-request', 27),
    c('{"id":28,"op":"create","depth":1,"toString":"x"}', 'bad-request', 28),
    c('{"id":9,"op":"subscribe"}', 'bad-request', 9),
    c('{"id":10,"op":"subscribe","intervalMs":"100"}', 'bad-request', 10),
    c('{"id":11,"op":"subscribe","intervalMs":5}', 'bad-request', 11),
    c('{"id":12,"op":"subscribe","intervalMs":1e9}', 'bad-request', 12),
    c('{"id":13,"op":"create","depth":5,"command":"id; touch /tmp/pwned"}', 'bad-request', 13),
    c('{"id":14,"op":"create","depth":5,"command":[]}', 'bad-request', 14),
    c('{"id":15,"op":"create","depth":5,"command":[""]}', 'bad-request', 15),
    c('{"id":16,"op":"create","depth":5,"command":["sh","a\\u0000b"]}', 'bad-request', 16),
    c(`{"id":17,"op":"create","depth":5,"command":${JSON.stringify(Array(300).fill('x'))}}`, 'bad-request', 17),
    c('{"id":18,"op":"create","depth":5,"command":[1,2]}', 'bad-request', 18),
    c('{"id":19,"op":"create","depth":5,"mountProc":"yes"}', 'bad-request', 19),
    c('{"id":20,"op":"create","depth":5,"uid":0}', 'bad-request', 20),
    c('{"id":21,"op":"destroy","chainId":"../../etc/passwd"}', 'bad-request', 21),
    c('{"id":22,"op":"destroy","chainId":"chain-1; rm -rf /"}', 'bad-request', 22),
    c('{"id":23,"op":"destroy","chainId":"no-such-chain"}', 'not-found', 23),
    c('{"id":24,"op":"orphan","chainId":"no-such-chain","level":1}', 'not-found', 24),
    c('{"id":25,"op":"orphan","chainId":"x","level":1,"lifetimeMs":-5}', 'bad-request', 25),
    c('{"id":26,"op":"signal","pid":1}', 'bad-request', 26),
  ];
  // Depths out of range or of the wrong type: the protocol allows 1..32 integers only. Whole numbers past
  // the kernel's limit are answered 'limit' (with the reason), everything else 'bad-request'.
  for (const [i, depth] of ['0', '-1', '1.5', '"5"', 'null', 'true', '[5]', '{"n":5}', '1e400'].entries()) {
    cases.push(c(`{"id":${100 + i},"op":"create","depth":${depth}}`, 'bad-request', 100 + i));
  }
  for (const [i, depth] of ['33', '40', '1e9'].entries()) {
    cases.push(c(`{"id":${120 + i},"op":"create","depth":${depth}}`, 'limit', 120 + i));
  }
  // PIDs that are no PIDs, and signals that are no signals.
  for (const [i, pid] of ['0', '-1', '1.5', '"1"', '1e10', 'null'].entries()) {
    cases.push(c(`{"id":${200 + i},"op":"signal","pid":${pid},"signal":"TERM"}`, 'bad-request', 200 + i));
  }
  for (const [i, sig] of ['0', '65', '-9', '"SIGFOO"', '"KILL; id"', '""', '9.5'].entries()) {
    cases.push(c(`{"id":${300 + i},"op":"signal","pid":${process.pid},"signal":${sig}}`, 'bad-request', 300 + i));
  }
  // Deep nesting, within the line limit.
  cases.push(c(`{"id":400,"op":"snapshot","x":${'['.repeat(30_000)}${']'.repeat(30_000)}}`, 'bad-request', 400));
  cases.push(c(`${'['.repeat(32_000)}${']'.repeat(32_000)}`, 'parse'));
  return cases;
}

test(
  'corpus: every malformed, mistyped or out-of-range request gets the right error reply; the helper keeps serving',
  { timeout: 120_000 },
  async (t) => {
    const h = await rootHelper(t);
    for (const k of corpus()) {
      const r = await h.ask(k.line);
      const what = k.line.length > 120 ? `${k.line.slice(0, 120)}…` : k.line;
      assert.deepEqual(errorOf(r), { id: k.id, code: k.code }, what);
      await stillServes(h, what);
    }
    assert.equal(h.child.exitCode, null);
  },
);

test('a 10 MB line is discarded with too-large, the next request is answered', { timeout: 60_000 }, async (t) => {
  const h = await rootHelper(t);
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  await h.write('{"id":1,"op":"snapshot","pad":"');
  for (let i = 0; i < 10; i++) await h.write(chunk);
  await h.write('"}\n');
  const r = await h.next((m): m is HelperResponse => m.type === 'response');
  assert.deepEqual(errorOf(r), { id: null, code: 'too-large' });
  await stillServes(h, 'the 10 MB line');
  const dup = [await h.ask('{"id":7,"op":"snapshot"}'), await h.ask('{"id":7,"op":"snapshot"}')];
  assert.deepEqual(
    dup.map((d) => [d.id, d.ok]),
    [
      [7, true],
      [7, true],
    ],
    "a reused id is answered each time (ids are the client's business)",
  );
});

function spawnSleeper(uid?: number): ChildProcess {
  return spawn('sleep', ['1000'], { stdio: 'ignore', ...(uid === undefined ? {} : { uid, gid: uid }) });
}

test(
  "signals: PID 1, root processes and the helper itself are refused for the user; the user's own process is allowed",
  { timeout: 60_000 },
  async (t) => {
    const h = await rootHelper(t);
    const rootSleep = spawnSleeper();
    const userSleep = spawnSleeper(NOBODY);
    t.after(() => {
      rootSleep.kill('SIGKILL');
      userSleep.kill('SIGKILL');
    });
    const helperPid = h.child.pid as number;
    const ask = async (pid: number, signal: string, extra = ''): Promise<{ id: number | null; code: ErrorCode | 'ok' }> => {
      const r = errorOf(await h.ask(`{"id":1,"op":"signal","pid":${pid},"signal":"${signal}"${extra}}`));
      await stillServes(h, `signal ${signal} to ${pid}`);
      return r;
    };
    assert.deepEqual(await ask(1, 'KILL'), { id: 1, code: 'not-permitted' });
    assert.deepEqual(await ask(rootSleep.pid as number, 'KILL'), { id: 1, code: 'not-permitted' });
    assert.deepEqual(await ask(helperPid, 'KILL'), { id: 1, code: 'not-permitted' });
    assert.deepEqual(await ask(process.pid, 'TERM'), { id: 1, code: 'not-permitted' });
    assert.deepEqual(await ask(0x3ffffff0, 'TERM'), { id: 1, code: 'not-found' });
    assert.equal(rootSleep.exitCode, null, 'the root process was not touched');
    assert.ok(existsSync(`/proc/${rootSleep.pid}`));

    const userPid = userSleep.pid as number;
    const start = startTimeAt('/proc', userPid) as number;
    assert.deepEqual(
      await ask(userPid, 'TERM', `,"startTime":${start + 1}`),
      { id: 1, code: 'not-found' },
      'a stale start time is refused',
    );
    const exited = new Promise((r) => userSleep.once('exit', (_code, sig) => r(sig)));
    assert.deepEqual(await ask(userPid, 'TERM', `,"startTime":${start}`), { id: 1, code: 'ok' });
    assert.equal(await exited, 'SIGTERM');
  },
);

function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
}

function uidsOf(pid: number): number[] {
  const m = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? m.slice(1).map(Number) : [];
}

test(
  'shell metacharacters reach the leaf as literal argv; leaf and orphans run as the user; a destroyed chain answers not-found',
  { timeout: 60_000 },
  async (t) => {
    const h = await rootHelper(t);
    const tag = `pidns-pwned-${process.pid}`;
    const traps = [
      `; touch /tmp/${tag}-a`,
      `$(touch /tmp/${tag}-b)`,
      `\`touch /tmp/${tag}-c\``,
      `| touch /tmp/${tag}-d`,
      `&& touch /tmp/${tag}-e`,
    ];
    const trapFiles = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `/tmp/${tag}-${x}`);
    t.after(() => {
      for (const f of trapFiles) rmSync(f, { force: true });
    });
    const argv = ['tail', '-f', '/dev/null', ...traps];
    const created = await h.ask(JSON.stringify({ id: 1, op: 'create', depth: 2, command: argv }));
    assert.ok(created.ok && created.op === 'create', JSON.stringify(created));
    const chain = created.result;
    t.after(() => h.ask(JSON.stringify({ id: 99, op: 'destroy', chainId: chain.chainId })).catch(() => undefined));
    assert.equal(chain.uid, NOBODY);
    // The create answers once the leaf is forked, which may be a moment before it execs: until then its
    // cmdline is the native init's (a clean-clone run read it there once).
    // (The comm changes before the new cmdline is readable, so wait for the cmdline itself.)
    await waitFor('the leaf to exec tail', () => cmdline(chain.leaf)[0] === 'tail', 5000, 20);
    assert.deepEqual(cmdline(chain.leaf), argv, 'the leaf got exactly the argv sent');
    assert.deepEqual(uidsOf(chain.leaf), [NOBODY, NOBODY, NOBODY, NOBODY], 'the leaf runs as the user (real, effective, saved, fs)');

    // The first word is a program name, never a shell line.
    // The first word is looked up as a program name, never run by a shell: either the create fails, or the
    // leaf's exec fails and the chain ends at once.
    const bad = await h.ask(JSON.stringify({ id: 2, op: 'create', depth: 1, command: [`/bin/true; touch /tmp/${tag}-f`] }));
    if (bad.ok && bad.op === 'create') {
      const badId = bad.result.chainId;
      const ended = await h.next(
        (m): m is ChainExitedEvent => m.type === 'event' && m.event === 'chainExited' && m.chainId === badId,
        5000,
      );
      assert.ok(ended.reason === 'failed' || ended.reason === 'leaf-exited', JSON.stringify(ended));
    }

    const orphan = await h.ask(JSON.stringify({ id: 3, op: 'orphan', chainId: chain.chainId, level: 2, lifetimeMs: 5000 }));
    assert.ok(orphan.ok && orphan.op === 'orphan', JSON.stringify(orphan));
    assert.equal(uidsOf(orphan.result.pid)[1], NOBODY, 'the orphan runs as the user');

    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      trapFiles.filter((f) => existsSync(f)),
      [],
      'no shell ever ran the metacharacters',
    );

    const destroyed = await h.ask(JSON.stringify({ id: 4, op: 'destroy', chainId: chain.chainId }));
    assert.ok(destroyed.ok, JSON.stringify(destroyed));
    assert.equal(
      existsSync(`/proc/${chain.leaf}`) && startTimeAt('/proc', chain.leaf) !== undefined && cmdline(chain.leaf)[0] === 'tail',
      false,
      'the leaf is gone',
    );
    for (const [line, code] of [
      [{ id: 5, op: 'destroy', chainId: chain.chainId }, 'not-found'],
      [{ id: 6, op: 'orphan', chainId: chain.chainId, level: 1 }, 'not-found'],
      [{ id: 7, op: 'signal', pid: chain.leaf, startTime: 1, signal: 'KILL' }, 'not-found'],
    ] as const) {
      const r = await h.ask(JSON.stringify(line));
      assert.deepEqual(errorOf(r), { id: line.id, code }, JSON.stringify(line));
      await stillServes(h, JSON.stringify(line));
    }
    const chains = await h.ask('{"id":8,"op":"chains"}');
    assert.ok(chains.ok && chains.op === 'chains' && chains.result.chains.length === 0);
  },
);

test('PKEXEC_UID is trusted only by a root helper: a non-root helper with PKEXEC_UID=0 acts for itself', { timeout: 30_000 }, async (t) => {
  const h = new RawHelper(
    { ...process.env, PKEXEC_UID: '0', SUDO_UID: '0' },
    asUser({ uid: NOBODY, gid: NOBODY }, [process.execPath, pidnsBundle(), 'helper']),
  );
  t.after(() => h.close());
  const hello = await h.hello();
  assert.equal(hello.uid, NOBODY);
  assert.equal(hello.actingForUid, null);
  const rootSleep = spawnSleeper();
  t.after(() => rootSleep.kill('SIGKILL'));
  const r = await h.ask(`{"id":1,"op":"signal","pid":${rootSleep.pid},"signal":"KILL"}`);
  assert.deepEqual(errorOf(r), { id: 1, code: 'not-permitted' });
  assert.equal(rootSleep.exitCode, null);
});
