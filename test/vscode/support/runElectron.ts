// Runs the same extension test suite (test/vscode/suite) in desktop VS Code through @vscode/test-electron,
// on machines that can download VS Code (this VM cannot, so npm test runs the suite in code-server instead,
// see extensionSuite.test.ts). Usage, after `node scripts/build.mjs`:
//   PIDNS_EXPECT_PRIVILEGE=root node out/test/vscode/runElectron.js            (as root)
//   PIDNS_EXPECT_PRIVILEGE=pkexec node out/test/vscode/runElectron.js          (a user with a polkit rule)
// Exits non-zero when the suite fails or VS Code cannot be started.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const repo = resolve(__dirname, '..', '..', '..', '..');
  const workspace = mkdtempSync(join(tmpdir(), 'pidns-electron-'));
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? '1.100.3',
      extensionDevelopmentPath: repo,
      extensionTestsPath: join(repo, 'out', 'test', 'vscode', 'suite', 'index.js'),
      // A clean profile: no other extension can register commands or hovers that the suite would see.
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { PIDNS_EXPECT_PRIVILEGE: process.env.PIDNS_EXPECT_PRIVILEGE ?? (process.getuid?.() === 0 ? 'root' : 'pkexec') },
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`extension tests failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
