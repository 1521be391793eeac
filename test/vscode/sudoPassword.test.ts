// The sudo password box, driven as a person does it: code-server runs as the non-root user `pidns-test` with
// pidnsExplorer.privilegeMode = sudo; the user has a password and a sudoers entry for the root-owned installed
// helper (both set for this test and undone after it, also on failure). The extension asks for the password in
// an input box: a wrong one gives the advice notification with Retry and an unprivileged helper; Retry asks
// again, the right one starts the helper as root through sudo, acting for the user's uid (status bar, /proc of
// the helper), and the tree shows a namespace only root can see. While sudo runs, neither password is in any
// /proc/*/cmdline or /proc/*/environ: every process's are searched, in passes back to back, the whole time.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { INSTALLED_HELPER } from '../../helper-native/src/launch/installedHelper';
import { lookupUser, openNamespacesView, openSession, repoRoot, screenshot, waitFor, waitForRow, waitForStatus } from '../support';
import { descendants, killTree } from '../support/processTree';
import { watchSecrets } from './support/secretWatch';
import { installSystemHelper, startSystemServices } from './support/polkitTestRule';
import { allowSudo, setPassword } from './support/sudoTestUser';

const USER = process.env.PIDNS_TEST_USER ?? 'pidns-test';

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Real, effective, saved and fs uid, from /proc/PID/status. */
function uids(pid: number): number[] {
  return (/^Uid:\s*(.*)$/m.exec(read(`/proc/${pid}/status`))?.[1] ?? '').split(/\s+/).map(Number);
}

/** The `sudo -S … pidns-helper` the extension runs for `uid` (sudo's real uid stays the user's). */
function sudoOf(uid: number): number | undefined {
  return pids().find(
    (p) => read(`/proc/${p}/comm`).trim() === 'sudo' && read(`/proc/${p}/cmdline`).includes(`\0-S\0`) && uids(p)[0] === uid,
  );
}

/** The installed helper started for code-server `server` (a descendant of it), once it runs node. */
function helperUnder(server: number): number | undefined {
  return descendants(server).find((p) => read(`/proc/${p}/cmdline`).includes('dist/pidns.js\0helper'));
}

async function passwordBox(page: Page): Promise<ReturnType<Page['locator']>> {
  const widget = page.locator('.quick-input-widget', { hasText: 'sudo password' });
  await widget.waitFor({ state: 'visible', timeout: 60_000 });
  const input = widget.locator('input');
  assert.equal(await input.getAttribute('type'), 'password', 'the box hides what is typed');
  return input;
}

test(
  'sudo: the password box in code-server: wrong password → advice with Retry; right one → root helper through sudo for the user',
  { timeout: 300_000 },
  async (t) => {
    startSystemServices(repoRoot());
    // sudo runs the root-owned installed helper: the extension would ask before elevating its own writable files.
    t.after(installSystemHelper(repoRoot()));
    const owner = lookupUser(USER);
    const password = `pidns-sudo-${randomBytes(8).toString('hex')}`;
    const wrong = `pidns-wrong-${randomBytes(8).toString('hex')}`;
    t.after(setPassword(USER, password));
    t.after(allowSudo(USER, INSTALLED_HELPER));

    // A PID namespace of root's: its inode is unreadable to the user, so only a root helper shows it.
    const rootNs = spawn('unshare', ['--pid', '--fork', '--kill-child', 'sleep', '600'], { stdio: 'ignore', detached: true });
    t.after(() => killTree(rootNs.pid as number, 500));
    const rootNsInode = await waitFor('the root-owned namespace', () => {
      const sleeper = descendants(rootNs.pid as number).find((p) => p !== rootNs.pid && read(`/proc/${p}/comm`).trim() === 'sleep');
      return sleeper ? /\d+/.exec(readlinkSync(`/proc/${sleeper}/ns/pid`))?.[0] : undefined;
    });

    const watch = watchSecrets([password, wrong], () => sudoOf(owner.uid));
    t.after(() => watch.stop());
    const { server, page } = await openSession(t, {
      workspacePrefix: 'pidns-sudo-',
      user: USER,
      settings: { 'pidnsExplorer.privilegeMode': 'sudo' },
    });
    const tree = await openNamespacesView(page);

    // 1. A wrong password: sudo says so, the helper runs unprivileged, and the advice offers Retry.
    watch.mark('wrong');
    let input = await passwordBox(page);
    await screenshot(page, 'sudo-password-box');
    await input.pressSequentially(wrong);
    await page.keyboard.press('Enter');
    const advice = page.locator('.notification-toast', { hasText: 'The sudo password was wrong' }).first();
    await advice.waitFor({ state: 'visible', timeout: 60_000 });
    await screenshot(page, 'sudo-wrong-password-advice');
    await waitForStatus(page, 'unprivileged');
    await waitForRow(tree, /pid:\[\d+\]/);
    assert.equal(
      await tree.locator('.monaco-list-row', { hasText: `pid:[${rootNsInode}]` }).count(),
      0,
      "the user's helper cannot see root's namespace",
    );
    const retry = advice.locator('.monaco-button', { hasText: 'Retry' });
    assert.ok(await retry.isVisible(), 'the advice offers Retry');

    // 2. Retry asks again; the right password starts the installed helper as root through sudo.
    watch.mark('right');
    await retry.click();
    input = await passwordBox(page);
    await input.pressSequentially(password);
    await page.keyboard.press('Enter');
    await waitForStatus(page, 'sudo', 60_000);
    await waitForRow(tree, `pid:[${rootNsInode}]`);
    await screenshot(page, 'sudo-root-helper-tree');

    const helper = await waitFor('the helper under code-server', () => helperUnder(server.pid));
    assert.equal(uids(helper)[0], 0, 'the helper runs as root (real uid 0)');
    const env = read(`/proc/${helper}/environ`).split('\0');
    assert.ok(env.includes(`SUDO_UID=${owner.uid}`), `sudo acts for the user's uid: ${env.filter((e) => e.startsWith('SUDO_')).join(' ')}`);
    assert.ok(
      read(`/proc/${helper}/cmdline`).startsWith('/usr/local/lib/pidns-explorer/'),
      'the root-owned installed helper, not the bundle',
    );
    const sudo = sudoOf(owner.uid);
    assert.ok(sudo !== undefined && descendants(sudo).includes(helper), 'the helper runs under sudo -S');

    // Keep looking while sudo and its root helper run, then judge everything seen since the window opened.
    const passesNow = watch.passes;
    await waitFor('three more passes over /proc', () => (watch.passes >= passesNow + 3 ? true : undefined));
    await watch.stop();
    t.diagnostic(
      `/proc searched ${watch.passes} times; with sudo running: ${watch.passesWithSudo.get('wrong') ?? 0} (wrong password), ${watch.passesWithSudo.get('right') ?? 0} (right)`,
    );
    assert.deepEqual(watch.hits, [], 'a password in a command line or environment');
    assert.ok((watch.passesWithSudo.get('wrong') ?? 0) >= 1, 'looked while sudo checked the wrong password');
    assert.ok((watch.passesWithSudo.get('right') ?? 0) >= 3, 'looked while sudo and its helper ran');
  },
);
