// The graph inside a real VS Code (code-server, root), opened with "Show Namespace Graph" while the
// seed's 5 nested namespaces exist: the panel's host side (GraphPanel, its CSP and asWebviewUri, the
// ready → snapshot → diff flow) with the real helper. Checks the five cards, the leaf's `5 4 3 2 1`,
// the hover chain, and takes screenshots in light and dark themes (test-results/screenshots). Then "Show in
// Graph" from the tree's context menu, and the graph's signal buttons asking what the tree asks.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { SIGNALS } from '../../extension/commands/signalPolicy';
import { menuLabels, openNamespacesView, openSession, runCommand, screenshot, waitForRow, webviewFrame, type Session } from '../support';

const DEPTH = 5;

interface Chain {
  /** Inodes of the created namespaces, level 1 first. */
  levels: number[];
  leafPid: number;
  dev: number;
}

/** The seed's chain with util-linux: each level forks the next into a new PID namespace with its own /proc. */
async function startChain(t: TestContext): Promise<Chain> {
  const argv: string[] = [];
  for (let i = 0; i < DEPTH; i++) argv.push('--pid', '--fork', '--mount-proc', 'unshare');
  argv.pop();
  const child = spawn('unshare', [...argv, 'sleep', '600'], { detached: true, stdio: 'ignore' });
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  });
  for (let i = 0; i < 100; i++) {
    const leaf = descend(child.pid!, DEPTH);
    if (leaf !== undefined && /^NSpid:.*\s1$/m.test(readFileSync(`/proc/${leaf}/status`, 'utf8'))) {
      const levels: number[] = [];
      for (let pid: number | undefined = firstChild(child.pid!); pid !== undefined && levels.length < DEPTH; pid = firstChild(pid))
        levels.push(statSync(`/proc/${pid}/ns/pid`).ino);
      return { levels, leafPid: leaf, dev: statSync(`/proc/${leaf}/ns/pid`).dev };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the chain did not come up');
}

function firstChild(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

function descend(pid: number, steps: number): number | undefined {
  let p: number | undefined = pid;
  for (let i = 0; i < steps && p !== undefined; i++) p = firstChild(p);
  return p;
}

/**
 * Console errors and warnings, uncaught errors and CSP violations of the graph's webview frames, from the moment
 * the page opens. The document VS Code writes into the webview frame has no URL of its own, so its console
 * messages (CSP violations included) carry an empty URL or the webview's resource URL; the workbench's own
 * messages carry workbench.js and are not the graph's.
 */
function webviewProblems(page: Page): string[] {
  const problems: string[] = [];
  const fromWebview = (url: string) => url === '' || /vscode-resource|vscode-cdn|\/webview\/browser\/pre\//.test(url);
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    // VS Code's own note about the sandbox of the frame it builds for every webview: not the extension's content.
    if (/An iframe which has both allow-scripts and allow-same-origin/.test(m.text())) return;
    if (fromWebview(m.location().url)) problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => {
    if (/vscode-resource|vscode-cdn|webview\.js/.test(e.stack ?? '')) problems.push(`pageerror: ${e.message}`);
  });
  return problems;
}

/**
 * Each scenario's window: code-server (root) with the extension in development mode, the PID Namespaces view
 * opened, and the graph's webview problems collected from the moment the page opened.
 */
async function graphWindow(
  t: TestContext,
  workspacePrefix: string,
  theme: 'light' | 'dark' = 'dark',
): Promise<Session & { problems: string[]; tree: Locator }> {
  const session = await openSession(t, { workspacePrefix, theme });
  const problems = webviewProblems(session.page);
  const tree = await openNamespacesView(session.page);
  return { ...session, problems, tree };
}

async function scenario(t: TestContext, theme: 'light' | 'dark', chain: Chain): Promise<void> {
  const { page, problems } = await graphWindow(t, 'pidns-graph-', theme);
  await runCommand(page, 'PID Namespaces: Show Namespace Graph');
  const frame = await webviewFrame(page);
  const card = (inode: number) => frame.locator(`.card[data-key="${chain.dev}:${inode}"]`);
  await card(chain.levels[DEPTH - 1]).waitFor({ state: 'attached', timeout: 30_000 });
  for (const [i, ino] of chain.levels.entries())
    assert.match((await card(ino).locator('.meta').textContent()) ?? '', new RegExp(`^level ${i + 1} · `));
  const leafRow = card(chain.levels[DEPTH - 1]).locator('.row');
  // Other namespaces on the machine may make "fit to view" too small to draw rows; focusing a card
  // (as a keyboard user does) zooms in on it.
  if ((await leafRow.count()) === 0) await card(chain.levels[DEPTH - 1]).focus();
  await leafRow
    .first()
    .waitFor({ state: 'attached', timeout: 10_000 })
    .catch(() => undefined);
  assert.deepEqual(await leafRow.locator('.c').allTextContents(), [String(chain.leafPid), '5', '4', '3', '2', '1']);
  await screenshot(page, `graph-code-server-${theme}`);
  await leafRow.hover();
  const tip = await frame.locator('#tooltip').innerText();
  for (const [i, ino] of chain.levels.entries()) assert.match(tip, new RegExp(`L${i + 1}\\s+pid:\\[${ino}\\]\\s+PID ${DEPTH - i}`));
  assert.equal(await frame.locator('.card.seen-on').count(), DEPTH);
  await screenshot(page, `graph-code-server-${theme}-hover`);
  // Ctrl+F in the real webview frame (which only stops the browser's own find) focuses the graph's search.
  await frame.locator('#viewport').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+f');
  assert.equal(await frame.evaluate(() => document.activeElement?.id), 'search', 'Ctrl+F focuses the graph search');
  await page.keyboard.type(`pid:[${chain.levels[DEPTH - 1]}]`);
  await page.keyboard.press('Enter');
  assert.equal(await frame.locator('#search-count').innerText(), '1 of 1');
  assert.ok(await card(chain.levels[DEPTH - 1]).evaluate((e) => e.classList.contains('selected')), 'the search selected the leaf');
  assert.deepEqual(problems, [], 'no console error, uncaught error or CSP violation in the webview');
  // The collector sees the real frame under the real CSP: an inline script there is refused and reported.
  await frame.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
  });
  await page.waitForTimeout(500);
  assert.equal(
    await frame.evaluate(() => (window as unknown as { __inline?: number }).__inline),
    undefined,
    'the CSP blocked the inline script',
  );
  assert.ok(
    problems.some((p) => /Content Security Policy/.test(p) && /script-src/.test(p)),
    `the violation was seen: ${problems.join('\n')}`,
  );
}

/**
 * The real panel hidden (another editor takes its tab group) and shown again: VS Code throws the webview's
 * document away, and zoom and selection come back from the state it kept for the panel.
 */
async function hideShowScenario(t: TestContext, chain: Chain): Promise<void> {
  const { page, problems } = await graphWindow(t, 'pidns-graph-hide-');
  await runCommand(page, 'PID Namespaces: Show Namespace Graph');
  let frame = await webviewFrame(page);
  const leafKey = `${chain.dev}:${chain.levels[DEPTH - 1]}`;
  const leafCard = () => frame.locator(`.card[data-key="${leafKey}"]`);
  const transform = () => frame.locator('#world').evaluate((e) => (e as HTMLElement).style.transform);
  await leafCard().waitFor({ state: 'attached', timeout: 30_000 });
  await leafCard().focus(); // zooms in on it, so its title can be clicked
  await leafCard().locator('.title').click();
  const vp = (await frame.locator('#viewport').boundingBox())!;
  await page.mouse.move(vp.x + vp.width / 2, vp.y + vp.height / 2);
  await page.mouse.wheel(0, 240);
  await page.waitForTimeout(600); // the zoom transition settles and setState (debounced) runs
  const zoomed = await transform();
  assert.ok(await leafCard().evaluate((e) => e.classList.contains('selected')), 'the leaf card is selected');
  await frame.evaluate(() => ((window as unknown as { __before?: number }).__before = 1));

  await runCommand(page, 'File: New Untitled Text File');
  await page.locator('.tabs-container .tab.active', { hasText: 'Untitled' }).waitFor({ state: 'visible', timeout: 15_000 });
  await page.locator('.tabs-container .tab', { hasText: 'PID Namespace Graph' }).click();
  frame = await webviewFrame(page);
  await leafCard().waitFor({ state: 'attached', timeout: 30_000 });
  assert.equal(
    await frame.evaluate(() => (window as unknown as { __before?: number }).__before),
    undefined,
    'VS Code rebuilt the webview document',
  );
  await page.waitForTimeout(600);
  assert.equal(await transform(), zoomed, 'zoom and pan kept');
  assert.ok(await leafCard().evaluate((e) => e.classList.contains('selected')), 'selection kept');
  assert.match(await frame.locator('#details').innerText(), new RegExp(`pid:\\[${chain.levels[DEPTH - 1]}\\], level ${DEPTH}`));
  await screenshot(page, 'graph-code-server-after-hide-show');
  assert.deepEqual(problems, [], 'no console error, uncaught error or CSP violation in the webview');
}

/** The same graph as a webview view in the panel area (bottom), opened through its "Focus on Graph View" command. */
async function panelScenario(t: TestContext, chain: Chain): Promise<void> {
  const { page, problems } = await graphWindow(t, 'pidns-graph-view-');
  await runCommand(page, 'PID Namespace Graph: Focus on Graph View');
  await page
    .locator('.part.panel .pane-header, .part.panel .composite.title', { hasText: /PID Namespace Graph|Graph/ })
    .first()
    .waitFor({ state: 'visible', timeout: 30_000 });
  const frame = await webviewFrame(page);
  const leafCard = frame.locator(`.card[data-key="${chain.dev}:${chain.levels[DEPTH - 1]}"]`);
  await leafCard.waitFor({ state: 'attached', timeout: 30_000 });
  for (const [i, ino] of chain.levels.entries()) {
    assert.match(
      (await frame.locator(`.card[data-key="${chain.dev}:${ino}"] .meta`).textContent()) ?? '',
      new RegExp(`^level ${i + 1} · `),
    );
  }
  await screenshot(page, 'graph-code-server-panel-view');
  assert.deepEqual(problems, [], 'no console error, uncaught error or CSP violation in the webview');
}

/** How often a context-menu gesture had to be made again, over the run (reported as a diagnostic). */
/**
 * Runs a context-menu item of a tree row (hover focuses it and Enter runs it: a click can land mid-layout)
 * and waits until `done`. Once, as a person does it: if the live tree re-renders the row meanwhile, the menu
 * closes under the pointer or the command gets no row and asks with its picker, titled `picker`; either is
 * the defect a person meets, and fails the test.
 */
async function runMenuItem(page: Page, row: Locator, label: string, picker: string, done: () => Promise<boolean>): Promise<void> {
  await row.click({ button: 'right' });
  assert.ok((await menuLabels(page)).includes(label), `the row's menu offers ${label}`);
  const item = page.locator('.monaco-menu .action-item', { hasText: label });
  await item.hover();
  assert.ok(
    await item.isVisible(),
    `the menu closed under the pointer before ${label} could be chosen (the live tree re-rendered the row)`,
  );
  await page.keyboard.press('Enter');
  const asked = page.locator('.quick-input-title', { hasText: picker });
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    if (await done()) return;
    assert.ok(!(await asked.isVisible()), `${label} got no row and asked with its picker (the live tree replaced the row)`);
    await page.waitForTimeout(200);
  }
  throw new Error(`${label} had no effect within 30 s`);
}

function alive(pid: number): boolean {
  try {
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * "Show in Graph" from the tree's context menu, with no graph open: the panel opens and its webview selects
 * and centres the row's process, then its namespace. From the graph, "Send signal…" on the leaf (PID 1 of its
 * namespace) and "Kill init…" ask what the tree asks (extension/commands/signalPolicy.ts): the same list,
 * "send from where?", the same modals.
 */
async function showInGraphScenario(t: TestContext, chain: Chain): Promise<void> {
  const { page, problems, tree } = await graphWindow(t, 'pidns-graph-show-');
  const leafIno = chain.levels[DEPTH - 1];

  // Bring the leaf into the tree (its namespace is five levels down, among other tests' namespaces).
  await runCommand(page, 'PID Namespaces: Reveal in Tree');
  await page.locator('.quick-input-widget input').fill(String(chain.leafPid));
  // The pick's description is "host PID · level …": choose that row, not the best fuzzy match.
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: `host ${chain.leafPid} ·` })
    .first()
    .click();
  const procRow = await waitForRow(tree, `host ${chain.leafPid}`, 15_000);
  assert.equal(await page.locator('iframe.webview').count(), 0, 'no graph is open yet');

  const picker = 'Show which namespace in the graph?';
  await runMenuItem(page, procRow, 'Show in Graph', picker, async () => (await page.locator('iframe.webview.ready').count()) > 0);
  const frame = await webviewFrame(page).catch(async (err: Error) => {
    await screenshot(page, 'graph-show-in-graph-no-frame');
    throw err;
  });
  const leafCard = frame.locator(`.card[data-key="${chain.dev}:${leafIno}"]`);
  const selectedRow = leafCard.locator('.row.selected');
  await selectedRow.waitFor({ state: 'attached', timeout: 30_000 }).catch(async (err: Error) => {
    await screenshot(page, 'graph-show-in-graph-missing');
    throw new Error(
      `${err.message}\ndetails: ${await frame.locator('#details').innerText()}\nleaf card: ${await leafCard.evaluate((e) => e.outerHTML.slice(0, 1500)).catch(String)}`,
    );
  });
  assert.equal((await selectedRow.locator('.c').allTextContents())[0], String(chain.leafPid), 'the leaf process row is selected');
  assert.match(await frame.locator('#details').innerText(), new RegExp(`^Process sleep \\(host PID ${chain.leafPid},`));
  await screenshot(page, 'graph-show-in-graph-process');

  const dialog = page.locator('.monaco-dialog-box');
  // Send signal… from the graph's details of the leaf (PID 1 of the innermost namespace): the tree's list, then
  // "from where", then the modal. (Nothing in the graph is clicked first: a click there reveals the item in the
  // tree, which takes the focus and so closes a quick pick that opens meanwhile.)
  await frame.locator('#details vscode-button', { hasText: 'Send signal…' }).click();
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await page.locator('.quick-input-title', { hasText: `Signal for sleep (host PID ${chain.leafPid})` }).waitFor({ state: 'visible' });
  const offered = (await rows.allInnerTexts()).map((r) => r.trim().split(/\s+/)[0]);
  assert.deepEqual(
    offered,
    SIGNALS.map((x) => x.name),
    'the same signals as the tree, in its order',
  );
  await page.keyboard.press('Enter'); // SIGTERM
  await page
    .locator('.quick-input-title', { hasText: `sleep is PID 1 of pid:[${leafIno}]: send from where?` })
    .waitFor({ state: 'visible' });
  await rows.filter({ hasText: 'From inside its own namespace' }).first().click();
  await dialog.waitFor({ state: 'visible', timeout: 15_000 });
  assert.match(await dialog.innerText(), new RegExp(`Send SIGTERM to sleep \\(host PID ${chain.leafPid}\\)\\?`));
  await dialog.locator('.monaco-button', { hasText: 'Send' }).click();
  // Sent from inside, the init ignores SIGTERM, which it has no handler for: the chain is still there.
  await page.waitForTimeout(1500);
  assert.ok(alive(chain.leafPid), 'the leaf init ignored SIGTERM sent from inside its namespace');

  const nsRow = tree.locator('.monaco-list-row', { hasText: `pid:[${leafIno}]` }).first();
  const nsSelected = () => leafCard.evaluate((e) => e.classList.contains('selected'));
  await runMenuItem(page, nsRow, 'Show in Graph', picker, nsSelected).catch(async (err: Error) => {
    await screenshot(page, 'graph-show-in-graph-namespace-missing');
    throw err;
  });
  // Centred: the middle of the card's head (centerOn centres its top 200 px) is in the middle of the view.
  const vp = (await frame.locator('#viewport').boundingBox())!;
  const box = (await leafCard.boundingBox())!;
  const dx = box.x + box.width / 2 - (vp.x + vp.width / 2);
  const dy =
    box.y +
    Math.min(box.height, 200 * (box.width / (await leafCard.evaluate((e) => (e as HTMLElement).offsetWidth)))) / 2 -
    (vp.y + vp.height / 2);
  assert.ok(
    Math.abs(dx) < vp.width * 0.05 && Math.abs(dy) < vp.height * 0.05,
    `card centred: off by ${dx.toFixed(0)}, ${dy.toFixed(0)} px`,
  );
  await screenshot(page, 'graph-show-in-graph-namespace');

  // Kill init… from the graph: the tree's modal, naming the init and what dies with it. Cancelled.
  await frame.locator('#details vscode-button', { hasText: 'Kill init…' }).click();
  await dialog.waitFor({ state: 'visible', timeout: 15_000 });
  assert.match(await dialog.innerText(), new RegExp(`Kill sleep \\(host PID ${chain.leafPid}\\), PID 1 of pid:\\[${leafIno}\\]\\?`));
  // The count is live: the helper's short-lived sender of the SIGTERM above can still be counted in there.
  const inside = /the kernel kills every process in it: (\d+) processes, including 0 nested namespaces\./.exec(await dialog.innerText());
  assert.ok(inside && Number(inside[1]) >= 1, `the modal counts what dies: ${await dialog.innerText()}`);
  await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });

  assert.deepEqual(problems, [], 'no console error, uncaught error or CSP violation in the webview');
}

test(
  'code-server: Show Namespace Graph draws the seed chain, the leaf reads host 5 4 3 2 1 (light, dark, panel view, hide/show), no console or CSP error',
  { timeout: 300_000 },
  async (t) => {
    // Never skipped: without root the test fails and says why (CI runs as root).
    assert.equal(process.getuid?.(), 0, 'this test creates PID namespaces with unshare and needs root: run it as root');
    const chain = await startChain(t);
    assert.equal(chain.levels.length, DEPTH);
    for (const theme of ['dark', 'light'] as const) await t.test(theme, (tt) => scenario(tt, theme, chain));
    await t.test('as a view in the panel area', (tt) => panelScenario(tt, chain));
    await t.test('hidden and shown again: zoom and selection survive in the real panel', (tt) => hideShowScenario(tt, chain));
    await t.test('Show in Graph from the tree selects and centres; the graph asks about signals as the tree does', (tt) =>
      showInGraphScenario(tt, chain),
    );
  },
);
