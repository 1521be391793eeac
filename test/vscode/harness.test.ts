// Proves the VS Code harness against a real code-server: extension tests report their real
// outcome (pass → 0, fail → non-zero), also with code-server running as a non-root user, and the
// UI path (activity bar, tree view, palette command) works and renders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  activityItem,
  chownTree,
  launchBrowser,
  lookupUser,
  makeTempDir,
  openWorkbench,
  removeDir,
  runCommand,
  runExtensionTests,
  screenshot,
  startCodeServer,
} from '../support';
import { descendants } from '../support/processTree';
import { PROBE, writeProbeExtension } from '../support/probeExtension';

const TEST_USER = process.env.PIDNS_TEST_USER ?? 'pidns-test';

function probeFor(t: { after(fn: () => void): void }, user?: string) {
  const owner = user ? lookupUser(user) : undefined;
  const dir = makeTempDir('pidns-probe-ext-');
  t.after(() => removeDir(dir));
  const files = writeProbeExtension(dir, owner?.uid ?? 0);
  if (owner) chownTree(dir, owner); // mkdtemp makes it 0700 root: the user must read it
  return files;
}

test('a passing extension test suite exits 0 inside code-server', async (t) => {
  const probe = probeFor(t);
  const started = Date.now();
  const { exitCode, log } = await runExtensionTests({
    extensionDevelopmentPath: probe.extensionPath,
    extensionTestsPath: probe.passingTests,
  });
  t.diagnostic(`run took ${Date.now() - started} ms`);
  assert.equal(exitCode, 0, log);
  assert.match(log, /2 passing/);
});

test('a failing extension test suite exits non-zero and its failure is in the log', async (t) => {
  const probe = probeFor(t);
  const { exitCode, log } = await runExtensionTests({
    extensionDevelopmentPath: probe.extensionPath,
    extensionTestsPath: probe.failingTests,
  });
  assert.notEqual(exitCode, 0, log);
  assert.match(log, /1 failing/);
  assert.match(log, /deliberate outcome/);
});

test('a suite with a pending (skipped) test exits non-zero and names it', async (t) => {
  const probe = probeFor(t);
  const { exitCode, log } = await runExtensionTests({
    extensionDevelopmentPath: probe.extensionPath,
    extensionTestsPath: probe.pendingTests,
  });
  assert.notEqual(exitCode, 0, log);
  assert.match(log, /1 test\(s\) pending, every test must run: harness probe skips itself/);
});

test('a suite that loads no test exits non-zero', async (t) => {
  const probe = probeFor(t);
  const { exitCode, log } = await runExtensionTests({
    extensionDevelopmentPath: probe.extensionPath,
    extensionTestsPath: probe.emptyTests,
  });
  assert.notEqual(exitCode, 0, log);
  assert.match(log, /no test ran/);
});

test('a suite that never finishes makes runExtensionTests reject with its log, and leaves no server behind', async (t) => {
  const probe = probeFor(t);
  const before = new Set(descendants(process.pid));
  await assert.rejects(
    // The limit starts at the suite's own first line, so however long server start and workbench load take on a
    // loaded machine (8-9 s for a whole passing run here, 40 s seen under heavy load), the hang is what is timed.
    runExtensionTests({
      extensionDevelopmentPath: probe.extensionPath,
      extensionTestsPath: probe.hangingTests,
      finishWithin: { after: /probe: hanging on purpose/, ms: 5000 },
    }),
    (err: Error) => /did not finish within 5000 ms of "probe: hanging on purpose"/.test(err.message),
  );
  const leftovers = descendants(process.pid).filter(
    (p) =>
      !before.has(p) &&
      p !== process.pid &&
      existsSync(`/proc/${p}/cmdline`) &&
      readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('code-server'),
  );
  assert.deepEqual(leftovers, []);
});

test(`extension tests run as the non-root user ${TEST_USER}`, async (t) => {
  const probe = probeFor(t, TEST_USER);
  const { exitCode, log } = await runExtensionTests({
    extensionDevelopmentPath: probe.extensionPath,
    extensionTestsPath: probe.passingTests,
    user: TEST_USER,
  });
  // The suite asserts the extension host's uid is the test user's.
  assert.equal(exitCode, 0, log);
});

test('UI: the activity-bar entry, its tree view and a palette command work', async (t) => {
  const probe = probeFor(t, TEST_USER);
  const workspace = makeTempDir('pidns-ui-workspace-', lookupUser(TEST_USER));
  t.after(() => removeDir(workspace));
  const server = await startCodeServer({ workspace, user: TEST_USER });
  t.after(() => server.stop());
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await openWorkbench(browser, server, { extensionDevelopmentPath: probe.extensionPath, theme: 'dark' });

  const entry = activityItem(page, PROBE.container);
  await entry.waitFor({ state: 'visible', timeout: 60_000 });
  await entry.click();
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: PROBE.view }) });
  for (const item of PROBE.items) {
    await pane.locator('.monaco-list-row', { hasText: item }).waitFor({ state: 'visible', timeout: 30_000 });
  }

  await runCommand(page, PROBE.command);
  const toast = page.locator('.notification-toast', { hasText: PROBE.message });
  await toast.waitFor({ state: 'visible', timeout: 15_000 });
  await page.waitForTimeout(500); // let the toast finish sliding in, for a readable screenshot
  const file = await screenshot(page, 'harness-probe');
  t.diagnostic(`screenshot: ${file}`);

  // stop() must take the extension host and every other child with it (they outlive browser sessions).
  const tree = descendants(server.pid);
  assert.ok(tree.length >= 3, `expected server + extension host + more, got ${tree.join(' ')}`);
  await server.stop();
  const survivors = tree.filter((pid) => existsSync(`/proc/${pid}`));
  assert.deepEqual(survivors, [], 'processes left after stop()');
});
