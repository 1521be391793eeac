// A named docker container as a person meets it in code-server (root): its host PID in a text file, hovered
// in the editor (the hover names the container and gives the PID inside it and on the host), revealed in
// the tree from that hover (the namespace row carries the container's name), the process row hovered once
// with VS Code's default hover delay (headline and per-level table), and its card in the namespace graph.
// Everything is checked against the kernel. The engine is our own dockerd with a busybox image made by
// `docker import`, offline (bench/containerEngines.ts); every container, image and daemon it started is
// removed, also when the test fails. Screenshots: test-results/screenshots/container-*.png.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { Engines, sh } from '../../bench/containerEngines';
import { openFile, openNamespacesView, openPage, runCommand, screenshot, startServer, waitFor, waitForRow, webviewFrame } from '../support';
import { nspidOf } from '../support/kernelTruth';

const NAME = 'pidns-ui-web';
/** Where the pointer rests before a hover: blank editor space, away from every row and hover. */
const REST = { x: 1250, y: 820 };

/** The hover's level | namespace | PID table, by column. */
async function levelColumns(tooltip: Locator): Promise<{ ns: string[]; pids: number[] }> {
  const cells = await tooltip
    .locator('table tr')
    .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? '')));
  const rows = cells.filter((c) => c.length === 3);
  return { ns: rows.map((c) => c[1]), pids: rows.map((c) => Number(c[2])) };
}

/** One hover as a person makes it: rest the pointer, move onto the target once, wait VS Code's default delay. No retry. */
async function hoverOnce(page: Page, target: Locator, tooltip: Locator): Promise<void> {
  await page.mouse.move(REST.x, REST.y);
  await page.waitForTimeout(1000);
  await target.hover();
  await tooltip.waitFor({ state: 'visible', timeout: 3000 });
}

test('UI: a named docker container shows by name in the tree and the graph; its process hover gives host and container PIDs', async (t) => {
  const engines = new Engines();
  t.after(() => engines.stop());
  engines.startDockerd();
  engines.importImage();
  // sh is the container's PID 1; the sleep it starts is the process hovered (a PID other than 1 inside).
  engines.docker(NAME, [], ['sh', '-c', 'sleep 100000 & wait']);
  const init = Number(sh('docker', ['inspect', '-f', '{{.State.Pid}}', NAME]));
  const child = await waitFor('the container’s sleep', async () => {
    const kids = readFileSync(`/proc/${init}/task/${init}/children`, 'utf8').trim();
    return kids === '' ? undefined : Number(kids.split(/\s+/)[0]);
  });
  const nspid = nspidOf(child);
  assert.ok(nspid && nspid.length === 2 && nspid[1] !== 1, `the sleep's NSpid ${nspid}`);
  const nsStat = statSync(`/proc/${child}/ns/pid`);
  const hostNs = statSync('/proc/self/ns/pid').ino;

  const { workspace, server } = await startServer(t, { workspacePrefix: 'pidns-containers-ui-' });
  writeFileSync(join(workspace, 'pids.txt'), `${child}\n`, { mode: 0o644 });
  const { page } = await openPage(t, server);
  const tree = await openNamespacesView(page);
  await waitForRow(tree, `pid:[${hostNs}]`);

  // The editor hover on the host PID, and from it "Reveal in PID Namespaces tree": the tree opens the
  // container's namespace, whose row names the container.
  const headline = `PID ${nspid[1]} in ${NAME} (docker) · host ${child}`;
  await openFile(page, 'pids.txt');
  const pidToken = page.locator('.monaco-editor .view-line span span', { hasText: String(child) }).first();
  await pidToken.waitFor({ state: 'visible', timeout: 15_000 });
  const anyEditorHover = page.locator('.monaco-editor .monaco-hover', { hasText: 'Reveal in PID Namespaces tree' });
  await hoverOnce(page, pidToken, anyEditorHover);
  await anyEditorHover.locator('a', { hasText: 'Reveal in PID Namespaces tree' }).click();
  const procRow = await waitForRow(tree, `host ${child}`, 15_000);
  const nsRow = await waitForRow(tree, `pid:[${nsStat.ino}]`);
  // The engine's answer may land a poll after the process (meanwhile the label is `docker <short id>`).
  const nsText = await waitFor('the namespace row to name the container', async () => {
    const text = (await nsRow.innerText()).replace(/\s+/g, ' ');
    return text.includes(NAME) ? text : undefined;
  });
  assert.match(nsText, new RegExp(`pid:\\[${nsStat.ino}\\] ${NAME} \\(docker\\) ?level 1 · sh`));
  assert.match((await procRow.innerText()).replace(/\s+/g, ' '), new RegExp(`\\bsleep ${nspid[1]} ?host ${child}\\b`));
  await page.mouse.move(REST.x, REST.y);
  await page.keyboard.press('Escape');
  await anyEditorHover.waitFor({ state: 'hidden' });
  await screenshot(page, 'container-tree');

  // The process row's tooltip (the workbench hover) and the editor hover on its PID, once each.
  const rowHover = page.locator('.workbench-hover', { hasText: headline });
  await hoverOnce(page, procRow.locator('.monaco-icon-label').first(), rowHover);
  const rowTable = await levelColumns(rowHover);
  assert.deepEqual(rowTable.pids, nspid, "the row hover's PIDs are the kernel's NSpid, host first");
  assert.deepEqual(rowTable.ns, [`pid:[${hostNs}]`, `pid:[${nsStat.ino}]`]);
  await screenshot(page, 'container-tree-hover');
  const editorHover = page.locator('.monaco-editor .monaco-hover', { hasText: headline });
  await hoverOnce(page, pidToken, editorHover);
  assert.deepEqual((await levelColumns(editorHover)).pids, nspid, "the editor hover's PIDs are the kernel's NSpid");
  await screenshot(page, 'container-editor-hover');

  // The graph: the container's namespace card carries its name; its rows give the PIDs at each level.
  await page.mouse.move(REST.x, REST.y);
  await page.keyboard.press('Escape');
  await runCommand(page, 'PID Namespaces: Show Namespace Graph');
  const frame = await webviewFrame(page);
  const card = frame.locator(`.card[data-key="${nsStat.dev}:${nsStat.ino}"]`);
  // On a busy machine the host's many small namespaces fold into group cards: open them, as a person would.
  const shown = await card.waitFor({ state: 'attached', timeout: 15_000 }).then(
    () => true,
    () => false,
  );
  if (!shown) {
    for (let i = 0; i < 40 && (await card.count()) === 0 && (await frame.locator('.card.group:not(.open)').count()) > 0; i++)
      await frame.locator('.card.group:not(.open)').first().click();
    await card.waitFor({ state: 'attached', timeout: 10_000 });
  }
  assert.match((await card.locator('.meta').textContent()) ?? '', new RegExp(`^${NAME} \\(docker\\) · level 1 · `));
  // Zoomed out, cards draw no rows; focusing the card (as a keyboard user does) zooms in on it.
  await card.focus();
  const cells = await waitFor('the sleep’s row on the card', async () => {
    const all = await card
      .locator('.row')
      .evaluateAll((rs) => rs.map((r) => Array.from(r.querySelectorAll('.c')).map((c) => c.textContent ?? '')));
    return all.find((c) => c[0] === String(child));
  });
  assert.deepEqual(cells, nspid.map(String), "the card's row gives the host PID and the container's");
  await screenshot(page, 'container-graph');
});
