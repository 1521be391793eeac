// The scenario a user sees, driven through the real workbench UI with Playwright in Chromium: open the
// view, run "Create Nested PID Namespaces…" from the palette with depth 5 (answering the prompts), see the
// five nested namespace nodes, hover the leaf process and read its PID at every level from the hover,
// destroy through the palette (confirming the dialog), see them go. Every reading is checked against
// /proc. Screenshots land in test-results/screenshots. Run as a non-root user (pkexec) and as root.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { lookupUser, openNamespacesView, openSession, repoRoot, runCommand, screenshot, waitFor, waitForStatus } from '../support';
import {
  allowAnyPkexecFor,
  installPolkitRule,
  installSystemHelper,
  noRuleGrants,
  startSystemServices,
  withoutSystemHelper,
} from './support/polkitTestRule';
import { nspidOf } from '../support/kernelTruth';

const USER = process.env.PIDNS_TEST_USER ?? 'pidns-test';
const DEPTH = 5;

interface LevelRow {
  level: number;
  ns: number;
  pid: number;
}

/** The tree's rows, in order, with their aria-level (1 = the root namespace) and text. */
async function treeRows(page: Page): Promise<Array<{ depth: number; text: string; selected: boolean }>> {
  return page.locator('.pane-body .monaco-list-row').evaluateAll((rows) =>
    rows
      .filter((r) => (r as HTMLElement).closest('.pane')?.querySelector('.pane-header')?.textContent?.includes('Namespaces'))
      // Rows are absolutely positioned and recycled, so DOM order is not tree order: data-index is. Sticky
      // scroll's copies of ancestor rows carry no data-index.
      .filter((r) => r.hasAttribute('data-index'))
      .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
      .map((r) => ({
        depth: Number(r.getAttribute('aria-level')),
        text: (r as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
        selected: r.classList.contains('selected'),
      })),
  );
}

function nsRow(text: string): { ns: number; level: number } | undefined {
  const m = /pid:\[(\d+)\]\s*level (\d+)/.exec(text);
  return m ? { ns: Number(m[1]), level: Number(m[2]) } : undefined;
}

/**
 * The created chain as the tree shows it: the selected row is the new leaf process (the create command
 * reveals it); the nearest rows above it one level up each are its namespace and that one's ancestors.
 */
async function chainInTree(page: Page): Promise<{ chain: number[]; leafText: string } | undefined> {
  const rows = await treeRows(page);
  const leafIndex = rows.findIndex((r) => r.selected && /host \d+$/.test(r.text));
  if (leafIndex < 0) return undefined;
  const chain: number[] = [];
  let depth = rows[leafIndex].depth;
  for (let i = leafIndex - 1; i >= 0 && chain.length < DEPTH; i--) {
    if (rows[i].depth !== depth - 1) continue;
    const r = nsRow(rows[i].text);
    if (!r || r.level !== DEPTH - chain.length) return undefined;
    chain.unshift(r.ns);
    depth--;
  }
  return chain.length === DEPTH ? { chain, leafText: rows[leafIndex].text } : undefined;
}

/** SIGKILL the PID 1 of the namespace with this inode, if it still runs (test clean-up; the test is root). */
function killInitOf(nsInode: number): void {
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) !== `pid:[${nsInode}]`) continue;
      if (nspidOf(Number(name))?.at(-1) === 1) process.kill(Number(name), 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * Hover the label once, with VS Code's default hover delay, and read the tooltip's level | namespace | PID table.
 * No second try: a tooltip that a refresh closes is what a person would meet (hoverRate.test.ts measures the rate).
 */
async function hoverTable(page: Page, label: Locator): Promise<LevelRow[]> {
  const hover = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'Namespace' }).first();
  await page.mouse.move(900, 600);
  await page.waitForTimeout(1000);
  await label.hover();
  await hover.waitFor({ state: 'visible', timeout: 3000 });
  const cells = await hover
    .locator('table tr')
    .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? '')));
  return cells
    .filter((c) => c.length === 3)
    .map(([level, ns, pid]) => ({ level: Number(level), ns: Number(/\d+/.exec(ns)?.[0]), pid: Number(pid) }));
}

async function scenario(t: TestContext, user: string | undefined, expectedMode: string): Promise<void> {
  const tag = user ? 'nonroot' : 'root';
  const { page } = await openSession(t, { workspacePrefix: 'pidns-ui-', user });

  await openNamespacesView(page);
  // A wider sidebar, so the screenshots show the descriptions (level, init, count) in full.
  const sidebar = await page.locator('.part.sidebar').boundingBox();
  if (sidebar) {
    const edge = sidebar.x + sidebar.width;
    await page.mouse.move(edge, 300);
    await page.mouse.down();
    await page.mouse.move(edge + 280, 300, { steps: 8 });
    await page.mouse.up();
  }
  await page.mouse.move(900, 600);
  await waitFor('the root namespace row', async () => ((await treeRows(page)).some((r) => nsRow(r.text)?.level === 0) ? true : undefined));
  await waitForStatus(page, expectedMode);
  await screenshot(page, `${tag}-1-tree`);

  await runCommand(page, 'PID Namespaces: Create Nested PID Namespaces…');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  assert.equal(await input.inputValue(), String(DEPTH), 'default depth from the settings');
  await input.fill('40');
  await page.locator('.quick-input-message', { hasText: 'At most' }).waitFor({ state: 'visible' });
  await screenshot(page, `${tag}-2-depth-validation`);
  await input.fill(String(DEPTH));
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Mount /proc per level' }).waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'command' }).waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');

  const { chain, leafText } = await waitFor('the five new namespaces in the tree', () => chainInTree(page));
  await screenshot(page, `${tag}-3-created`);
  const hostPid = Number(/host (\d+)$/.exec(leafText)?.[1]);
  const row = page.locator('.monaco-list-row.selected', { hasText: leafText }).first();
  // If destroy below fails, do not leave the chain running: killing level 1's init takes every level with it.
  t.after(() => killInitOf(chain[0]));
  // Kernel: the leaf is in the innermost namespace, DEPTH levels below ours.
  const nspid = nspidOf(hostPid);
  assert.ok(nspid && nspid.length === DEPTH + 1, `leaf NSpid ${nspid}`);
  assert.equal(readlinkSync(`/proc/${hostPid}/ns/pid`), `pid:[${chain[DEPTH - 1]}]`);

  // The tooltip belongs to the item's label, not the whole (sidebar-wide) row.
  const table = await hoverTable(page, row.locator('.monaco-icon-label').first());
  await screenshot(page, `${tag}-4-leaf-hover`);
  assert.deepEqual(
    table.map((r) => r.level),
    [0, 1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    table.map((r) => r.pid),
    nspid,
    "the hover's PIDs are the kernel's NSpid, outermost first",
  );
  assert.deepEqual(
    table.slice(1).map((r) => r.ns),
    chain,
    "the hover's namespaces are the tree's chain",
  );

  await page.mouse.move(700, 10);
  await runCommand(page, 'PID Namespaces: Destroy Namespaces Created Here');
  const destroy = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Destroy' });
  await destroy.waitFor({ state: 'visible' });
  await screenshot(page, `${tag}-5-confirm-destroy`);
  await destroy.click();
  await waitFor('the chain to leave the tree', async () => {
    const shown = new Set((await treeRows(page)).map((r) => nsRow(r.text)?.ns));
    return chain.every((ns) => !shown.has(ns)) ? true : undefined;
  });
  await waitFor('the leaf process to exit', async () => (nspidOf(hostPid) === undefined ? true : undefined), 10_000);
  await screenshot(page, `${tag}-6-destroyed`);
}

test("UI: create 5 nested namespaces from the palette, read the leaf's PIDs from its hover, destroy (non-root user, pkexec)", async (t) => {
  startSystemServices(repoRoot());
  // pkexec runs the root-owned installed helper (the extension would ask before elevating its own files).
  t.after(installSystemHelper(repoRoot()));
  const remove = await installPolkitRule(USER);
  t.after(remove);
  await scenario(t, USER, 'pkexec');
});

test('UI: the same scenario with code-server running as root', async (t) => {
  await scenario(t, undefined, 'root');
});

test('UI: without a polkit rule or agent, a non-root window says what happened, what still works and what to do', async (t) => {
  startSystemServices(repoRoot());
  // With the system helper installed there is nothing to confirm: pkexec is tried on it and cannot ask.
  t.after(installSystemHelper(repoRoot()));
  // pkexec only: no rule is installed and a headless session has no polkit agent, so pkexec cannot ask.
  await noRuleGrants(USER);
  const { page } = await openSession(t, {
    workspacePrefix: 'pidns-ui-',
    user: USER,
    settings: { 'pidnsExplorer.privilegeMode': 'pkexec' },
  });
  await openNamespacesView(page);
  const toast = page.locator('.notification-toast', { hasText: 'runs without root' }).first();
  await toast.waitFor({ state: 'visible', timeout: 60_000 });
  const text = await toast.innerText();
  assert.match(text, /authentication agent/, 'what happened');
  assert.match(text, /What still works/, 'what still works');
  assert.match(text, /polkit agent|sudo/, 'what to do');
  assert.ok(await toast.locator('.monaco-button', { hasText: 'Use sudo' }).isVisible(), 'offers to switch to sudo');
  await waitForStatus(page, 'unprivileged');
  await screenshot(page, 'nonroot-no-polkit-advice');
});

test('UI: no system helper: the extension asks before running its writable files as root, and Cancel elevates nothing', async (t) => {
  startSystemServices(repoRoot());
  t.after(withoutSystemHelper(repoRoot()));
  // polkit would say yes to anything: only the extension's own question keeps its files from root.
  t.after(await allowAnyPkexecFor(USER));
  const owner = lookupUser(USER);
  const { page } = await openSession(t, {
    workspacePrefix: 'pidns-ui-',
    user: USER,
    settings: { 'pidnsExplorer.privilegeMode': 'pkexec' },
  });
  await openNamespacesView(page);
  const dialog = page.locator('.monaco-dialog-box', { hasText: 'writable by you and by other extensions' });
  await dialog.waitFor({ state: 'visible', timeout: 60_000 });
  const text = await dialog.innerText();
  assert.match(text, /No root-owned system helper is installed/);
  assert.match(text, /running them as root/);
  const buttons = (await dialog.locator('.monaco-button').allInnerTexts()).map((b) => b.trim()).filter(Boolean);
  for (const b of ['Install the System Helper…', 'Run Once Anyway', 'Cancel'])
    assert.ok(buttons.includes(b), `${b} in ${buttons.join(' | ')}`);
  await screenshot(page, 'nonroot-untrusted-helper-question');
  await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
  await waitForStatus(page, 'unprivileged');
  // Nothing of ours runs as root: every helper process of this window is the user's.
  const helpers = readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .flatMap((n) => {
      try {
        const cmd = readFileSync(`/proc/${n}/cmdline`, 'utf8');
        return cmd.includes('pidns.js\0helper')
          ? [{ pid: n, uid: Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${n}/status`, 'utf8'))?.[1]) }]
          : [];
      } catch {
        return [];
      }
    });
  assert.ok(
    helpers.some((h) => h.uid === owner.uid),
    `the unprivileged helper runs: ${JSON.stringify(helpers)}`,
  );
  assert.deepEqual(
    helpers.filter((h) => h.uid === 0 && !existsRootHelperOutsideRepo(h.pid)),
    [],
    'no helper from the repository runs as root',
  );
});

/** A root helper started by another suite from elsewhere (not this checkout) is not ours to judge. */
function existsRootHelperOutsideRepo(pid: string): boolean {
  try {
    return !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(repoRoot());
  } catch {
    return true;
  }
}
