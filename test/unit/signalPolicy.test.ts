// The one signal policy of the tree and the graph (extension/commands/signalPolicy.ts): which signals are
// offered, which are confirmed in a modal and in what words, when "from inside" is offered, and Kill Init's question.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inferredNsInode } from '../../shared/core/identity';
import {
  isSignalChoice,
  KILL_INIT_CHOICE,
  killInitConfirmation,
  offersFromInside,
  originItems,
  originPickTitle,
  signalConfirmation,
  signalItems,
  SIGNALS,
  type SignalTarget,
} from '../../extension/commands/signalPolicy';

const sleeper: SignalTarget = { comm: 'sleep', pid: 4242, ns: { inode: 4026532300, level: 2, init: 4200 } };
const init: SignalTarget = { comm: 'pidns-init', pid: 4200, ns: { inode: 4026532300, level: 2, init: 4200 } };
const hostInit: SignalTarget = { comm: 'systemd', pid: 1, ns: { inode: 4026531836, level: 0, init: 1 } };

test('one list: every signal once, the picks in that order with their details', () => {
  const names = SIGNALS.map((s) => s.name);
  assert.deepEqual(names, ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGSTOP', 'SIGCONT', 'SIGUSR1', 'SIGUSR2']);
  assert.deepEqual(
    signalItems().map((i) => [i.label, i.value]),
    names.map((n) => [n, n]),
  );
  assert.equal(signalItems()[0].detail, 'ask it to terminate');
});

test('the signals that end or interrupt a process are confirmed in a modal; stop, continue and user signals are not', () => {
  for (const s of ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT'])
    assert.deepEqual(signalConfirmation(s, sleeper), { message: `Send ${s} to sleep (host PID 4242)?`, button: 'Send' }, s);
  for (const s of ['SIGSTOP', 'SIGCONT', 'SIGUSR1', 'SIGUSR2']) assert.equal(signalConfirmation(s, sleeper), undefined, s);
  // A name the list does not know is never sent unasked.
  assert.ok(signalConfirmation('SIGPWR', sleeper));
});

test('"from inside its own namespace" is offered for the PID 1 of a nested namespace only', () => {
  assert.equal(offersFromInside(init), true);
  assert.equal(offersFromInside(sleeper), false, 'not its namespace init');
  assert.equal(offersFromInside(hostInit), false, 'the initial namespace has no inside to send from');
  assert.equal(offersFromInside({ comm: 'x', pid: 7, ns: undefined }), false, 'namespace not seen');
  assert.deepEqual(
    originItems().map((i) => i.value),
    ['ancestor', 'inside'],
  );
  assert.equal(originPickTitle(init), 'pidns-init is PID 1 of pid:[4026532300]: send from where?');
});

test("Kill Init asks with the init's name and what dies with it, and sends SIGKILL from the helper", () => {
  const q = killInitConfirmation({ nsInode: 4026532300, initComm: 'sh', initPid: 900, processes: 12, nestedNamespaces: 3 });
  assert.equal(q.message, 'Kill sh (host PID 900), PID 1 of pid:[4026532300]?');
  assert.match(q.detail ?? '', /12 processes, including 3 nested namespaces/);
  assert.equal(q.button, 'Kill Init');
  assert.deepEqual(KILL_INIT_CHOICE, { signal: 'SIGKILL', from: 'ancestor' });
  // An inferred namespace (links not readable) is named as every view names it, never by its synthetic id.
  const inferred = inferredNsInode({ pid: 27416, startTime: 5000 }, 1);
  const qi = killInitConfirmation({ nsInode: inferred, initComm: 'sh', initPid: 27416, processes: 2, nestedNamespaces: 0 });
  assert.equal(qi.message, 'Kill sh (host PID 27416), PID 1 of pid:[inferred from 27416]?');
});

test('a SignalChoice from a caller is a signal name and, optionally, a known origin', () => {
  assert.ok(isSignalChoice({ signal: 'SIGSTOP' }));
  assert.ok(isSignalChoice({ signal: 'SIGTERM', from: 'inside' }));
  for (const bad of [undefined, null, 'SIGTERM', {}, { signal: 15 }, { signal: 'SIGTERM', from: 'outside' }])
    assert.equal(isSignalChoice(bad), false, JSON.stringify(bad));
});
