// The native init's report lines and the nesting-room arithmetic (shared/core/chainReport.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  depthProblem,
  INITIAL_PID_NS_INODE,
  limitFromEnospc,
  nestingLevel,
  nestingLevelFromStatus,
  parseInitReport,
  roomBelow,
  statusText,
} from '../../shared/core/chainReport';

test('report lines parse into their kinds; anything else is null', () => {
  assert.deepEqual(parseInitReport('level 3 4026532181 10055'), { kind: 'level', level: 3, ns: 4026532181, init: 10055 });
  assert.deepEqual(parseInitReport('ready 10057\n'), { kind: 'ready', leaf: 10057 });
  assert.deepEqual(parseInitReport('gone 2 137'), { kind: 'gone', level: 2, status: 137 });
  assert.deepEqual(parseInitReport('error 33 28 unshare(CLONE_NEWPID)'), {
    kind: 'error',
    level: 33,
    errno: 28,
    what: 'unshare(CLONE_NEWPID)',
  });
  assert.deepEqual(parseInitReport('error 2 1 make / private'), { kind: 'error', level: 2, errno: 1, what: 'make / private' });
  assert.deepEqual(parseInitReport('exit destroyed 0'), { kind: 'exit', reason: 'destroyed', status: 0 });
  assert.deepEqual(parseInitReport('exit init-killed 0'), { kind: 'exit', reason: 'init-killed', status: 0 });
  for (const bad of [
    '',
    'level 1 2',
    'level 1 2 3 4',
    'level -1 2 3',
    'ready x',
    'exit bored 0',
    'gone 1',
    'hello',
    'level 1 2 99999999999999999',
  ]) {
    assert.equal(parseInitReport(bad), null, JSON.stringify(bad));
  }
});

test('nesting level is the NSpid length minus one', () => {
  assert.equal(nestingLevelFromStatus('Name:\tx\nNSpid:\t4242\nNSsid:\t1\n'), 0);
  assert.equal(nestingLevelFromStatus('NSpid:\t10057\t5\t4\t3\t2\t1\n'), 5);
  assert.equal(nestingLevelFromStatus('Name:\tx\nPid:\t3\n'), null);
});

test('depth limits: 1..32 from the host, less when already nested, with a message that says why', () => {
  assert.equal(roomBelow(0), 32);
  assert.equal(roomBelow(1), 31);
  assert.equal(roomBelow(40), 0);
  assert.equal(depthProblem(1, 0), null);
  assert.equal(depthProblem(32, 0), null);
  assert.match(
    depthProblem(33, 0)!,
    /^depth 33 is too deep: the kernel allows at most 32 nested PID namespace levels below the initial one, and this runs in the initial \(host\) PID namespace, so at most 32 more/,
  );
  assert.match(depthProblem(32, 1)!, /runs in a PID namespace at level 1, so at most 31 more/);
  assert.equal(depthProblem(31, 1), null);
  for (const d of [0, -1, 1.5, NaN]) assert.match(depthProblem(d, 0)!, /^depth must be an integer from 1 to 32/);
});

test('status text tells exit codes from signals', () => {
  assert.equal(statusText(0), 'exit code 0');
  assert.equal(statusText(7), 'exit code 7');
  assert.equal(statusText(137), 'killed by signal 9');
});

test('nesting level: NSpid when it knows, at least 1 outside the initial namespace (a container with its own /proc)', () => {
  assert.equal(INITIAL_PID_NS_INODE, 4026531836);
  assert.equal(nestingLevel(0, 4026531836), 0);
  assert.equal(nestingLevel(0, 4026532180), 1);
  assert.equal(nestingLevel(3, 4026532180), 3);
  assert.equal(nestingLevel(null, 4026531836), 0);
});

test('ENOSPC at chain level k means exactly k-1 levels fitted', () => {
  assert.equal(
    limitFromEnospc(31, 31),
    'depth 31 is too deep: the kernel allows at most 32 nested PID namespace levels below the initial one, and this runs in a PID namespace at level 2, so at most 30 more can be created here (creating level 31 failed with ENOSPC)',
  );
  assert.match(limitFromEnospc(1, 5), /at level 32, so at most 0 more/);
});
