/**
 * The VS Code test harness: a REAL VS Code (code-server 4.100.3 = VS Code 1.100.3) driven by
 * Playwright in Debian's Chromium. Import from 'test/support' (compiled: out/test/support).
 * Prerequisites: `bash scripts/ensure-deps.sh` (npm test runs it) and, for anything using pkexec,
 * `bash scripts/services.sh start`. Must run as root (it switches to `user` itself).
 *
 * 1. Extension tests in the extension host (the @vscode/test-electron convention):
 *      const { exitCode, log } = await runExtensionTests({
 *        extensionDevelopmentPath: repoRoot(),                 // folder with the extension's package.json
 *        extensionTestsPath: join(repoRoot(), 'out/test/vscode/suite/index.js'), // exports run(): Promise<void>
 *        user: 'pidns-test',                                   // optional: non-root code-server
 *      });
 *      assert.equal(exitCode, 0, log);
 *    The extension is loaded uninstalled (development mode); mocha's output is in `log`.
 *    Rejects (never hangs) after timeoutMs (default 300 s) with the logs so far.
 *
 * 2. UI tests (openSession does the first three lines, with t.after clean-up for each part):
 *      const { server, page } = await openSession(t, { workspacePrefix: 'pidns-x-', user: 'pidns-test' });
 *      const tree = await openNamespacesView(page); await waitForRow(tree, /pid:\[\d+\]/);
 *    or by hand:
 *      const server = await startCodeServer({ workspace, user: 'pidns-test' }); t.after(() => server.stop());
 *      const browser = await launchBrowser();                  t.after(() => browser.close());
 *      const page = await openWorkbench(browser, server, { extensionDevelopmentPath: repoRoot(), theme: 'dark' });
 *      await activityItem(page, 'PID Namespaces').click();      // wait for it before using the palette
 *      await runCommand(page, 'PID Namespaces: Refresh');
 *      await screenshot(page, 'tree-after-refresh');            // test-results/screenshots/tree-after-refresh.png
 *
 * 3. The packaged product: startCodeServer({ workspace, vsix: 'dist/vsix/pidns-explorer-linux-x64-0.1.0.vsix' })
 *    installs the .vsix (code-server --install-extension, as `user`) before starting; see server.extensionsDir.
 *
 * startCodeServer gives each server its own temp user-data/extensions/HOME/XDG folder with quiet
 * settings (QUIET_SETTINGS, plus opts.settings), binds 127.0.0.1 on a free port with --auth none, and
 * stop() kills its whole process tree (extension hosts, pty hosts, anything they started) and deletes
 * the temp folder. Servers still alive at process exit are killed too. `user` must be able to read
 * the workspace and extension folders (/work/main is world-readable; temp folders here are chowned).
 * The non-root test user is `pidns-test` (created by scripts/ensure-deps.sh, left in place).
 */
export {
  startCodeServer,
  extensionLogFiles,
  extensionHosts,
  helpersUnder,
  productProcesses,
  QUIET_SETTINGS,
  type CodeServer,
  type CodeServerOptions,
} from './codeServer';
export { launchBrowser, CHROMIUM_ARGS } from './browser';
export {
  openWorkbench,
  waitForWorkbench,
  activityItem,
  runCommand,
  openFile,
  menuLabels,
  webviewFrame,
  type WorkbenchOptions,
} from './workbench';
export {
  openSession,
  startServer,
  openPage,
  openNamespacesView,
  namespacesTree,
  waitForRow,
  statusItem,
  waitForStatus,
  type Session,
  type SessionOptions,
} from './session';
export { waitFor } from './poll';
export { runExtensionTests, type ExtensionTestOptions, type ExtensionTestResult } from './extensionTests';
export { screenshot } from './screenshot';
export { repoRoot, codeServerBinary, CHROMIUM } from './paths';
export { lookupUser, makeTempDir, chownTree, removeDir, killTree } from './processTree';
