// The tree grouped by container and filtered, as a person uses it in code-server (root): the title bar's
// "Group by Container" button turns into "Group by Namespace"; the containers are rows by name (two sharing
// one PID namespace each list their own processes) with their processes' own and host PIDs, checked against
// the kernel; typing in the tree moves to a container by its name; "Filter…" keeps one container and a line
// above the rows says so, "Clear Filter" brings the rest back; "Go to PID… 7 in web" reveals the process under
// its container; "Group by Namespace" goes back, where VS Code's find finds the namespace by its container's
// name; grouped by container again (kept in the user settings, not the workspace's), the grouping survives a
// reload of the window, and from the reload on the tree never shows its rows grouped by namespace nor the title
// bar "Group by Container" (every state the page showed is recorded). Our own dockerd and busybox
// image (bench/containerEngines.ts); every container, image and daemon is removed, also when the test fails.
// Screenshots: test-results/screenshots/groupby-*.png.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { Engines, sh } from '../../bench/containerEngines';
import {
  activityItem,
  namespacesTree,
  openNamespacesView,
  openPage,
  runCommand,
  screenshot,
  startServer,
  waitFor,
  waitForRow,
} from '../support';
import { nspidOf } from '../support/kernelTruth';

const WEB = 'pidns-ui-group-web';
const SIDE = 'pidns-ui-group-side';
const REST = { x: 1250, y: 820 };

interface Row {
  depth: number;
  text: string;
  selected: boolean;
  expanded: string | null;
}

/** The Namespaces tree's rows in tree order (data-index), with aria-level and text. */
async function treeRows(page: Page): Promise<Row[]> {
  return namespacesTree(page)
    .locator('.monaco-list-row[data-index]')
    .evaluateAll((rows) =>
      rows
        .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
        .map((r) => ({
          depth: Number(r.getAttribute('aria-level')),
          text: [r.querySelector('.label-name'), r.querySelector('.label-description')]
            .map((e) => (e as HTMLElement | null)?.innerText.replace(/\s+/g, ' ').trim() ?? '')
            .filter((x) => x !== '')
            .join(' '),
          selected: r.classList.contains('selected'),
          expanded: r.getAttribute('aria-expanded'),
        })),
    );
}

/** The rows directly below the first row whose text starts with `head` (its children, as shown). */
function childrenOf(rows: Row[], head: string): Row[] {
  const i = rows.findIndex((r) => r.text.startsWith(head));
  if (i < 0) return [];
  const out: Row[] = [];
  for (let j = i + 1; j < rows.length && rows[j].depth > rows[i].depth; j++) if (rows[j].depth === rows[i].depth + 1) out.push(rows[j]);
  return out;
}

/** The sidebar's title bar: with one view in the container, VS Code shows the view's title, description and buttons there. */
function titleBar(page: Page): Locator {
  return page.locator('.part.sidebar .composite.title');
}

/** A button in the tree's title bar (shown while the pointer is over the view). */
async function titleButton(page: Page, label: string): Promise<Locator> {
  await titleBar(page).hover();
  const button = titleBar(page).locator(`.action-label[aria-label^="${label}"]`);
  await button.waitFor({ state: 'visible', timeout: 10_000 });
  return button;
}

/** The row whose label is exactly `name` (a container's row), once visible. */
async function rowNamed(tree: Locator, name: string, timeoutMs = 30_000): Promise<Locator> {
  const row = tree
    .locator('.monaco-list-row', { has: tree.page().locator('.label-name', { hasText: new RegExp(`^\\s*${name}\\s*$`) }) })
    .first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  return row;
}

/** A wider sidebar (drag its edge), so the screenshots show the rows' descriptions in full. */
async function widenSidebar(page: Page): Promise<void> {
  const sidebar = await page.locator('.part.sidebar').boundingBox();
  if (!sidebar) return;
  const edge = sidebar.x + sidebar.width;
  await page.mouse.move(edge, 300);
  await page.mouse.down();
  await page.mouse.move(edge + 300, 300, { steps: 8 });
  await page.mouse.up();
  await page.mouse.move(REST.x, REST.y);
}

async function shot(page: Page, name: string): Promise<void> {
  await screenshot(page, `groupby-${name}`);
}

/** One state of the Namespaces tree as the page showed it: its rows and the grouping button in its title bar. */
interface TreeState {
  /** performance.now() of the page (ms since the reload's navigation started). */
  at: number;
  /** `aria-level|label|description` per row, in tree order. */
  rows: string[];
  /** The title bar's "Group by …" buttons (aria-labels). */
  buttons: string[];
}

/**
 * An init script (self-contained: it is serialised): from the reloaded page's first script on, every state of
 * the Namespaces tree that differs from the one before, into window.__treeStates. A MutationObserver's callback
 * runs before the browser paints the change it reports, so no state that reached the screen is missed.
 */
function recordTreeStates(): void {
  if (window !== window.top) return; // webviews' frames
  const states: TreeState[] = [];
  (window as unknown as { __treeStates: TreeState[] }).__treeStates = states;
  let last = '';
  const take = (): void => {
    const pane = [...document.querySelectorAll('.pane')].find((p) => p.querySelector('.pane-header')?.textContent?.includes('Namespaces'));
    const text = (e: Element | null): string => (e as HTMLElement | null)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
    const rows = [...(pane?.querySelectorAll('.monaco-list-row[data-index]') ?? [])]
      .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
      .map((r) => `${r.getAttribute('aria-level')}|${text(r.querySelector('.label-name'))}|${text(r.querySelector('.label-description'))}`);
    const buttons = [...document.querySelectorAll('.part.sidebar .composite.title .action-label[aria-label^="Group by"]')].map(
      (b) => b.getAttribute('aria-label') ?? '',
    );
    const key = JSON.stringify([rows, buttons]);
    if (key === last) return;
    last = key;
    states.push({ at: Math.round(performance.now()), rows, buttons });
  };
  new MutationObserver(take).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}

/** Expand a collapsed row (click its twistie). */
async function expand(tree: Locator, text: string | RegExp): Promise<void> {
  const row = await waitForRow(tree, text);
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
  await waitFor(`${String(text)} to be expanded`, async () => (await row.getAttribute('aria-expanded')) === 'true');
}

test('UI: group by container, filter by its name, clear, Go to PID under the container, and back to namespaces', async (t) => {
  const engines = new Engines();
  t.after(() => engines.stop());
  engines.startDockerd();
  engines.importImage();
  engines.docker(WEB, [], ['sh', '-c', 'sleep 100000 & wait']);
  // SIDE joins WEB's PID namespace (`--pid container:`): one namespace, two containers.
  engines.docker(SIDE, ['--pid', `container:${WEB}`], ['sleep', '100001']);
  const init = Number(sh('docker', ['inspect', '-f', '{{.State.Pid}}', WEB]));
  const sidePid = Number(sh('docker', ['inspect', '-f', '{{.State.Pid}}', SIDE]));
  const webId = sh('docker', ['inspect', '-f', '{{.Id}}', WEB]);
  const child = await waitFor('the web container’s sleep', async () => {
    const kids = readFileSync(`/proc/${init}/task/${init}/children`, 'utf8').trim();
    return kids === '' ? undefined : Number(kids.split(/\s+/)[0]);
  });
  const nspid = nspidOf(child);
  const sideNspid = nspidOf(sidePid);
  const initNspid = nspidOf(init);
  assert.ok(nspid && nspid.length === 2 && initNspid?.[1] === 1 && sideNspid?.length === 2, `NSpid ${nspid} ${initNspid} ${sideNspid}`);
  const ino = statSync(`/proc/${init}/ns/pid`).ino;
  assert.equal(statSync(`/proc/${sidePid}/ns/pid`).ino, ino, 'side shares web’s PID namespace');
  const hostNs = statSync('/proc/self/ns/pid').ino;

  const { server } = await startServer(t, { workspacePrefix: 'pidns-groupby-ui-' });
  const { page } = await openPage(t, server);
  const tree = await openNamespacesView(page);
  await waitForRow(tree, `pid:[${hostNs}]`);
  await widenSidebar(page);
  // Group by Container: the button in the title bar; afterwards it offers the way back.
  await (await titleButton(page, 'Group by Container')).click();
  await titleButton(page, 'Group by Namespace');
  assert.equal(await titleBar(page).locator(`.action-label[aria-label^="Group by Container"]`).count(), 0);
  // The engine's names may land a while after the processes (a lookup that timed out is retried after 30 s).
  const webRow = await rowNamed(tree, WEB, 75_000).catch(async (e: Error) => {
    await shot(page, 'failed');
    throw new Error(`${e.message}\nrows: ${JSON.stringify(await treeRows(page))}`);
  });
  assert.match(
    (await webRow.innerText()).replace(/\s+/g, ' ').trim(),
    new RegExp(`^${WEB} ?docker · ${webId.slice(0, 12)} · pid:\\[${ino}\\] level 1$`),
    'a container row: name, engine, short id, its PID namespace and level',
  );
  await waitForRow(tree, 'No container');
  await expand(tree, WEB);
  await expand(tree, new RegExp(`sh 1\\s*host ${init}\\b`));
  await expand(tree, SIDE);
  // Expanded rows render a moment later: wait until each expanded row shows children, then compare.
  const rows = await waitFor('the expanded rows’ children', async () => {
    const r = await treeRows(page);
    return childrenOf(r, `sh 1 host ${init}`).length > 0 && childrenOf(r, SIDE).length > 0 ? r : undefined;
  }).catch(() => treeRows(page)); // the assertions below say what is missing
  // Web: its sh (PID 1 inside) holding its sleep; side: its own sleep only, though in the same namespace.
  assert.deepEqual(
    childrenOf(rows, WEB).map((r) => r.text),
    [`sh 1 host ${init}`],
  );
  assert.deepEqual(
    childrenOf(rows, `sh 1 host ${init}`).map((r) => r.text),
    [`sleep ${nspid[1]} host ${child}`],
    "the sleep with its PID in the container and on the host (the kernel's NSpid)",
  );
  assert.deepEqual(
    childrenOf(rows, SIDE).map((r) => r.text),
    [`sleep ${sideNspid[1]} host ${sidePid}`],
  );
  await page.mouse.move(REST.x, REST.y);
  await shot(page, 'by-container');

  // VS Code's keyboard navigation over the labels (typing in the tree) moves to the container by its name.
  await (await waitForRow(tree, 'No container')).click();
  await page.keyboard.type(SIDE, { delay: 20 });
  await waitFor('typing the side container’s name to focus its row', async () => {
    const focused = tree.locator('.monaco-list-row.focused .label-name');
    return (await focused.count()) > 0 && (await focused.first().innerText()).trim() === SIDE;
  });
  await shot(page, 'type-navigation');
  await page.keyboard.press('Escape');

  // Filter… by the web container's name: web alone, and the view's title says so; Clear Filter restores.
  await (await titleButton(page, 'Filter')).click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(WEB);
  await page.keyboard.press('Enter');
  await waitFor('the filter to leave the web container alone', async () => {
    const r = await treeRows(page);
    return (
      r
        .filter((x) => x.depth === 1)
        .map((x) => x.text.split(' ')[0])
        .join(',') === WEB || undefined
    );
  });
  // With one view in the sidebar VS Code shows no view description: the filter is said above the rows.
  const message = page.locator('.part.sidebar', { hasText: `Filtered: only what matches “${WEB}”` });
  await message.waitFor({ state: 'visible', timeout: 5000 });
  await page.mouse.move(REST.x, REST.y);
  await shot(page, 'filtered');
  await (await titleButton(page, 'Clear Filter')).click();
  await waitForRow(tree, 'No container');
  await rowNamed(tree, SIDE);
  await page.locator('.part.sidebar', { hasText: 'Filtered:' }).waitFor({ state: 'detached', timeout: 5000 });
  assert.equal(await titleBar(page).locator('.action-label[aria-label^="Clear Filter"]').count(), 0);

  // Go to PID… as the container sees it: the sleep is selected, under web's sh, under web's row.
  await runCommand(page, 'PID Namespaces: Go to PID…');
  await input.waitFor({ state: 'visible' });
  await input.fill(`${nspid[1]} in ${WEB}`);
  await page.keyboard.press('Enter');
  const selected = await waitFor('the sleep to be selected', async () => (await treeRows(page)).find((r) => r.selected));
  assert.equal(selected.text, `sleep ${nspid[1]} host ${child}`);
  assert.equal(selected.depth, 3, 'container row, its sh, the sleep');
  await shot(page, 'go-to-pid');

  // Back to namespaces: the host namespace at the top, and type-to-find finds the namespace by its container.
  const again = tree;
  await (await titleButton(page, 'Group by Namespace')).click();
  await titleButton(page, 'Group by Container');
  const hostRow = await waitForRow(again, `pid:[${hostNs}]`);
  assert.equal(await again.locator('.monaco-list-row', { hasText: 'No container' }).count(), 0);
  // Clicking a row toggles it: click (focus), then make sure the host namespace is open.
  await hostRow.click();
  await expand(again, `pid:[${hostNs}]`);
  // VS Code's find in the tree (Ctrl+Alt+F) matches labels: the namespace's carries its containers' names.
  await page.keyboard.press('Control+Alt+F');
  await page.keyboard.type('group-web', { delay: 20 });
  // Its "Filter" toggle hides rows that do not match, so the namespace is on screen however many the host has.
  await page.locator('.part.sidebar .monaco-custom-toggle[aria-label="Filter"]').click();
  await waitFor('find to highlight the namespace row by its container', async () => {
    const row = again.locator('.monaco-list-row', { hasText: `pid:[${ino}]` });
    return (await row.locator('.highlight').count()) > 0;
  });
  await shot(page, 'by-namespace-find');
  await page.keyboard.press('Escape');

  // The grouping is the setting pidnsExplorer.tree.groupBy: grouped by container again, it is in the user
  // settings (no workspace settings written), and a reload comes back so (the rows, the button).
  const userSettings = (): Record<string, unknown> => JSON.parse(readFileSync(join(server.userDataDir, 'User', 'settings.json'), 'utf8'));
  assert.equal(userSettings()['pidnsExplorer.tree.groupBy'], undefined, 'grouped by namespace, the default: no entry');
  await (await titleButton(page, 'Group by Container')).click();
  await waitForRow(again, 'No container');
  // The title bar's button reads the setting: once it turned, the setting is written.
  await titleButton(page, 'Group by Namespace');
  assert.equal(userSettings()['pidnsExplorer.tree.groupBy'], 'container');
  assert.equal(existsSync(join(server.workspace, '.vscode')), false, 'nothing written into the workspace');
  await page.addInitScript(recordTreeStates);
  await page.reload();
  await activityItem(page, 'PID Namespaces').waitFor({ state: 'visible', timeout: 60_000 });
  const reloaded = namespacesTree(page);
  // The reloaded window restores the open sidebar itself, and a click on the activity bar entry of an open view
  // would close it: click only if the view did not come back by itself.
  const restored = await reloaded.waitFor({ state: 'visible', timeout: 10_000 }).then(
    () => true,
    () => false,
  );
  if (!restored) await activityItem(page, 'PID Namespaces').click();
  // Not by name: after the reload a new helper asks the engine again, and the name may come later.
  await waitForRow(reloaded, 'No container', 60_000).catch(async (e: Error) => {
    await shot(page, 'failed-reload');
    throw new Error(`${e.message}\nrestored ${restored}, rows: ${JSON.stringify(await treeRows(page))}`);
  });
  await waitForRow(reloaded, `pid:[${ino}] level 1`);
  await titleButton(page, 'Group by Namespace');
  await shot(page, 'reloaded');
  // From the reload on, the tree never showed its rows grouped by namespace (a namespace at the top: the
  // provisional root row included, which grouped by container would move under "No container"), and its title
  // bar never offered "Group by Container": no jump when the saved grouping is applied. With the grouping in
  // workspaceState, read in activate, the button was wrong for the first 1.5-2 s in every run here; the rows
  // were not, in 9 reloads: code-server 4.100.3 took the view's provider (and asked for rows) only 2-80 ms
  // before or after activate ran, its busy window answering both together; another VS Code need not.
  const states = await page.evaluate(() => (window as unknown as { __treeStates: TreeState[] }).__treeStates);
  const byNamespace = states.filter((s) => s.rows.some((r) => r.startsWith('1|pid:[')));
  const wrongButton = states.filter((s) => s.buttons.some((b) => b.startsWith('Group by Container')));
  const firstRow = states.find((s) => s.rows.length > 0);
  t.diagnostic(
    `after the reload: ${states.length} tree states; first row at ${firstRow?.at} ms (${firstRow?.rows[0]}), ` +
      `${byNamespace.length} grouped by namespace (${byNamespace.filter((s) => s.rows.some((r) => r.startsWith('1|pid:[') && !r.endsWith('loading…'))).length} with real rows), ` +
      `${wrongButton.length} offering "Group by Container"`,
  );
  const show = (list: TreeState[]): string =>
    list
      .slice(0, 5)
      .map((s) => `${s.at} ms: ${s.rows.slice(0, 4).join(' / ')} [${s.buttons.join(', ')}]`)
      .join('\n');
  assert.equal(byNamespace.length, 0, `the tree showed namespace-grouped rows after the reload:\n${show(byNamespace)}`);
  assert.equal(wrongButton.length, 0, `the title bar offered "Group by Container" after the reload:\n${show(wrongButton)}`);
});
