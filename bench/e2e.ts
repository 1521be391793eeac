// Suite "e2e": what a person waits for, on the product as `npm start` serves it (code-server 1.100 as root,
// the extension INSTALLED as a symlink in its extensions dir, VSCODE_CLI=1), driven by Playwright in
// /usr/bin/chromium, with bench/sleepers.c's load: 300 sibling chains × 2 levels × 16 processes, about
// 10,000 processes in 601 PID namespaces (BENCH_E2E_* override). Times are taken inside the page, one frame
// apart at worst: from the click (pointerdown) or the palette's Enter (keydown) to the first frame that
// shows the result. Then the same at about 1,000 processes, for the memory figures.
//
//   view opened → first namespace row        the window settled (extension not yet active), then a click
//                                             on the activity bar; and, over reloads with the sidebar open,
//                                             from the view's pane appearing to its first row (the median),
//                                             beside the same for bench/treeFloor: the floor, a tree extension
//                                             with one row (VS Code's own start, which no extension can cut)
//   "Show Namespace Graph" → cards drawn      palette Enter → the first .card in the webview
//   default graph view                        legible namespace titles (≥ 10 px on screen), group counts
//   memory                                    extension host RSS (/proc), the webview's JS heap
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import {
  activityItem,
  extensionHosts,
  extensionLogFiles,
  helpersUnder,
  launchBrowser,
  makeTempDir,
  openWorkbench,
  removeDir,
  repoRoot,
  runCommand,
  screenshot,
  startCodeServer,
  type CodeServer,
} from '../test/support';
import { killTreeNow } from '../test/support/processTree';
import { envInt, median } from './measure';
import { rssMiB } from './procStats';
import { startSleepers } from './sleepersLoad';
import type { BenchContext, Row, Suite } from './types';

/** The budgets. */
const FIRST_ROW_BUDGET_MS = 1000;
const CARDS_BUDGET_MS = 1000;
const LEGIBLE_PX = 10;
const MIN_LEGIBLE_LABELS = 10;
/** The window counts as settled this long after its workbench rendered. */
const SETTLE_MS = envInt('BENCH_E2E_SETTLE_MS', 6000);
/** Reloads with the sidebar open, for ours and for the floor: a reload's time varies by ±0.4 s here. */
const RELOADS = envInt('BENCH_E2E_RELOADS', 8);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function bigShape(): { trees: number; depth: number; perLevel: number } {
  return { trees: envInt('BENCH_E2E_TREES', 300), depth: envInt('BENCH_E2E_DEPTH', 2), perLevel: envInt('BENCH_E2E_PER_LEVEL', 16) };
}
function smallShape(): { trees: number; depth: number; perLevel: number } {
  return { trees: envInt('BENCH_E2E_SMALL_TREES', 30), depth: 2, perLevel: 16 };
}

/** Where the wait went: the extension's log lines written after `since` (epoch ms; VS Code stamps them when it writes a batch, so the timings are in the text). */
function timeline(userDataDir: string, since: number): string {
  const lines: string[] = [];
  for (const file of extensionLogFiles(userDataDir))
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) \[\w+\] (.*)$/.exec(line);
      const at = m ? new Date(`${m[1]}T${m[2]}`).getTime() : Number.NaN;
      if (m && at >= since - 50) lines.push(m[3].slice(0, 140));
    }
  return lines.join(' | ');
}

/**
 * Runs in the page before its scripts (and again after each reload): watches, one check per frame, for the
 * Namespaces pane and its first namespace row, and notes the time of each pointerdown and Enter keydown.
 * All times are performance.timeOrigin + performance.now() (one clock across frames).
 */
function installProbe(): void {
  const w = window as unknown as { __pidns: Record<string, number | undefined> };
  const now = (): number => performance.timeOrigin + performance.now();
  const t: Record<string, number | undefined> = { nav: performance.timeOrigin };
  w.__pidns = t;
  addEventListener('pointerdown', () => (t.pointerdown = now()), true);
  addEventListener('keydown', (e) => e.key === 'Enter' && (t.enter = now()), true);
  const pane = (): Element | undefined =>
    [...document.querySelectorAll('.pane')].find((p) => p.querySelector('.pane-header')?.textContent?.includes('Namespaces'));
  const tick = (): void => {
    const p = pane();
    if (p && p.getBoundingClientRect().height > 0) {
      t.pane ??= now();
      const rows = [...p.querySelectorAll('.monaco-list-row')].filter((r) => r.textContent?.includes('pid:[')).length;
      if (t.row === undefined && rows > 0) t.row = now();
      if (t.anyRow === undefined && p.querySelectorAll('.monaco-list-row').length > 0) t.anyRow = now();
      const wv = p.querySelector('.welcome-view');
      if (t.welcome === undefined && wv && wv.getBoundingClientRect().height > 0) t.welcome = now();
      const pb = p.querySelector('.monaco-progress-container.active');
      if (t.progress === undefined && pb) t.progress = now();
      // The root's child namespaces are listed: the full snapshot (not only its head) is in.
      if (t.children === undefined && rows > 2) t.children = now();
    } else t.pane = t.row = t.children = t.anyRow = t.welcome = t.progress = undefined;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

async function probe(page: Page): Promise<Record<string, number | undefined>> {
  return page.evaluate(() => ({ ...(window as unknown as { __pidns: Record<string, number | undefined> }).__pidns }));
}

async function waitProbe(page: Page, key: string, timeoutMs: number): Promise<number> {
  const h = await page.waitForFunction((k) => (window as unknown as { __pidns: Record<string, number | undefined> }).__pidns?.[k], key, {
    timeout: timeoutMs,
  });
  return (await h.jsonValue()) as number;
}

/** The graph's document: two iframes deep (iframe.webview, then #active-frame). */
async function graphFrame(page: Page, timeoutMs: number): Promise<Frame> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const outer of await page.$$('iframe.webview')) {
      try {
        const of = await outer.contentFrame();
        const inner = of ? await of.$('#active-frame') : null;
        const f = inner ? await inner.contentFrame() : null;
        if (f) return f;
      } catch {
        // The webview swaps its inner frame while it loads: look again.
      }
    }
    if (Date.now() > end) throw new Error('the graph webview did not appear');
    await sleep(10);
  }
}

interface DefaultView {
  labels: number;
  legible: number;
  groups: number;
  groupsLegible: number;
}

/** Card titles in the first view: how many namespace titles are on screen at ≥ 10 px, and whether every group's (with its count) is. */
async function defaultView(f: Frame): Promise<DefaultView> {
  return f.evaluate((minPx) => {
    const world = document.getElementById('world')!;
    const k = Number(/scale\(([^)]+)\)/.exec(world.style.transform)?.[1] ?? '1');
    const vp = document.getElementById('viewport')!.getBoundingClientRect();
    const out = { labels: 0, legible: 0, groups: 0, groupsLegible: 0 };
    for (const t of document.querySelectorAll<HTMLElement>('.card:not(.exit) .title')) {
      const card = t.closest<HTMLElement>('.card')!;
      const r = t.getBoundingClientRect();
      const style = getComputedStyle(t);
      const onScreen =
        style.visibility !== 'hidden' &&
        style.display !== 'none' &&
        r.width > 0 &&
        r.left >= vp.left &&
        r.right <= vp.right &&
        r.top >= vp.top &&
        r.bottom <= vp.bottom;
      const legible = onScreen && parseFloat(style.fontSize) * k >= minPx;
      if (card.classList.contains('group')) {
        out.groups++;
        // A group's title carries its count ("287 namespaces · init sh").
        if (legible && (t.textContent ?? '').includes(card.dataset.count ?? '\u0000')) out.groupsLegible++;
      } else {
        out.labels++;
        if (legible) out.legible++;
      }
    }
    return out;
  }, LEGIBLE_PX);
}

async function jsHeapMiB(f: Frame | Page): Promise<number> {
  return f.evaluate(() => (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize / 2 ** 20);
}

interface Figures {
  processes: number;
  namespaces: number;
  settledHelperBefore: number;
  firstRowSettled: number;
  children: number;
  /** Each reload with the sidebar open: the pane appearing → its first row (empty unless full). */
  atLoad: number[];
  /** The same for bench/treeFloor, a one-row tree extension, in the same code-server set-up and load. */
  floorAtLoad: number[];
  cards: number;
  /** Show Graph → the first process row drawn. */
  rows: number;
  /** The same two by the webview's own marks: the frame after the snapshot was drawn, and after the rows came. */
  cardsMark: number;
  rowsMark: number;
  view: DefaultView;
  hostRssTree: number;
  hostRssGraph: number;
  webviewHeap: number;
  pageHeap: number;
}

type Sleepers = Awaited<ReturnType<typeof startSleepers>>;

/** bench/treeFloor's activity bar entry: a tree extension with one row, installed beside ours. */
const FLOOR = 'Tree Floor';
const OURS = 'PID Namespaces';

/**
 * One code-server as `npm start` runs it (ours and bench/treeFloor installed, not in development mode;
 * VSCODE_CLI=1), one window with the page probe, our activity bar entry visible; `use` gets them. Stopped
 * after, with the logs copied to BENCH_E2E_KEEP_LOGS/<label> when that is set.
 */
async function withWindow<T>(label: string, use: (page: Page, server: CodeServer) => Promise<T>): Promise<T> {
  const workspace = makeTempDir('pidns-bench-e2e-');
  try {
    const server = await startCodeServer({
      workspace,
      extensionDevelopmentPath: [repoRoot(), join(repoRoot(), 'bench', 'treeFloor')],
      env: { VSCODE_CLI: '1' },
    });
    const browser = await launchBrowser();
    try {
      const page = await openWorkbench(browser, server);
      await page.addInitScript(installProbe);
      await page.evaluate(installProbe);
      await activityItem(page, OURS).waitFor({ state: 'visible', timeout: 60_000 });
      return await use(page, server);
    } finally {
      const keep = process.env.BENCH_E2E_KEEP_LOGS;
      if (keep) cpSync(join(server.userDataDir, 'logs'), join(keep, label), { recursive: true });
      await browser.close();
      await server.stop();
    }
  } finally {
    removeDir(workspace);
  }
}

/**
 * The view opened as the window loads: the sidebar shows `container`'s view, the window settles, then a reload.
 * Returns the pane appearing → its first row. Only the view shown activates its extension (both activate on
 * their view). A reload ends the old window's extension host (gone by the time reload() returned, in the runs so
 * far); one still shutting down is ended here, with its helper and all else it started, so that it cannot
 * compete with the new window.
 */
async function reloadToRow(ctx: BenchContext, page: Page, server: CodeServer, container: string): Promise<number> {
  const item = activityItem(page, container);
  // The sidebar's title names the container it shows ("Tree Floor: Namespaces"); a click on that one's entry would close it.
  const shown = await page.locator('.part.sidebar .title-label').first().textContent({ timeout: 10_000 });
  if (!shown?.startsWith(container)) await item.click();
  await waitProbe(page, 'row', 60_000);
  await sleep(SETTLE_MS);
  const [host] = extensionHosts(server.pid);
  await page.reload();
  if (host !== undefined) killTreeNow(host);
  const r = await waitProbe(page, 'row', 60_000);
  const t = await probe(page);
  const ms = r - (t.pane ?? Number.NaN);
  ctx.log(
    `e2e: at load, ${container}: first row ${ms.toFixed(0)} ms after the pane appeared, ${(r - (t.nav ?? Number.NaN)).toFixed(0)} ms after navigation`,
  );
  if (container === OURS) ctx.log(`e2e: extension log since the pane appeared: ${timeline(server.userDataDir, t.pane ?? 0)}`);
  return ms;
}

/** The settled open, the graph and (full) the reloads, ours and the floor's in turn. */
async function product(ctx: BenchContext, load: Sleepers, page: Page, server: CodeServer, full: boolean): Promise<Figures> {
  const entry = activityItem(page, OURS);
  await sleep(SETTLE_MS);
  const [host0] = extensionHosts(server.pid);
  const settledHelperBefore = host0 === undefined ? 0 : helpersUnder(host0).length;
  await entry.click();
  const row = await waitProbe(page, 'row', 60_000);
  const t = await probe(page);
  const firstRowSettled = row - (t.pointerdown ?? Number.NaN);
  ctx.log(
    `e2e: first row ${firstRowSettled.toFixed(0)} ms after the click (pane after ${((t.pane ?? 0) - (t.pointerdown ?? 0)).toFixed(0)} ms)`,
  );
  ctx.log(`e2e: extension log since the click: ${timeline(server.userDataDir, t.pointerdown ?? 0)}`);
  const children = (await waitProbe(page, 'children', 120_000)) - (t.pointerdown ?? Number.NaN);
  ctx.log(`e2e: child namespaces listed ${children.toFixed(0)} ms after the click`);
  await sleep(3000);
  const [host] = extensionHosts(server.pid);
  const hostRssTree = rssMiB(host);
  const pageHeap = await jsHeapMiB(page);

  await runCommand(page, 'PID Namespaces: Show Namespace Graph');
  const enter = (await probe(page)).enter ?? Number.NaN;
  const f = await graphFrame(page, 60_000);
  const drawn = (await // More than the root's card: the model, not a head (the tree waited for the full one above).
  (
    await f.waitForFunction(() => document.querySelectorAll('.card').length > 1 && performance.timeOrigin + performance.now(), undefined, {
      polling: 'raf',
      timeout: 60_000,
    })
  ).jsonValue()) as number;
  const cards = drawn - enter;
  ctx.log(`e2e: cards drawn ${cards.toFixed(0)} ms after Enter`);
  // The rows of the cards drawn expanded follow the webview's `draw` (the host sends what is drawn).
  const rowsAt = (await (
    await f.waitForFunction(() => document.querySelector('.card .row') !== null && performance.timeOrigin + performance.now(), undefined, {
      polling: 'raf',
      timeout: 60_000,
    })
  ).jsonValue()) as number;
  const rows = rowsAt - enter;
  // Where it went: the webview's own marks (webview/main.ts), on the same clock as Enter.
  const marks = await f.evaluate(() => (window as unknown as { __pidnsGraph?: Record<string, number> }).__pidnsGraph ?? {});
  // The page's own frame marks: Playwright's polling of the inner frame lags by up to a second under load.
  const cardsMark = (marks.snapshotFrame ?? Number.NaN) - enter;
  const rowsMark = (marks.rowsFrame ?? marks.snapshotFrame ?? Number.NaN) - enter;
  ctx.log(
    `e2e: graph marks after Enter: ${Object.entries({ ...marks, drawn, rowsAt })
      .map(([k, v]) => `${k} ${(v - enter).toFixed(0)}`)
      .join(', ')}; host: ${timeline(server.userDataDir, enter)}`,
  );
  await sleep(1500); // enter animations, on a loaded machine
  const view = await defaultView(f);
  await screenshot(page, `e2e-graph-${Math.round(load.processes / 1000)}k`);
  await sleep(2000);
  const webviewHeap = await jsHeapMiB(f);
  // Same site, same renderer: the webview's heap is the workbench's (the log shows whether they differ).
  ctx.log(
    `e2e: JS heap: workbench ${pageHeap.toFixed(1)} MiB before the graph; now workbench ${(await jsHeapMiB(page)).toFixed(1)}, webview ${webviewHeap.toFixed(1)}`,
  );
  const hostRssGraph = rssMiB(host);

  const atLoad: number[] = [];
  const floorAtLoad: number[] = [];
  if (full) {
    // The sidebar stays open across a reload: the view is opened as the window loads. The graph tab would
    // restore too (and activate the extension by itself): close it first.
    await runCommand(page, 'View: Close All Editors');
    await sleep(1000);
    // Ours and the floor in turn, so that both meet the same drift of the machine.
    for (let i = 0; i < RELOADS; i++) {
      atLoad.push(await reloadToRow(ctx, page, server, OURS));
      floorAtLoad.push(await reloadToRow(ctx, page, server, FLOOR));
    }
  }
  return {
    processes: load.processes,
    namespaces: load.namespaces,
    settledHelperBefore,
    firstRowSettled,
    children,
    atLoad,
    cards,
    rows,
    cardsMark,
    rowsMark,
    view,
    hostRssTree,
    hostRssGraph,
    webviewHeap,
    pageHeap,
    floorAtLoad,
  };
}

/** The settled open, the graph, then (full) reloads with the sidebar open; then (full) the floor's reloads. */
async function scenario(ctx: BenchContext, shape: ReturnType<typeof bigShape>, full: boolean): Promise<Figures> {
  const load = await startSleepers(shape);
  try {
    ctx.log(`e2e: load ready: ${load.namespaces} namespaces, ${load.processes} processes; starting code-server`);
    return await withWindow(full ? 'big' : 'small', (page, server) => product(ctx, load, page, server, full));
  } finally {
    await load.stop();
  }
}

export const e2eSuite: Suite = {
  name: 'e2e',
  async run(ctx: BenchContext): Promise<Row[]> {
    const big = await scenario(ctx, bigShape(), true);
    const small = await scenario(ctx, smallShape(), false);
    const k = (n: number): string => `${Math.round(n / 1000)}k`;
    const at = `${k(big.processes)} procs/${big.namespaces} ns`;
    return [
      { name: `load: processes (+ the host's)`, value: big.processes, unit: 'proc' },
      { name: 'helper running before the view opened', value: big.settledHelperBefore, unit: '', budget: 0 },
      { name: `${at}: view opened → first row`, value: big.firstRowSettled, unit: 'ms', budget: FIRST_ROW_BUDGET_MS },
      { name: `${at}: view opened → child ns listed`, value: big.children, unit: 'ms' },
      { name: `${at}: at load, view → first row`, value: median(big.atLoad), unit: 'ms', budget: FIRST_ROW_BUDGET_MS },
      { name: `at load, the floor's first row`, value: median(big.floorAtLoad), unit: 'ms' },
      { name: `${at}: at load, ours above the floor`, value: median(big.atLoad) - median(big.floorAtLoad), unit: 'ms' },
      { name: `${at}: Show Graph → cards drawn`, value: big.cards, unit: 'ms', budget: CARDS_BUDGET_MS },
      { name: `${at}: Show Graph → rows drawn`, value: big.rows, unit: 'ms' },
      { name: `${at}: Show Graph → cards' frame (page mark)`, value: big.cardsMark, unit: 'ms' },
      { name: `${at}: Show Graph → rows' frame (page mark)`, value: big.rowsMark, unit: 'ms' },
      { name: `${at}: legible namespace labels`, value: big.view.legible, unit: `of ${big.view.labels}`, atLeast: MIN_LEGIBLE_LABELS },
      {
        name: `${at}: group counts not legible`,
        value: big.view.groups - big.view.groupsLegible,
        unit: `of ${big.view.groups}`,
        budget: 0,
      },
      {
        name: `${k(small.processes)} procs: view opened → first row`,
        value: small.firstRowSettled,
        unit: 'ms',
        budget: FIRST_ROW_BUDGET_MS,
      },
      { name: `${k(small.processes)} procs: Show Graph → cards drawn`, value: small.cards, unit: 'ms', budget: CARDS_BUDGET_MS },
      { name: `${k(small.processes)} procs: Show Graph → rows drawn`, value: small.rows, unit: 'ms' },
      { name: `${k(small.processes)} procs: Show Graph → cards' frame (page mark)`, value: small.cardsMark, unit: 'ms' },
      { name: `${k(small.processes)} procs: ext host RSS, tree`, value: small.hostRssTree, unit: 'MiB' },
      { name: `${k(small.processes)} procs: ext host RSS, +graph`, value: small.hostRssGraph, unit: 'MiB' },
      { name: `${k(small.processes)} procs: renderer JS heap, tree`, value: small.pageHeap, unit: 'MiB' },
      { name: `${k(small.processes)} procs: renderer JS heap, +graph`, value: small.webviewHeap, unit: 'MiB' },
      { name: `${k(big.processes)} procs: ext host RSS, tree`, value: big.hostRssTree, unit: 'MiB' },
      { name: `${k(big.processes)} procs: ext host RSS, +graph`, value: big.hostRssGraph, unit: 'MiB' },
      { name: `${k(big.processes)} procs: renderer JS heap, tree`, value: big.pageHeap, unit: 'MiB' },
      { name: `${k(big.processes)} procs: renderer JS heap, +graph`, value: big.webviewHeap, unit: 'MiB' },
    ];
  },
};
