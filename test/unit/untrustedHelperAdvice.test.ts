// When the user declined to run the writable bundle as root, the advice points at the one safe way to get
// root (installing the system helper), not at switching to sudo, which would elevate the same files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURE_MESSAGES, pkexecCouldNotAsk } from '../../helper-native/src/launch/failureMessages';
import { adviceForLaunch } from '../../extension/privilegeAdvice';

test('declined: the advice offers "Install the System Helper…", not sudo; a declined or unsafe tool is said plainly', () => {
  const a = adviceForLaunch('none', [
    { step: 'pkexec', ok: false, reason: 'untrusted-helper-declined', message: FAILURE_MESSAGES['untrusted-helper-declined'], ms: 1 },
    { step: 'unprivileged', ok: true, message: 'ok', ms: 1 },
  ]);
  assert.ok(a);
  assert.match(a.message, /which you and every other extension can write/);
  assert.match(a.message, /Install the System Helper/);
  assert.deepEqual(a.actions, ['installHelper', 'showLog']);
  // A "no" is final: the ladder must not go on to sudo with the same writable files.
  assert.equal(pkexecCouldNotAsk('untrusted-helper-declined'), false);
  // A pkexec that is not root-owned could not be asked at all: sudo (also checked) may still work.
  assert.equal(pkexecCouldNotAsk('elevation-tool-unsafe'), true);
  assert.match(FAILURE_MESSAGES['elevation-tool-unsafe'], /PATH is never searched/);
});
