// The create ops through the real helper process (`pidns helper`, line-delimited JSON on stdio): progress
// events, the ready response, chains, orphan, signals, destroy, and teardown of every chain on shutdown.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ChainInfo, HelperMessage } from '../../shared/helperProtocol';
import { pidnsBundle } from './support/nativeTools';
import {
  assertNothingRemains,
  isGone,
  nspidOf,
  procMounts,
  procRef,
  statusField,
  traceChain,
  waitFor,
  withTestUser,
  type TestUser,
} from './support/chains';
import { asUser as asUserArgv } from './support/asUser';

interface Helper {
  request(body: Record<string, unknown>): Promise<Extract<HelperMessage, { type: 'response' }>>;
  events: HelperMessage[];
  exited: Promise<number | null>;
  stdinEnd(): void;
  kill(): void;
}

function startHelper(t: TestContext, asUser?: TestUser): Helper {
  const argv = [process.execPath, pidnsBundle(), 'helper'];
  const [cmd, ...args] = asUser ? asUserArgv(asUser, argv) : argv;
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, cwd: '/' });
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  });
  const events: HelperMessage[] = [];
  const waiting = new Map<number, (m: Extract<HelperMessage, { type: 'response' }>) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as HelperMessage;
    if (msg.type === 'response' && msg.id !== null) waiting.get(msg.id)?.(msg);
    else events.push(msg);
  });
  child.stderr.resume();
  let next = 1;
  return {
    events,
    exited: new Promise((r) => child.on('close', (code) => r(code))),
    stdinEnd: () => child.stdin.end(),
    kill: () => void process.kill(-child.pid!, 'SIGKILL'),
    request: (body) => {
      const id = next++;
      child.stdin.write(JSON.stringify({ id, ...body }) + '\n');
      return new Promise((resolve) => waiting.set(id, resolve));
    },
  };
}

function okResult<T>(msg: Extract<HelperMessage, { type: 'response' }>): T {
  assert.ok(msg.ok, JSON.stringify(msg));
  return (msg as { result: T }).result;
}

test('helper: create with progress events, chains, orphan, signals inside/ancestor, destroy; shutdown tears the rest down', async (t) => {
  const mounts = procMounts();
  const h = startHelper(t);
  const created = await h.request({ op: 'create', depth: 4 });
  const info = okResult<ChainInfo>(created);
  const level2 = procRef(info.levels[1].init);
  assert.equal(info.engine, 'native');
  assert.equal(nspidOf(info.leaf).length, 5);
  const progress = h.events.filter((e) => e.type === 'event' && e.event === 'createProgress');
  assert.deepEqual(
    progress.map((e) => (e as { ready: number }).ready),
    [1, 2, 3, 4],
  );

  assert.deepEqual(okResult<{ chains: ChainInfo[] }>(await h.request({ op: 'chains' })).chains, [info]);

  const orphan = okResult<{ pid: number; level: number }>(
    await h.request({ op: 'orphan', chainId: info.chainId, level: 3, lifetimeMs: 1000 }),
  );
  const orphanRef = procRef(orphan.pid);
  assert.equal(statusField(orphan.pid, 'PPid'), String(info.levels[2].init));
  await waitFor('orphan reaped by level 3 init', () => isGone(orphanRef), 6000);

  const inside = await h.request({ op: 'signal', pid: info.levels[1].init, signal: 'SIGKILL', from: 'inside' });
  assert.deepEqual(okResult(inside), { pid: info.levels[1].init, signal: 9 });
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(!isGone(level2), 'SIGKILL from inside is ignored by a PID 1');

  const bad = await h.request({ op: 'destroy', chainId: 'chain-0-nope' });
  assert.equal(bad.ok, false);
  assert.equal((bad as { error: { code: string } }).error.code, 'not-found');

  const trace = traceChain(info.levels, mounts);
  assert.deepEqual(okResult(await h.request({ op: 'destroy', chainId: info.chainId })), { chainId: info.chainId });
  await assertNothingRemains(trace);
  assert.ok(
    h.events.some((e) => e.type === 'event' && e.event === 'chainExited' && e.chainId === info.chainId && e.reason === 'destroyed'),
  );

  // A chain still alive at shutdown (here: stdin EOF) goes with the helper.
  const second = okResult<ChainInfo>(await h.request({ op: 'create', depth: 2, mountProc: false }));
  const trace2 = traceChain(second.levels, mounts);
  h.stdinEnd();
  assert.equal(await h.exited, 0);
  await assertNothingRemains(trace2);
});

test('helper as a non-root user: chains in a user namespace; orphan and inside-signal enter it; SIGKILL of the helper leaves nothing', async (t) => {
  const user = withTestUser(t);
  const mounts = procMounts();
  const h = startHelper(t, user);
  const info = okResult<ChainInfo>(await h.request({ op: 'create', depth: 3 }));
  const level2 = procRef(info.levels[1].init);
  assert.equal(info.uid, user.uid);
  assert.equal(
    statusField(info.levels[0].init, 'Uid').split(/\s+/)[0],
    String(user.uid),
    'every level runs as the user, root only inside its user namespace',
  );

  const orphan = okResult<{ pid: number }>(await h.request({ op: 'orphan', chainId: info.chainId, level: 2, lifetimeMs: 800 }));
  const orphanRef = procRef(orphan.pid);
  assert.equal(statusField(orphan.pid, 'PPid'), String(info.levels[1].init));
  await waitFor('orphan reaped', () => isGone(orphanRef), 6000);

  okResult(await h.request({ op: 'signal', pid: info.levels[1].init, signal: 'KILL', from: 'inside' }));
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(!isGone(level2), 'ignored from inside, in the user namespace too');
  const denied = await h.request({ op: 'signal', pid: 1, signal: 'TERM' });
  assert.equal(denied.ok, false);

  const trace = traceChain(info.levels, mounts);
  h.kill();
  await h.exited;
  await assertNothingRemains(trace);
});
