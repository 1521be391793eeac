// Runs the mocha suite in test/vscode/suite inside code-server's real extension host, twice: as root
// (the helper runs directly) and as a non-root user, where the extension must climb to root through the
// real pkexec, allowed by a polkit rule installed for the test for the root-owned system helper, which the
// test installs first (as an administrator would). Any failure to run is a failure.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, runExtensionTests } from '../harness';
import { installPolkitRule, installSystemHelper, restoreSystemHelperAfter, startSystemServices } from './polkitTestRule';

const USER = process.env.PIDNS_TEST_USER ?? 'pidns-test';

function suitePath(): string {
  return join(repoRoot(), 'out', 'test', 'vscode', 'suite', 'index.js');
}

test('extension suite in code-server as a non-root user, climbing to root through pkexec', async (t) => {
  startSystemServices(repoRoot());
  // pkexec runs the root-owned installed helper (the extension would ask before elevating its own files).
  t.after(installSystemHelper(repoRoot()));
  const remove = installPolkitRule(USER);
  t.after(remove);
  const { exitCode, log } = await runExtensionTests({
    extensionDevelopmentPath: repoRoot(),
    extensionTestsPath: suitePath(),
    user: USER,
    env: { PIDNS_EXPECT_PRIVILEGE: 'pkexec' },
    settings: { 'pidnsExplorer.privilegeMode': 'pkexec' },
    timeoutMs: 240_000,
  });
  t.diagnostic(log.split('\n').filter((l) => /passing|failing|pending|✔|✓|\d+\) |^\s+- /.test(l)).join('\n'));
  assert.equal(exitCode, 0, log);
});

test('extension suite in code-server as root', async (t) => {
  // The suite runs "Install the System Helper…" as root.
  t.after(restoreSystemHelperAfter(repoRoot()));
  const { exitCode, log } = await runExtensionTests({
    extensionDevelopmentPath: repoRoot(),
    extensionTestsPath: suitePath(),
    env: { PIDNS_EXPECT_PRIVILEGE: 'root' },
    timeoutMs: 240_000,
  });
  t.diagnostic(log.split('\n').filter((l) => /passing|failing|pending|✔|✓|\d+\) |^\s+- /.test(l)).join('\n'));
  assert.equal(exitCode, 0, log);
});
