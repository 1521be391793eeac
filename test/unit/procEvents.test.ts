// The proc connector's datagrams, recorded from this machine's kernel (6.18, x86-64) while a shell renamed
// itself, dropped to uid/gid 65534 with setpriv, exec'd sleep and exited (`child` 15206 / 14572 below), and a
// thread was created and exited elsewhere. Each fixture is one datagram as recv(2) returned it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mcastRequest, parseProcEvent, PROC_CN_MCAST_IGNORE, PROC_CN_MCAST_LISTEN } from '../../helper-native/src/scan/procEvents';

const REC = {
  ack: '4c0000000300000036390b0000000000010000000100000036390b003512000028000000000000000100000045dfe5d958010000000000000000000000000000000000000000000000000000',
  forkThread:
    '4c0000000300000089420c0000000000010000000100000089420c0000000000280000000100000000000000e3dc9dda58010000921300008913000077380000743800000000000000000000',
  exitThread:
    '4c0000000300000092420c0000000000010000000100000092420c0000000000280000000000008000000000c11040db58010000773800007438000000000000ffffffff0000000000000000',
  fork: '4c0000000300000084390b0000000000010000000100000084390b0000000000280000000100000001000000a98f2adf580100005c3800005c380000ec380000ec3800000000000000000000',
  exec: '4c0000000300000085390b0000000000010000000100000085390b0000000000280000000200000001000000f60464df58010000ec380000ec38000000000000000000000000000000000000',
  comm: '4c0000000300000086390b0000000000010000000100000086390b0000000000280000000002000001000000248570df58010000ec380000ec38000072656e616d6564000000000000000000',
  uid: '4c0000000300000088390b0000000000010000000100000088390b0000000000280000000400000001000000c04a86df58010000ec380000ec380000feff0000feff00000000000000000000',
  gid: '4c0000000300000089390b0000000000010000000100000089390b00000000002800000040000000010000001a5a86df58010000ec380000ec380000feff0000feff00000000000000000000',
  exit: '4c00000003000000ff450c00000000000100000001000000ff450c0000000000280000000000008000000000a8706d465a010000663b0000663b00000000000011000000563b0000563b0000',
};
const bytes = (hex: string): Buffer => Buffer.from(hex, 'hex');

test('recorded events parse to what happened', () => {
  // The ack names our request by its cn_msg.ack (0x1234) + 1; its seq is the kernel's counter, not ours.
  assert.deepEqual(parseProcEvent(bytes(REC.ack)), { kind: 'ack', err: 0, ack: 0x1235 });
  assert.deepEqual(parseProcEvent(bytes(REC.fork)), {
    kind: 'fork',
    parentPid: 14428,
    parentTgid: 14428,
    childPid: 14572,
    childTgid: 14572,
  });
  assert.deepEqual(parseProcEvent(bytes(REC.exec)), { kind: 'exec', pid: 14572, tgid: 14572 });
  assert.deepEqual(parseProcEvent(bytes(REC.comm)), { kind: 'comm', pid: 14572, tgid: 14572, comm: 'renamed' });
  assert.deepEqual(parseProcEvent(bytes(REC.uid)), { kind: 'id', pid: 14572, tgid: 14572, which: 'uid' });
  assert.deepEqual(parseProcEvent(bytes(REC.gid)), { kind: 'id', pid: 14572, tgid: 14572, which: 'gid' });
  // exit: pid, tgid, exit_code 0, exit_signal 0x11 (SIGCHLD), then the parent (15190).
  assert.deepEqual(parseProcEvent(bytes(REC.exit)), { kind: 'exit', pid: 15206, tgid: 15206, parentTgid: 15190 });
});

test('threads are told apart from processes by pid ≠ tgid', () => {
  const f = parseProcEvent(bytes(REC.forkThread));
  assert.equal(f.kind, 'fork');
  if (f.kind === 'fork') assert.notEqual(f.childPid, f.childTgid);
  const e = parseProcEvent(bytes(REC.exitThread));
  assert.equal(e.kind, 'exit');
  if (e.kind === 'exit') assert.notEqual(e.pid, e.tgid);
});

test('the recv length bounds the parse, not the buffer', () => {
  const big = Buffer.alloc(1024, 0xee);
  bytes(REC.exec).copy(big);
  assert.deepEqual(parseProcEvent(big, 76), { kind: 'exec', pid: 14572, tgid: 14572 });
});

test('short, truncated, foreign and netlink-level datagrams are reported, never thrown', () => {
  assert.equal(parseProcEvent(Buffer.alloc(0)).kind, 'malformed');
  assert.equal(parseProcEvent(bytes(REC.fork).subarray(0, 10)).kind, 'malformed');
  // A netlink length beyond what was received.
  assert.equal(parseProcEvent(bytes(REC.fork), 60).kind, 'malformed');
  // A connector payload that claims more than the message holds.
  const long = bytes(REC.fork);
  long.writeUInt16LE(200, 16 + 16);
  assert.equal(parseProcEvent(long).kind, 'malformed');
  // A comm event cut short of its 16-byte name.
  const shortComm = bytes(REC.comm);
  shortComm.writeUInt16LE(20, 16 + 16);
  assert.equal(parseProcEvent(shortComm).kind, 'malformed');
  // Another connector index (e.g. a different connector user).
  const foreign = bytes(REC.exec);
  foreign.writeUInt32LE(7, 16);
  assert.deepEqual(parseProcEvent(foreign), { kind: 'foreign', idx: 7, val: 1 });
  // NLMSG_ERROR carries a negative errno; NLMSG_OVERRUN means lost data.
  const err = Buffer.alloc(36);
  err.writeUInt32LE(36, 0);
  err.writeUInt16LE(2, 4);
  err.writeInt32LE(-105, 16);
  assert.deepEqual(parseProcEvent(err), { kind: 'nlerror', errno: 105 });
  const over = Buffer.alloc(16);
  over.writeUInt32LE(16, 0);
  over.writeUInt16LE(4, 4);
  assert.deepEqual(parseProcEvent(over), { kind: 'overrun' });
  // An event type this parser does not know keeps its pid/tgid.
  const sid = bytes(REC.exec);
  sid.writeUInt32LE(0x80, 36);
  assert.deepEqual(parseProcEvent(sid), { kind: 'other', what: 0x80, pid: 14572, tgid: 14572 });
});

test('the subscribe and unsubscribe requests are what the kernel expects', () => {
  const listen = mcastRequest(PROC_CN_MCAST_LISTEN, 0x1234);
  assert.equal(
    listen.toString('hex'),
    '28000000' +
      '0300' +
      '0000' +
      '00000000' +
      '00000000' +
      '01000000' +
      '01000000' +
      '00000000' +
      '34120000' +
      '0400' +
      '0000' +
      '01000000',
  );
  assert.equal(mcastRequest(PROC_CN_MCAST_IGNORE, 0).readUInt32LE(36), 2);
});
