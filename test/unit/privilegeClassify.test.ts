// The launcher's reading of pkexec's and sudo's failures, on the texts measured on Debian 12.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyPkexecFailure,
  classifySudoFailure,
  pkexecCouldNotAsk,
  FAILURE_MESSAGES,
} from '../../helper-native/src/launch/failureMessages';
import { capMask, directLaunchIsPrivileged } from '../../helper-native/src/launch/privileges';

test('pkexec texts map to their reasons', () => {
  assert.equal(classifyPkexecFailure(127, 'Error executing command as another user: No authentication agent found.'), 'no-polkit-agent');
  assert.equal(
    classifyPkexecFailure(
      127,
      "Error creating textual authentication agent: Error opening current controlling terminal for the process (`/dev/tty'): No such device or address",
    ),
    'no-polkit-agent',
  );
  assert.equal(
    classifyPkexecFailure(127, 'Error getting authority: Error initializing authority: Could not connect: No such file or directory'),
    'no-polkit-authority',
  );
  assert.equal(
    classifyPkexecFailure(127, 'Error executing command as another user: Not authorized\n\nThis incident has been reported.'),
    'polkit-not-authorized',
  );
  assert.equal(classifyPkexecFailure(126, ''), 'polkit-dismissed');
  assert.equal(classifyPkexecFailure(1, 'pkexec must be setuid root'), 'pkexec-not-setuid');
  assert.equal(classifyPkexecFailure(1, 'TypeError: x is not a function\n    at main (/x/pidns.js:1:1)'), 'helper-crashed');
});

test('sudo texts map to their reasons', () => {
  assert.equal(classifySudoFailure(1, 'sudo: a password is required'), 'sudo-needs-password');
  assert.equal(
    classifySudoFailure(1, 'Sorry, try again.\nsudo: no password was provided\nsudo: 1 incorrect password attempt'),
    'sudo-wrong-password',
  );
  assert.equal(classifySudoFailure(1, 'pidns-test is not in the sudoers file.'), 'sudo-not-in-sudoers');
  assert.equal(classifySudoFailure(1, "Sorry, user pidns-test is not allowed to execute '/bin/cat' as root on vm."), 'sudo-not-allowed');
  assert.equal(classifySudoFailure(null, 'Segmentation fault'), 'helper-crashed');
});

test('only "could not ask" pkexec failures lead on to sudo; a refusal or a dismissal is final', () => {
  assert.equal(pkexecCouldNotAsk('no-polkit-agent'), true);
  assert.equal(pkexecCouldNotAsk('pkexec-missing'), true);
  assert.equal(pkexecCouldNotAsk('polkit-not-authorized'), false);
  assert.equal(pkexecCouldNotAsk('polkit-dismissed'), false);
  assert.match(FAILURE_MESSAGES['no-polkit-agent'], /Remote-SSH/);
});

test('capabilities: root is privileged; a non-root process only with the needed ambient capabilities', () => {
  const status = (eff: string, amb: string): string => `Name:\tnode\nCapInh:\t0\nCapEff:\t${eff}\nCapAmb:\t${amb}\n`;
  assert.equal(capMask(status('000001ffffffffff', '0'), 'CapEff'), 0x1ffffffffffn);
  assert.equal(directLaunchIsPrivileged(0, status('0', '0')), true);
  // CAP_SYS_ADMIN (21) | CAP_SYS_PTRACE (19) | CAP_DAC_READ_SEARCH (2) = 0x280004
  assert.equal(directLaunchIsPrivileged(1000, status('0000000000280004', '0000000000280004')), true);
  assert.equal(directLaunchIsPrivileged(1000, status('0000000000280004', '0')), false, 'effective but not ambient: lost on exec');
  assert.equal(directLaunchIsPrivileged(1000, status('0000000000200004', '0000000000200004')), false, 'no CAP_SYS_PTRACE');
});
