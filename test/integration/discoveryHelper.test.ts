// `pidns helper` as a real child process: hello first, one error reply per malformed request (not JSON,
// not an object, unknown op, wrong types, out of range, binary, a 10 MB line) while it keeps serving,
// bounded memory, a subscription that streams a snapshot then diffs for real processes and namespaces
// coming and going, unsubscribe, shutdown and EOF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { applyDiff } from '../../shared/core/diff';
import type { Snapshot } from '../../shared/core/types';
import type { HelperMessage } from '../../shared/helperProtocol';
import { PIDNS_JS, requireBuilt, startGroup, waitFor, type Group } from './support/discovery';

class HelperProc {
  readonly messages: HelperMessage[] = [];
  readonly child: ChildProcessWithoutNullStreams;
  private cursor = 0;
  private partial = '';
  readonly exited: Promise<number | null>;

  constructor() {
    this.child = spawn(process.execPath, [PIDNS_JS, 'helper'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => {
      const parts = (this.partial + d.toString()).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) this.messages.push(JSON.parse(line) as HelperMessage);
    });
    this.child.stderr.resume();
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  send(line: string | Buffer): void {
    this.child.stdin.write(line);
  }

  /** The next message (after those already taken) that matches; earlier non-matching ones are skipped. */
  async next(match: (m: HelperMessage) => boolean, what: string, timeoutMs = 10_000): Promise<HelperMessage> {
    return waitFor(
      () => {
        for (let i = this.cursor; i < this.messages.length; i++) {
          if (match(this.messages[i])) {
            this.cursor = i + 1;
            return this.messages[i];
          }
        }
        return undefined;
      },
      timeoutMs,
      what,
    );
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

const isResponse = (id: number | null) => (m: HelperMessage) => m.type === 'response' && m.id === id;

test('hello comes first and describes the helper', async (t) => {
  requireBuilt();
  const h = new HelperProc();
  t.after(() => h.kill());
  const hello = await h.next(() => true, 'the first line');
  assert.equal(hello.type, 'event');
  assert.ok(hello.type === 'event' && hello.event === 'hello');
  assert.equal(hello.protocol, 1);
  assert.equal(hello.uid, 0);
  assert.equal(hello.via, 'direct');
  assert.equal(hello.actingForUid, null);
  assert.equal(hello.kernel, release());
  assert.equal(hello.pid, h.child.pid);
  assert.ok(hello.capabilities.includes('CAP_SYS_ADMIN'), hello.capabilities.join(','));
  assert.equal(typeof hello.nativeInit, 'boolean');
  h.child.stdin.end();
  assert.equal(await h.exited, 0, 'EOF ends the helper with 0');
});

test('malformed input: one error reply per request, and the helper keeps serving', async (t) => {
  requireBuilt();
  const h = new HelperProc();
  t.after(() => h.kill());
  await h.next(() => true, 'hello');
  const cases: [string | Buffer, number | null, string][] = [
    ['not json\n', null, 'parse'],
    ['[1,2,3]\n', null, 'parse'],
    ['42\n', null, 'parse'],
    ['null\n', null, 'parse'],
    ['{"id":1,"op":"frobnicate"}\n', 1, 'bad-request'],
    ['{"id":2,"op":"subscribe","intervalMs":"100"}\n', 2, 'bad-request'],
    ['{"id":3,"op":"subscribe","intervalMs":5}\n', 3, 'bad-request'],
    ['{"id":4,"op":"subscribe","intervalMs":100.5}\n', 4, 'bad-request'],
    ['{"op":"snapshot"}\n', null, 'bad-request'],
    ['{"id":-1,"op":"snapshot"}\n', null, 'bad-request'],
    ['{"id":5,"op":"snapshot","extra":1}\n', 5, 'bad-request'],
    ['{"id":6,"op":"signal","pid":"1","signal":"TERM"}\n', 6, 'bad-request'],
    ['{"id":7,"op":"create","depth":99}\n', 7, 'limit'], // well-formed but past the kernel's 32 levels
    ['{"id":8,"op":["snapshot"]}\n', 8, 'bad-request'],
    [Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0xc3, 0x28]), Buffer.from('\n')]), null, 'parse'],
  ];
  for (const [line] of cases) h.send(line);
  // 10 MB in one line, written in chunks like a real pipe would deliver it.
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  h.send('{"id":9,"op":"snapshot","pad":"');
  for (let i = 0; i < 10; i++) h.send(chunk);
  h.send('"}\n');
  h.send('{"id":10,"op":"snapshot"}\n');
  const ok = await h.next(isResponse(10), 'the snapshot after the garbage', 30_000);
  const replies = h.messages.filter((m) => m.type === 'response');
  assert.equal(replies.length, cases.length + 2, 'exactly one reply per request line');
  cases.forEach(([, id, code], i) => {
    const r = replies[i];
    assert.ok(r.type === 'response' && !r.ok, `case ${i} is an error`);
    assert.equal(r.id, id, `case ${i} id`);
    assert.equal(r.error.code, code, `case ${i}: ${r.error.message}`);
  });
  const big = replies[cases.length];
  assert.ok(big.type === 'response' && !big.ok && big.error.code === 'too-large');
  assert.ok(ok.type === 'response' && ok.ok && ok.op === 'snapshot');
  const snap = (ok as { result: Snapshot }).result;
  assert.ok(
    snap.processes.some((p) => p.pid === h.child.pid),
    'the helper sees itself',
  );
  // The 10 MB line was never held whole: peak RSS stays far below what buffering it would need.
  const hwm = Number(/^VmHWM:\s*(\d+)/m.exec(readFileSync(`/proc/${h.child.pid}/status`, 'utf8'))?.[1]);
  assert.ok(hwm < 150 * 1024, `peak RSS ${hwm} kB`);
  h.send('{"id":11,"op":"shutdown"}\n');
  await h.next(isResponse(11), 'shutdown reply');
  assert.equal(await h.exited, 0);
});

test('subscribe: a snapshot event, then diffs as processes and namespaces come and go; unsubscribe stops them', async (t) => {
  requireBuilt();
  const h = new HelperProc();
  const groups: Group[] = [];
  t.after(async () => {
    h.kill();
    for (const g of groups) await g.stop();
  });
  await h.next(() => true, 'hello');
  h.send('{"id":1,"op":"subscribe","intervalMs":100}\n');
  const sub = await h.next(isResponse(1), 'subscribe reply');
  assert.ok(sub.type === 'response' && sub.ok && sub.op === 'subscribe');
  const first = await h.next((m) => m.type === 'event' && m.event === 'snapshot', 'the snapshot event');
  assert.ok(first.type === 'event' && first.event === 'snapshot');
  let state = first.snapshot;
  let seq = first.seq;
  const applyUntil = async (cond: (s: Snapshot) => boolean, what: string): Promise<void> => {
    while (!cond(state)) {
      const d = await h.next((m) => m.type === 'event' && m.event === 'diff', what);
      assert.ok(d.type === 'event' && d.event === 'diff');
      assert.equal(d.seq, seq + 1, 'sequence numbers have no gaps');
      seq = d.seq;
      state = applyDiff(state, d.diff);
    }
  };

  const ns = startGroup(['unshare', '--pid', '--fork', '--kill-child', 'sleep', '1000']);
  groups.push(ns);
  await applyUntil(
    (s) => s.processes.some((p) => p.ppid === ns.pgid && p.nspid.length === 2 && p.comm === 'sleep'),
    'the sleep in a new namespace',
  );
  const inner = state.processes.find((p) => p.ppid === ns.pgid);
  assert.ok(inner);
  const nsInfo = state.namespaces.find((n) => n.inode === inner.ns);
  assert.deepEqual(
    { parent: nsInfo?.parent, level: nsInfo?.level, init: nsInfo?.init },
    { parent: state.self.nsInode, level: 1, init: inner.pid },
  );
  assert.equal(state.processes.find((p) => p.pid === ns.pgid)?.pendingNs, inner.ns, 'unshare holds it as pid_for_children');

  await ns.stop();
  await applyUntil(
    (s) => !s.namespaces.some((n) => n.inode === inner.ns) && !s.processes.some((p) => p.pid === inner.pid),
    'the namespace to go',
  );

  h.send('{"id":2,"op":"unsubscribe"}\n');
  await h.next(isResponse(2), 'unsubscribe reply');
  const quiet = startGroup(['sleep', '1000']);
  groups.push(quiet);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(
    h.messages.slice(h.messages.findIndex(isResponse(2))).filter((m) => m.type === 'event' && m.event === 'diff').length,
    0,
    'no diff after unsubscribe',
  );
  h.send('{"id":3,"op":"shutdown"}\n');
  await h.next(isResponse(3), 'shutdown reply');
  assert.equal(await h.exited, 0);
});

test('subscribe with head: a partial snapshot of its own namespace first, then the full one, then diffs on that', async (t) => {
  requireBuilt();
  const h = new HelperProc();
  t.after(() => h.kill());
  const hello = await h.next((m) => m.type === 'event' && m.event === 'hello', 'hello');
  assert.ok(hello.type === 'event' && hello.event === 'hello' && hello.snapshotHead === true, 'hello offers the head');
  h.send(`${JSON.stringify({ id: 1, op: 'subscribe', intervalMs: 200, events: false, head: true })}\n`);
  const head = await h.next((m) => m.type === 'event' && m.event === 'snapshot', 'the head');
  const full = await h.next((m) => m.type === 'event' && m.event === 'snapshot', 'the full snapshot', 30_000);
  assert.ok(head.type === 'event' && head.event === 'snapshot' && full.type === 'event' && full.event === 'snapshot');
  assert.equal(head.partial, true);
  assert.equal(full.partial, undefined, 'the full one is not partial');
  assert.equal(full.seq, head.seq + 1, 'the full snapshot follows the head at once');
  const selfNs = full.snapshot.self.nsInode;
  assert.deepEqual(
    head.snapshot.namespaces.map((n) => n.inode),
    [selfNs],
    'the head holds only the namespace the helper sees',
  );
  assert.ok(
    head.snapshot.processes.some((p) => p.pid === h.child.pid),
    'the head holds the helper itself',
  );
  assert.ok(full.snapshot.processes.length > head.snapshot.processes.length, 'the full snapshot has everything');
  // Without head (a second helper, as older clients ask), no partial snapshot.
  const plain = new HelperProc();
  t.after(() => plain.kill());
  plain.send(`${JSON.stringify({ id: 1, op: 'subscribe', intervalMs: 200, events: false })}\n`);
  const first = await plain.next((m) => m.type === 'event' && m.event === 'snapshot', 'the snapshot', 30_000);
  assert.ok(first.type === 'event' && first.event === 'snapshot' && first.partial === undefined);
});
