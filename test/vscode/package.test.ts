// `npm run package` output, checked for real: each .vsix carries its own platform's koffi build and native
// init (and nothing else's), and the host's .vsix installs into code-server, loads koffi and shows the view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { activityItem, launchBrowser, makeTempDir, openWorkbench, removeDir, repoRoot, screenshot, startCodeServer } from '../support';

const root = repoRoot();
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const ARCHES = { 'linux-x64': { arch: 'x64', machine: 0x3e }, 'linux-arm64': { arch: 'arm64', machine: 0xb7 } } as const;
const vsixPath = (target: string) => join(root, 'dist', 'vsix', `pidns-explorer-${target}-${version}.vsix`);

// Packaging once for both tests; the build itself is npm test's build phase (rebuilding here would rewrite out/ under the running tests).
let packaged = false;
function ensurePackaged(): void {
  if (packaged) return;
  execFileSync(process.execPath, [join(root, 'scripts', 'package.mjs'), '--no-build'], { cwd: root, stdio: 'pipe', timeout: 300_000 });
  packaged = true;
}

function vsixFiles(file: string): string[] {
  return execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).trim().split('\n');
}

/** scripts/elf.mjs, the build's own check (an ES module: imported, not required). */
async function elfInterpreterOf(bytes: Buffer): Promise<string | null> {
  const elf = (await import(pathToFileURL(join(root, 'scripts', 'elf.mjs')).href)) as { elfInterpreter(path: string): string | null };
  const dir = makeTempDir('pidns-vsix-init-');
  try {
    writeFileSync(join(dir, 'pidns-init'), bytes);
    return elf.elfInterpreter(join(dir, 'pidns-init'));
  } finally {
    removeDir(dir);
  }
}

test(
  'npm run package: one .vsix per Linux target, each with only its own koffi build and a static native init',
  { timeout: 300_000 },
  async () => {
    ensurePackaged();
    for (const [target, { arch, machine }] of Object.entries(ARCHES)) {
      const file = vsixPath(target);
      const files = vsixFiles(file);
      for (const f of [
        'dist/extension.js',
        'dist/pidns.js',
        'dist/webview.js',
        'dist/native/pidns-init',
        'package.json',
        'LICENSE.txt',
        'scripts/install-system-helper.sh',
        'node_modules/koffi/index.js',
        `node_modules/@koromix/koffi-linux-${arch}/linux_${arch}/koffi.node`,
      ]) {
        assert.ok(files.includes(`extension/${f}`), `${target}: extension/${f} missing`);
      }
      const foreign = files.filter((f) => f.includes('@koromix/') && !f.includes(`@koromix/koffi-linux-${arch}/`));
      assert.deepEqual(foreign, [], `${target} carries another platform's koffi`);
      const devFiles = files.filter(
        (f) => /\.(ts|map|cc|hh)$/.test(f) || f.startsWith('extension/test/') || f.startsWith('extension/out/'),
      );
      assert.deepEqual(devFiles, [], `${target} carries development files`);
      const init = execFileSync('unzip', ['-p', file, 'extension/dist/native/pidns-init']);
      assert.equal(init.readUInt32BE(0), 0x7f454c46, 'init is not ELF');
      assert.equal(init.readUInt16LE(18), machine, `${target} init built for ELF machine ${init.readUInt16LE(18)}`);
      // Static: a Remote-SSH host need not have the libc it was built against (the README's "static C init").
      assert.equal(await elfInterpreterOf(init), null, `${target} init asks for a dynamic loader`);
      const manifest = execFileSync('unzip', ['-p', file, 'extension.vsixmanifest'], { encoding: 'utf8' });
      assert.match(manifest, new RegExp(`TargetPlatform="${target}"`));
    }
  },
);

test(
  'the host .vsix installs into code-server, its koffi loads, and its tree shows the namespaces the installed helper scanned',
  { timeout: 300_000 },
  async (t) => {
    ensurePackaged();
    const target = `linux-${process.arch}`;
    const workspace = makeTempDir('pidns-vsix-workspace-');
    t.after(() => removeDir(workspace));
    const server = await startCodeServer({ workspace, vsix: vsixPath(target) });
    t.after(() => server.stop());

    const installed = readdirSync(server.extensionsDir).filter((d) => d.startsWith('pidns-explorer.pidns-explorer-'));
    assert.deepEqual(installed, [`pidns-explorer.pidns-explorer-${version}`]);
    const dir = join(server.extensionsDir, installed[0]);
    // The installed copy's koffi, not the repository's: call getpid() through it.
    const pid = execFileSync(
      process.execPath,
      ['-e', "const k=require('koffi');console.log(k.load('libc.so.6').func('int getpid()')()===process.pid)"],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', NODE_PATH: join(dir, 'node_modules') }, encoding: 'utf8' },
    ).trim();
    assert.equal(pid, 'true');

    const browser = await launchBrowser();
    t.after(() => browser.close());
    const page = await openWorkbench(browser, server, { theme: 'light' });
    const entry = activityItem(page, 'PID Namespaces');
    await entry.waitFor({ state: 'visible', timeout: 60_000 });
    await entry.click();
    // The activity-bar entry comes from the static manifest alone. A `pid:[inode]` row in the tree needs the
    // installed copy to activate, start its helper (dist/pidns.js with the .vsix's koffi) and scan /proc.
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Namespaces' }) });
    await pane
      .locator('.monaco-list-row', { hasText: /^pid:\[\d+\]/ })
      .first()
      .waitFor({ state: 'visible', timeout: 60_000 });
    t.diagnostic(`screenshot: ${await screenshot(page, `packaged-${target}`)}`);
  },
);
