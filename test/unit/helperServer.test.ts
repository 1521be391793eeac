// The helper's pure parts: the bounded line splitter, strict request validation for every op, capability
// decoding, and the server in-process over streams (unregistered ops answer 'unsupported').
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { decodeCapabilities, effectiveCapabilities } from '../../helper-native/src/server/capabilities';
import { BoundedLineSplitter } from '../../helper-native/src/server/lineInput';
import type { ChainService } from '../../helper-native/src/server/ops';
import { runHelperServer } from '../../helper-native/src/server/server';
import { validateRequest } from '../../helper-native/src/server/validate';
import { HelperError } from '../../helper-native/src/helperError';
import { helperIdentity } from '../../helper-native/src/identity/actingUser';
import type { HelperMessage } from '../../shared/helperProtocol';

function split(chunks: (string | Buffer)[], max: number): (string | 'TOO-LONG')[] {
  const out: (string | 'TOO-LONG')[] = [];
  const s = new BoundedLineSplitter(max, { line: (l) => out.push(l), tooLong: () => out.push('TOO-LONG') });
  for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c) : c);
  s.end();
  return out;
}

test('line splitter: lines across chunks, CRLF, last line without newline', () => {
  assert.deepEqual(split(['ab', 'c\nde', 'f\r\n', 'g'], 100), ['abc', 'def', 'g']);
  assert.deepEqual(split(['\n\n'], 100), ['', '']);
});

test('line splitter: an over-long line is reported once and the next line is intact', () => {
  assert.deepEqual(split(['12345', '678', '9\nok\n'], 8), ['TOO-LONG', 'ok']);
  assert.deepEqual(split(['123456789'], 8), ['TOO-LONG'], 'at EOF too');
  assert.deepEqual(split(['12345678\n'], 8), ['12345678'], 'exactly the limit is fine');
  // A UTF-8 character split across chunks is reassembled.
  const euro = Buffer.from('€\n');
  assert.deepEqual(split([euro.subarray(0, 1), euro.subarray(1)], 8), ['€']);
});

const bad = (raw: Record<string, unknown>) =>
  assert.throws(
    () => validateRequest(raw),
    (e: unknown) => e instanceof HelperError && e.code === 'bad-request',
    JSON.stringify(raw),
  );

test('validation accepts every well-formed op', () => {
  const good: Record<string, unknown>[] = [
    { id: 0, op: 'snapshot' },
    { id: 1, op: 'subscribe', intervalMs: 100 },
    { id: 2, op: 'subscribe', intervalMs: 60000 },
    { id: 3, op: 'unsubscribe' },
    { id: 4, op: 'create', depth: 5 },
    { id: 5, op: 'create', depth: 32, mountProc: false, command: ['sleep', '10'] },
    { id: 6, op: 'destroy', chainId: 'c-1' },
    { id: 7, op: 'signal', pid: 123, signal: 'SIGTERM', startTime: 55, from: 'inside' },
    { id: 8, op: 'signal', pid: 123, signal: 9 },
    { id: 9, op: 'orphan', chainId: 'x', level: 2, lifetimeMs: 500 },
    { id: 10, op: 'chains' },
    { id: 11, op: 'shutdown' },
  ];
  for (const g of good) assert.equal(validateRequest(g), g);
});

test('a whole depth past the kernel limit is a limit error that says the limit and why', () => {
  for (const depth of [33, 40, 1e9]) {
    assert.throws(
      () => validateRequest({ id: 1, op: 'create', depth }),
      (e: unknown) => e instanceof HelperError && e.code === 'limit' && /at most 32 nested PID namespace levels/.test(e.message),
    );
  }
});

test('validation rejects wrong types, ranges, unknown ops and fields', () => {
  bad({ op: 'snapshot' });
  bad({ id: 1.5, op: 'snapshot' });
  bad({ id: '1', op: 'snapshot' });
  bad({ id: 1, op: 'nope' });
  bad({ id: 1, op: 42 });
  bad({ id: 1, op: 'snapshot', extra: true });
  bad({ id: 1, op: 'subscribe' });
  bad({ id: 1, op: 'subscribe', intervalMs: 99 });
  bad({ id: 1, op: 'subscribe', intervalMs: 60001 });
  bad({ id: 1, op: 'subscribe', intervalMs: '100' });
  bad({ id: 1, op: 'create', depth: 0 });
  bad({ id: 1, op: 'create', depth: 2, mountProc: 'yes' });
  bad({ id: 1, op: 'create', depth: 2, command: [] });
  bad({ id: 1, op: 'create', depth: 2, command: ['a\0b'] });
  bad({ id: 1, op: 'create', depth: 2, command: 'sleep 1' });
  bad({ id: 1, op: 'destroy', chainId: '../etc' });
  bad({ id: 1, op: 'signal', pid: 0, signal: 'TERM' });
  bad({ id: 1, op: 'signal', pid: 1, signal: 'kill; rm' });
  bad({ id: 1, op: 'signal', pid: 1, signal: 65 });
  bad({ id: 1, op: 'signal', pid: 1, signal: 'TERM', from: 'outside' });
  bad({ id: 1, op: 'orphan', chainId: 'x', level: 1, lifetimeMs: 600001 });
});

test('capabilities: CapEff hex decoded to names', () => {
  assert.deepEqual(decodeCapabilities('0000000000000000'), []);
  assert.deepEqual(decodeCapabilities('0000000000200000'), ['CAP_SYS_ADMIN']);
  assert.deepEqual(decodeCapabilities('0000000000000021'), ['CAP_CHOWN', 'CAP_KILL']);
  assert.equal(decodeCapabilities('000001ffffffffff').length, 41);
  assert.ok(decodeCapabilities('0000020000000000')[0] === 'CAP_41', 'unknown bits keep their number');
  assert.deepEqual(decodeCapabilities('zz'), []);
  assert.deepEqual(effectiveCapabilities('Name:\tx\nCapEff:\t0000000000080000\n'), ['CAP_SYS_PTRACE']);
});

test('identity: PKEXEC_UID / SUDO_UID only count when running as root; a malformed one fails closed as root', () => {
  assert.deepEqual(helperIdentity({ PKEXEC_UID: '1000' }, 0), { uid: 0, actingForUid: 1000, via: 'pkexec' });
  assert.deepEqual(helperIdentity({ SUDO_UID: '1001' }, 0), { uid: 0, actingForUid: 1001, via: 'sudo' });
  assert.deepEqual(
    helperIdentity({ PKEXEC_UID: '1000', SUDO_UID: '1001' }, 0),
    { uid: 0, actingForUid: 1000, via: 'pkexec' },
    'PKEXEC_UID wins',
  );
  assert.deepEqual(helperIdentity({ PKEXEC_UID: '1000' }, 1000), { uid: 1000, actingForUid: null, via: 'pkexec' });
  assert.deepEqual(
    helperIdentity({ PKEXEC_UID: 'x1' }, 1000),
    { uid: 1000, actingForUid: null, via: 'direct' },
    'not root: a bad variable changes nothing',
  );
  for (const bad of ['x1', '-1', '1e3', '4294967295', ' 1000', '1000 ']) {
    assert.throws(() => helperIdentity({ PKEXEC_UID: bad }, 0), /is not a uid/, `root with PKEXEC_UID=${JSON.stringify(bad)}`);
    assert.throws(() => helperIdentity({ SUDO_UID: bad }, 0), /is not a uid/, `root with SUDO_UID=${JSON.stringify(bad)}`);
  }
  assert.deepEqual(helperIdentity({}, 0), { uid: 0, actingForUid: null, via: 'direct' });
});

test('server in-process: each op reaches its handler in the table, a HelperError keeps its code, anything else thrown is failed', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  const log = new PassThrough();
  log.resume();
  const lines: HelperMessage[] = [];
  let partial = '';
  output.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) lines.push(JSON.parse(l) as HelperMessage);
  });
  let shutdowns = 0;
  const chains = (): ChainService => ({
    ops: {
      create: async () => {
        throw new HelperError('unsupported', 'not here');
      },
      orphan: async () => {
        throw new HelperError('unsupported', 'not here');
      },
      chains: async () => ({ chains: [] }),
      destroy: async () => {
        throw new HelperError('not-found', 'no such chain');
      },
      signal: async () => {
        throw new Error('boom');
      },
    },
    shutdown: async () => void shutdowns++,
  });
  const done = runHelperServer({ input, output, logStream: log, chains });
  input.write('{"id":1,"op":"orphan","chainId":"a","level":1}\n{"id":2,"op":"chains"}\n');
  input.write('{"id":3,"op":"destroy","chainId":"a"}\n{"id":4,"op":"signal","pid":5,"signal":"TERM"}\n');
  input.end();
  assert.equal(await done, 0);
  await new Promise((r) => setImmediate(r));
  assert.ok(lines[0].type === 'event' && lines[0].event === 'hello');
  const byId = new Map(lines.filter((m) => m.type === 'response').map((m) => [m.id, m]));
  const r1 = byId.get(1);
  assert.ok(r1 && r1.type === 'response' && !r1.ok && r1.error.code === 'unsupported');
  assert.deepEqual(byId.get(2), { type: 'response', id: 2, op: 'chains', ok: true, result: { chains: [] } });
  const r3 = byId.get(3);
  assert.ok(r3 && r3.type === 'response' && !r3.ok && r3.error.code === 'not-found');
  const r4 = byId.get(4);
  assert.ok(r4 && r4.type === 'response' && !r4.ok && r4.error.code === 'failed');
  assert.equal(shutdowns, 1, "EOF runs the chain service's shutdown once");
});
