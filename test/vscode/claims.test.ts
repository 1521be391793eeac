// README claims with no other test, driven through the real workbench (code-server as the non-root test user,
// climbing through pkexec as a user would): the settings pidnsExplorer.defaultDepth, mountProc and
// defaultCommand are what "Create Nested PID Namespaces…" proposes and what it then creates (checked in
// /proc); the tree's context menus offer the commands where they apply and run them; "Show Helper Log" shows
// the helper's life; a click on the status bar item explains the privilege mode and switches it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  lookupUser,
  menuLabels,
  openNamespacesView,
  openSession,
  repoRoot,
  runCommand,
  screenshot,
  statusItem,
  waitFor,
  waitForRow,
  waitForStatus,
} from '../support';
import { nspidOf } from '../support/kernelTruth';
import { installPolkitRule, installSystemHelper, startSystemServices } from './support/polkitTestRule';

const USER = process.env.PIDNS_TEST_USER ?? 'pidns-test';
/** An argument no other process on the machine has, so the leaf is found by its command line. */
const MARK = String(4000 + (process.pid % 5000));
const SETTINGS = { 'pidnsExplorer.defaultDepth': 2, 'pidnsExplorer.mountProc': false, 'pidnsExplorer.defaultCommand': `sleep ${MARK}` };

function pids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function uidOf(pid: number): number | undefined {
  try {
    return Number(/^Uid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
}

/** The chain's leaf: `sleep MARK` as its own namespace's PID 1. */
function findLeaf(): number | undefined {
  return pids().find((p) => cmdline(p) === `sleep\0${MARK}\0` && nspidOf(p)?.at(-1) === 1);
}

/** Kill every PID 1 of a namespace that holds a `sleep MARK` (clean-up if the test failed half-way). */
function killLeftovers(): void {
  for (const p of pids()) {
    if (cmdline(p) !== `sleep\0${MARK}\0`) continue;
    const nspid = nspidOf(p);
    if (!nspid) continue;
    // Level 1's init takes every level below with it: its host PID is the ancestor whose NSpid has 2 entries.
    for (let q: number | undefined = p; q && q > 1; q = Number(/^PPid:\s*(\d+)/m.exec(readFileSync(`/proc/${q}/status`, 'utf8'))?.[1])) {
      if (nspidOf(q)?.length === 2) {
        process.kill(q, 'SIGKILL');
        break;
      }
    }
  }
}

async function outputText(page: Page): Promise<string> {
  return (await page.locator('.part.panel .monaco-editor .view-lines').allInnerTexts()).join('\n').replace(/\u00a0/g, ' ');
}

test(
  'claims: settings feed Create, context menus, Show Helper Log, and the status bar click explains and switches (non-root, pkexec)',
  { timeout: 300_000 },
  async (t) => {
    startSystemServices(repoRoot());
    // pkexec runs the root-owned installed helper of this build (the polkit rule admits nothing else).
    t.after(installSystemHelper(repoRoot()));
    t.after(await installPolkitRule(USER));
    t.after(killLeftovers);
    const owner = lookupUser(USER);
    const { server, page } = await openSession(t, { workspacePrefix: 'pidns-claims-', user: USER, settings: SETTINGS });
    const tree = await openNamespacesView(page);
    await waitForRow(tree, /pid:\[\d+\]/, 60_000);
    await waitForStatus(page, 'pkexec');

    // Show Helper Log: the output panel shows the log channel with the helper's start.
    await runCommand(page, 'PID Namespaces: Show Helper Log');
    await waitFor('the helper log in the output panel', async () =>
      /helper running: pid \d+, uid 0, via pkexec, acting for /.test(await outputText(page)) ? true : undefined,
    );

    // The settings are what Create proposes, and accepting them creates exactly that.
    await runCommand(page, 'PID Namespaces: Create Nested PID Namespaces…');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    assert.equal(await input.inputValue(), '2', 'pidnsExplorer.defaultDepth');
    await page.keyboard.press('Enter');
    const first = page.locator('.quick-input-list .monaco-list-row[data-index="0"]');
    await first.waitFor({ state: 'visible' });
    assert.match(await first.innerText(), /^Share the host \/proc/, 'pidnsExplorer.mountProc false: sharing /proc is proposed first');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'command' }).waitFor({ state: 'visible' });
    await waitFor('the proposed command', async () => ((await input.inputValue()) === `sleep ${MARK}` ? true : undefined), 5000);
    await page.keyboard.press('Enter');
    const leaf = await waitFor(`the leaf running sleep ${MARK}`, findLeaf);
    assert.equal(nspidOf(leaf)?.length, 3, 'two levels below ours');
    assert.equal(uidOf(leaf), owner.uid, 'the command runs as the user');
    assert.ok(readdirSync(`/proc/${leaf}/root/proc`).includes(String(process.pid)), "no /proc of its own: it lists the host's processes");
    const leafNs = /\d+/.exec(readlinkSync(`/proc/${leaf}/ns/pid`))?.[0];
    await screenshot(page, 'claims-created-from-settings');

    // Context menus: a namespace created here offers terminal, Show in Graph, destroy, kill init; a process offers Send Signal and Show in Graph.
    const nsRow = await waitForRow(tree, `pid:[${leafNs}]`, 15_000);
    await nsRow.click({ button: 'right' });
    const nsMenu = await menuLabels(page);
    for (const label of [
      'Open Terminal in Namespace',
      'Show in Graph',
      'Destroy Namespaces Created Here',
      'Kill Init (destroys the namespace)',
      'Copy Snapshot as JSON',
    ]) {
      assert.ok(nsMenu.includes(label), `namespace menu has ${label}: ${nsMenu.join(' | ')}`);
    }
    assert.ok(!nsMenu.includes('Send Signal…'), 'no Send Signal on a namespace');
    await page.keyboard.press('Escape');
    const procRow = await waitForRow(tree, `host ${leaf}`, 15_000);
    await procRow.click({ button: 'right' });
    const procMenu = await menuLabels(page);
    assert.ok(procMenu.includes('Send Signal…'), `process menu has Send Signal…: ${procMenu.join(' | ')}`);
    assert.ok(procMenu.includes('Show in Graph'), `process menu has Show in Graph: ${procMenu.join(' | ')}`);
    assert.ok(!procMenu.includes('Destroy Namespaces Created Here'), 'no Destroy on a process');
    await page.keyboard.press('Escape');
    // The menu's command runs: destroy from the namespace's menu, confirmed in the dialog.
    await nsRow.click({ button: 'right' });
    // Hover focuses the item and Enter runs it: a click can land while the menu is still laying itself out.
    await page.locator('.monaco-menu .action-item', { hasText: 'Destroy Namespaces Created Here' }).hover();
    await page.keyboard.press('Enter');
    const destroy = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Destroy' });
    await destroy.waitFor({ state: 'visible' }).catch(async (err: unknown) => {
      await screenshot(page, 'claims-destroy-dialog-missing');
      throw err;
    });
    await destroy.click();
    await waitFor('the leaf to exit', () => (nspidOf(leaf) === undefined ? true : undefined), 15_000);

    // The status bar click explains the mode and offers the others; "Use none" switches it for real.
    await statusItem(page).click();
    const toast = page.locator('.notification-toast', { hasText: 'through pkexec' }).first();
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await toast.innerText(), new RegExp(`acting for uid ${owner.uid}.*\\(setting: auto\\)`, 's'));
    for (const b of ['Use pkexec', 'Use sudo', 'Use none', 'Restart Helper'])
      assert.ok(await toast.locator('.monaco-button', { hasText: b }).isVisible(), `offers ${b}`);
    await screenshot(page, 'claims-status-bar-explains');
    await toast.locator('.monaco-button', { hasText: 'Use none' }).click();
    await waitForStatus(page, 'unprivileged');
    const settings = JSON.parse(readFileSync(join(server.userDataDir, 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['pidnsExplorer.privilegeMode'], 'none', 'the switch is stored in the user settings');
    await waitFor('the log to show the restart as the user', async () =>
      new RegExp(`privilege mode changed: restarting the helper[\\s\\S]*helper running: pid \\d+, uid ${owner.uid}, via direct`).test(
        await outputText(page),
      )
        ? true
        : undefined,
    );
  },
);
