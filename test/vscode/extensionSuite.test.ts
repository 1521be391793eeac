// Runs the mocha suite in test/vscode/suite inside code-server's real extension host, twice: as root
// (the helper runs directly) and as a non-root user, where the extension must climb to root through the
// real pkexec, allowed by a polkit rule installed for the test for the root-owned system helper, which the
// test installs first (as an administrator would). Any failure to run is a failure.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { lookupUser, repoRoot, runExtensionTests } from '../support';
import { startHelperKiller } from './support/helperKiller';
import { installPolkitRule, installSystemHelper, restoreSystemHelperAfter, startSystemServices } from './support/polkitTestRule';

const USER = process.env.PIDNS_TEST_USER ?? 'pidns-test';

/**
 * A supplementary group for the user for the length of the run, so that "the terminal's shell has the user's
 * groups" is a real check (the user has none of its own, and code-server's extension host drops them).
 */
function addTemporaryGroup(user: string): () => void {
  const group = `pidns-g${process.pid}`;
  execFileSync('groupadd', [group]);
  try {
    execFileSync('usermod', ['-aG', group, user]);
  } catch (e) {
    execFileSync('groupdel', [group]);
    throw e;
  }
  return () => execFileSync('groupdel', [group]);
}

/** While working on the suite: PIDNS_SUITE_GREP=pattern runs only the matching tests (both runs). */
const GREP: Record<string, string> = process.env.PIDNS_SUITE_GREP ? { PIDNS_SUITE_GREP: process.env.PIDNS_SUITE_GREP } : {};

/** The mocha lines and the suite's own measurements (kill → new helper, fork → tree, diff gaps). */
function summary(log: string): string {
  return log
    .split('\n')
    .filter((l) => /passing|failing|pending|✔|✓|\d+\) |^\s+- |kill →|fork →|diff gaps/.test(l))
    .join('\n');
}

function suitePath(): string {
  return join(repoRoot(), 'out', 'test', 'vscode', 'suite', 'index.js');
}

test('extension suite in code-server as a non-root user, climbing to root through pkexec', async (t) => {
  startSystemServices(repoRoot());
  // pkexec runs the root-owned installed helper (the extension would ask before elevating its own files).
  t.after(installSystemHelper(repoRoot()));
  const remove = await installPolkitRule(USER);
  t.after(remove);
  t.after(addTemporaryGroup(USER));
  const killer = await startHelperKiller(lookupUser(USER).uid);
  t.after(() => killer.close());
  const { exitCode, log } = await runExtensionTests({
    extensionDevelopmentPath: repoRoot(),
    extensionTestsPath: suitePath(),
    user: USER,
    env: { PIDNS_EXPECT_PRIVILEGE: 'pkexec', PIDNS_TEST_KILL_URL: killer.url, ...GREP },
    settings: { 'pidnsExplorer.privilegeMode': 'pkexec' },
    timeoutMs: 420_000, // every helper start goes through pkexec and polkitd
  });
  t.diagnostic(summary(log));
  assert.equal(exitCode, 0, log);
});

test('extension suite in code-server as root', async (t) => {
  // The suite runs "Install the System Helper…" as root.
  t.after(restoreSystemHelperAfter(repoRoot()));
  const { exitCode, log } = await runExtensionTests({
    extensionDevelopmentPath: repoRoot(),
    extensionTestsPath: suitePath(),
    env: { PIDNS_EXPECT_PRIVILEGE: 'root', ...GREP },
    timeoutMs: 420_000, // the helper-restart test alone waits 61 s of backoff
  });
  t.diagnostic(summary(log));
  assert.equal(exitCode, 0, log);
});
