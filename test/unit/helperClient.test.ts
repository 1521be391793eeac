// HelperClient over a real child process that speaks the protocol: a scripted peer whose answers the
// test controls (the real helper never stalls or crashes on demand, which is what these cases need).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HelperClient, HelperClientError } from '../../helper-native/src/launch/helperClient';
import { spawnHelper } from '../../helper-native/src/launch/spawnHelper';
import { HelperError } from '../../helper-native/src/helperError';
import { PROTOCOL_VERSION, type HelperEvent } from '../../shared/helperProtocol';

// chains: never answered (timeout case); snapshot: an error reply; subscribe: an event, then the result;
// signal: exit 3 without answering ("crash"); unsubscribe: an event naming the request's id, then the result; EOF: exit 0.
const PEER = `
const out = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
out({ type: 'event', event: 'hello', protocol: ${PROTOCOL_VERSION}, helperVersion: 'peer', uid: process.getuid(), actingForUid: null,
      via: 'direct', capabilities: [], kernel: 'k', pid: process.pid, nativeInit: false });
let buf = '';
process.stdin.on('data', (d) => {
  buf += d; let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const req = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1);
    if (req.op === 'snapshot') out({ type: 'response', id: req.id, op: req.op, ok: false, error: { code: 'not-permitted', message: 'no' } });
    if (req.op === 'subscribe') { out({ type: 'event', event: 'log', level: 'info', message: 'sub ' + req.intervalMs }); out({ type: 'response', id: req.id, op: req.op, ok: true, result: { intervalMs: req.intervalMs } }); }
    if (req.op === 'signal') { console.error('about to crash'); process.exit(3); }
    if (req.op === 'unsubscribe') { out({ type: 'event', event: 'log', level: 'info', message: 'id ' + req.id }); out({ type: 'response', id: req.id, op: req.op, ok: true, result: {} }); }
  }
});
process.stdin.on('end', () => process.exit(0));
`;

// Limits that only catch a hang: a busy 2-core machine can take seconds to start a Node peer or answer it,
// and no case below depends on how fast that is (the timeout case sets its own short limit per request).
const HANG_MS = 20_000;

async function startPeer(t: { after: (fn: () => unknown) => void }): Promise<HelperClient> {
  const o = await spawnHelper({ command: process.execPath, args: ['-e', PEER], timeoutMs: HANG_MS });
  assert.ok(o.ok, 'peer said hello');
  if (!o.ok) throw new Error('unreachable');
  const client = new HelperClient(o, { timeoutMs: HANG_MS, exitGraceMs: HANG_MS });
  t.after(() => client.dispose());
  return client;
}

test('results, error replies and events reach the caller', async (t) => {
  const client = await startPeer(t);
  const events: HelperEvent[] = [];
  client.onEvent((e) => events.push(e));
  assert.deepEqual(await client.request('subscribe', { intervalMs: 250 }), { intervalMs: 250 });
  assert.deepEqual(events, [{ type: 'event', event: 'log', level: 'info', message: 'sub 250' }]);
  await assert.rejects(
    client.request('snapshot', {}),
    (e: unknown) => e instanceof HelperError && e.code === 'not-permitted' && e.message === 'no',
  );
  // Many in flight at once: each answer goes to its own request.
  const many = await Promise.all([1, 2, 3, 4, 5].map((n) => client.request('subscribe', { intervalMs: n * 100 })));
  assert.deepEqual(
    many.map((r) => r.intervalMs),
    [100, 200, 300, 400, 500],
  );
});

test('onId tells the caller the id the request is sent with, before any event that names it', async (t) => {
  const client = await startPeer(t);
  const events: HelperEvent[] = [];
  client.onEvent((e) => events.push(e));
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) await client.request('unsubscribe', {}, { onId: (id) => ids.push(id) });
  assert.equal(new Set(ids).size, 3, 'each request has its own id');
  assert.deepEqual(
    events.map((e) => (e.event === 'log' ? e.message : e.event)),
    ids.map((id) => `id ${id}`),
  );
});

test('an unanswered request times out; the client keeps working', async (t) => {
  const client = await startPeer(t);
  // The peer never answers 'chains': this times out however busy the machine is.
  await assert.rejects(
    client.request('chains', {}, { timeoutMs: 200 }),
    (e: unknown) => e instanceof HelperClientError && e.kind === 'timeout',
  );
  assert.deepEqual(await client.request('subscribe', { intervalMs: 100 }), { intervalMs: 100 });
});

test('a helper crash rejects what is pending and reports the exit with its stderr', async (t) => {
  const client = await startPeer(t);
  const exited = new Promise((resolve) => client.onExit(resolve));
  const pending = client.request('chains', {}, { timeoutMs: 10_000 });
  await assert.rejects(
    client.request('signal', { pid: 1, signal: 'TERM' }),
    (e: unknown) => e instanceof HelperClientError && e.kind === 'exited' && /exit code 3.*about to crash/.test(e.message),
  );
  await assert.rejects(pending, (e: unknown) => e instanceof HelperClientError && e.kind === 'exited');
  assert.deepEqual(await exited, { code: 3, signal: null, stderrTail: ['about to crash'], disposed: false });
  await assert.rejects(client.request('chains', {}), /helper exited \(exit code 3\) before 'chains'/);
});

test('dispose closes stdin, the helper exits on EOF, later requests are refused', async (t) => {
  const client = await startPeer(t);
  await client.dispose();
  const exit = await client.whenExited();
  // Exit code 0 and no signal: it left on EOF. Had dispose() needed SIGTERM (after the grace period of
  // HANG_MS), the signal would show here; had it needed neither and hung, the test's timeout would.
  assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, 'exited on EOF, not on a signal');
  assert.equal(exit.disposed, true);
  await assert.rejects(client.request('chains', {}), (e: unknown) => e instanceof HelperClientError && e.kind === 'disposed');
});

test('a helper speaking another protocol version is refused at hello', async () => {
  const o = await spawnHelper({
    command: process.execPath,
    args: ['-e', PEER.replace(`protocol: ${PROTOCOL_VERSION}`, 'protocol: 999')],
    timeoutMs: 5_000,
  });
  assert.equal(o.ok, false);
  assert.equal(!o.ok && o.why, 'incompatible');
});

test('a helper that never says hello times out and is stopped', async () => {
  const started = Date.now();
  const o = await spawnHelper({ command: process.execPath, args: ['-e', 'setInterval(() => undefined, 1000)'], timeoutMs: 300 });
  assert.equal(o.ok, false);
  assert.equal(!o.ok && o.why, 'timeout');
  // Stopped (stdin closed, then SIGTERM) and reaped before the outcome is reported.
  assert.equal(!o.ok && o.signal, 'SIGTERM');
  assert.ok(Date.now() - started < 3000);
});
