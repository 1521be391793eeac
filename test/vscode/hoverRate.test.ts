// Hovers as a person meets them, on a busy host: code-server (VS Code 1.100) in Chromium, VS Code's default hover
// delays, the VS Code server's own churn (its extension host runs `ps`/`ls`/`grep` every few seconds) plus a loop
// forking about 20 processes a second in the host's namespace. For a process row (its per-level PID table), a
// namespace row and the editor hover on a PID, each of TRIES single pointer moves onto the target must open the
// tooltip within OPEN_WITHIN_MS and keep it open STAY_MS, in at least NEEDED of TRIES. A third session adds PID
// namespaces coming and going (about 4 a second) at the top of its tree: there the tree's tooltips must open on
// the first hover as often; how many stay is printed, not asserted (a second hover of the same row within the 10 s
// hold is not seen: README). Rates are printed and asserted; nothing is retried. Screenshots:
// test-results/screenshots/hover-*.png.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  activityItem,
  killTree,
  launchBrowser,
  lookupUser,
  makeTempDir,
  openWorkbench,
  removeDir,
  repoRoot,
  screenshot,
  startCodeServer,
} from '../support';
import { nspidOf } from '../support/kernelTruth';
import { startForkLoad, startNamespaceChurn, startWhereServerRuns } from './support/hostLoad';
import { installPolkitRule, installSystemHelper, startSystemServices } from './support/polkitTestRule';

const USER = process.env.PIDNS_TEST_USER ?? 'pidns-test';
const TRIES = 20;
const NEEDED = 19;
/** VS Code's default hover delay is 500 ms on Linux (300 ms in the editor); a tooltip later than this failed. */
const OPEN_WITHIN_MS = 3000;
const STAY_MS = 5000;
const DEPTH = 3;
/** Where the pointer rests between tries: blank editor space, away from every row and hover. */
const REST = { x: 1250, y: 820 };

interface Chain {
  leaf: number;
  levels: Array<{ level: number; ns: number; init: number }>;
}

/** `pidns create --depth 3 --json` where the server runs; torn down (SIGTERM) when the test ends. */
async function startChain(t: TestContext, prefix: string[]): Promise<Chain> {
  const child = startWhereServerRuns(
    prefix,
    [process.execPath, join(repoRoot(), 'dist', 'pidns.js'), 'create', '--depth', String(DEPTH), '--json'],
    'pipe',
  );
  t.after(() => killTree(child.pid as number, 2000));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (line) resolve(JSON.parse(line) as Chain);
    });
    child.once('exit', (code) => reject(new Error(`pidns create exited (${code}) before it was ready: ${out}`)));
  });
}

interface Rate {
  name: string;
  opened: number;
  stayed: number;
  openMs: number[];
  failures: string[];
  jumps: number;
}

/**
 * TRIES times: rest the pointer, move it once onto the target, wait for the tooltip (no second move), then
 * watch that it stays STAY_MS. `check` reads the first tooltip that opened.
 */
async function hoverTrials(
  page: Page,
  name: string,
  target: Locator,
  tooltip: Locator,
  check: (tooltip: Locator) => Promise<void>,
): Promise<Rate> {
  const rate: Rate = { name, opened: 0, stayed: 0, openMs: [], failures: [], jumps: 0 };
  let checked = false;
  for (let i = 0; i < TRIES; i++) {
    await page.mouse.move(REST.x, REST.y);
    // Rest long enough that VS Code's "recently shown, show at once" window has passed, and vary the phase
    // against the poll interval.
    await page.waitForTimeout(900 + ((i * 173) % 700));
    // A person scrolls to the row first; a row that left the tree is a failure, found fast.
    const box = await target.scrollIntoViewIfNeeded({ timeout: 2000 }).then(
      () => target.boundingBox({ timeout: 1000 }),
      () => null,
    );
    if (!box) {
      rate.failures.push(`try ${i + 1}: target not on screen`);
      await screenshot(page, `hover-${name.replace(/\W+/g, '-')}-missing-${i + 1}`);
      continue;
    }
    await page.mouse.move(box.x + Math.min(box.width / 2, 60), box.y + box.height / 2, { steps: 3 });
    const t0 = Date.now();
    const opened = await tooltip.waitFor({ state: 'visible', timeout: OPEN_WITHIN_MS }).then(
      () => true,
      () => false,
    );
    if (!opened) {
      rate.failures.push(`try ${i + 1}: no tooltip within ${OPEN_WITHIN_MS} ms`);
      continue;
    }
    const openedAt = Date.now();
    rate.opened++;
    rate.openMs.push(openedAt - t0);
    if (!checked) {
      await check(tooltip);
      checked = true;
      await screenshot(page, `hover-${name.replace(/\W+/g, '-')}`);
    }
    let closedAfter: number | undefined;
    while (Date.now() - openedAt < STAY_MS) {
      if (!(await tooltip.isVisible())) {
        closedAfter = Date.now() - openedAt;
        break;
      }
      await page.waitForTimeout(100);
    }
    const after = await target.boundingBox({ timeout: 1000 }).catch(() => null);
    if (after && Math.abs(after.y - box.y) > 1) rate.jumps++;
    if (closedAfter === undefined) rate.stayed++;
    else rate.failures.push(`try ${i + 1}: closed ${closedAfter} ms after it opened`);
  }
  return rate;
}

function say(t: TestContext, line: string): void {
  t.diagnostic(line);
  console.log(line);
}

function rateLine(tag: string, r: Rate): string {
  const sorted = [...r.openMs].sort((a, b) => a - b);
  const median = sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)] : NaN;
  return `${tag} ${r.name}: opened on the first hover ${r.opened}/${TRIES}, stayed ${STAY_MS / 1000} s ${r.stayed}/${TRIES}, median open ${median} ms, row moved ${r.jumps}×${r.failures.length ? `; ${r.failures.join('; ')}` : ''}`;
}

/**
 * Counts PID namespaces appearing and disappearing on the machine (a new child of the host's namespace changes
 * the top of the tree, which repaints the whole tree, at most every 5 s), so a rate can be read in context.
 */
function watchNamespaces(t: TestContext): () => number {
  const list = (): Set<string> => {
    const out = new Set<string>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        out.add(readlinkSync(`/proc/${name}/ns/pid`));
      } catch {
        // exited meanwhile
      }
    }
    return out;
  };
  let last = list();
  let changes = 0;
  const timer = setInterval(() => {
    const now = list();
    for (const n of now) if (!last.has(n)) changes++;
    for (const n of last) if (!now.has(n)) changes++;
    last = now;
  }, 1000);
  t.after(() => clearInterval(timer));
  return () => changes;
}

/** The tooltip's level | namespace | PID rows. */
async function levelRows(tooltip: Locator): Promise<Array<{ level: number; ns: string; pid: number }>> {
  const cells = await tooltip
    .locator('table tr')
    .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? '')));
  return cells.filter((c) => c.length === 3).map(([level, ns, pid]) => ({ level: Number(level), ns, pid: Number(pid) }));
}

const ISOLATE = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];

/**
 * `isolated`: code-server (and so the helper) runs in a PID namespace of its own, with the chain and the load,
 * so that other work on a shared machine (a benchmark cycling hundreds of namespaces was seen) cannot reach
 * the view; its top is then that namespace. Otherwise everything runs in the host's namespace.
 */
interface Session {
  /** The non-root user code-server runs as; root when absent. */
  user?: string;
  /** The privilege the status bar must name. */
  expectedMode: string;
  isolated: boolean;
  /** PID namespaces come and go at the top of the tree (startNamespaceChurn); only the tree's two targets. */
  namespaceChurn?: boolean;
}

async function scenario(t: TestContext, session: Session, trialsDone: () => Promise<void>): Promise<void> {
  const { user, expectedMode, isolated, namespaceChurn = false } = session;
  const tag = `${user ? 'nonroot' : 'root'}${isolated ? '-isolated' : ''}${namespaceChurn ? '-namespace-churn' : ''}`;
  const workspace = makeTempDir('pidns-hover-', user ? lookupUser(user) : undefined);
  t.after(() => removeDir(workspace));
  const server = await startCodeServer({ workspace, user, launcher: isolated ? ISOLATE : undefined });
  t.after(() => server.stop());
  // The server's node, inside the new namespace when isolated: nsenter into it starts things next to it.
  const inner = isolated
    ? Number(readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim().split(/\s+/)[0])
    : process.pid;
  const prefix = isolated ? ['nsenter', '-t', String(inner), '-p', '-m', '--'] : [];
  const nspidHere = (pid: number): number[] | undefined => {
    if (!isolated) return nspidOf(pid);
    const m = /^NSpid:\s*(.*)$/m.exec(execFileSync('nsenter', [...prefix.slice(1), 'cat', `/proc/${pid}/status`], { encoding: 'utf8' }));
    return m ? m[1].trim().split(/\s+/).map(Number) : undefined;
  };
  const chain = await startChain(t, prefix);
  const nspid = nspidHere(chain.leaf);
  assert.ok(nspid && nspid.length === DEPTH + 1, `leaf NSpid ${nspid}`);
  const hostNs = Number(/\d+/.exec(readlinkSync(`/proc/${inner}/ns/pid`))?.[0]);
  const nsChain = [hostNs, ...chain.levels.map((l) => l.ns)];
  // A "log" with the leaf's PID as the view's top namespace sees it, for the editor hover.
  writeFileSync(join(workspace, 'pids.txt'), `${chain.leaf}\n`, { mode: 0o644 });

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const forkRate = startForkLoad(t, { prefix, orphans: !isolated });
  if (namespaceChurn) startNamespaceChurn(t, prefix);
  const nsChanges = watchNamespaces(t);
  const checkTable = async (tooltip: Locator): Promise<void> => {
    const table = await levelRows(tooltip);
    assert.deepEqual(
      table.map((r) => r.pid),
      nspid,
      "the PIDs are the kernel's NSpid, outermost first",
    );
    assert.deepEqual(
      table.map((r) => r.ns),
      nsChain.map((n) => `pid:[${n}]`),
      'each level names its namespace',
    );
  };

  /** A window with the tree open and the "log" open in an editor, its leaf's PID on screen. */
  const openWindow = async () => {
    const page = await openWorkbench(browser, server, { extensionDevelopmentPath: repoRoot(), theme: 'dark' });
    await activityItem(page, 'PID Namespaces').click();
    const rows = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Namespaces' }) }).locator('.monaco-list-row');
    await rows
      .filter({ hasText: `pid:[${hostNs}]` })
      .first()
      .waitFor({ state: 'visible', timeout: 30_000 });
    const status = page.locator('.statusbar-item', { hasText: 'PID ns' }).first();
    await status.filter({ hasText: expectedMode }).waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('pids.txt');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'pids.txt' }).first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    const pidToken = page.locator('.monaco-editor .view-line span span', { hasText: String(chain.leaf) }).first();
    await pidToken.waitFor({ state: 'visible', timeout: 15_000 });
    const editorHover = page.locator('.monaco-editor .monaco-hover', { hasText: `${chain.leaf} on the host` });
    return { page, rows, pidToken, editorHover };
  };
  type Window = Awaited<ReturnType<typeof openWindow>>;

  /** Reveals the leaf from the editor hover's link, as a person would: the tree opens every level above it. */
  const revealLeaf = async ({ page, rows, pidToken, editorHover }: Window) => {
    await page.mouse.move(REST.x, REST.y);
    await page.waitForTimeout(1000);
    await pidToken.hover();
    await editorHover.locator('a', { hasText: 'Reveal in PID Namespaces tree' }).click();
    const leafRow = rows.filter({ hasText: `host ${chain.leaf}` }).first();
    await leafRow.waitFor({ state: 'visible', timeout: 15_000 });
    const l1Row = rows.filter({ hasText: `pid:[${chain.levels[0].ns}]` }).first();
    await l1Row.waitFor({ state: 'visible' });
    // The editor hover would stay open (and would match the process tooltip's text): close it.
    await page.mouse.move(REST.x, REST.y);
    await page.keyboard.press('Escape');
    await editorHover.waitFor({ state: 'hidden' });
    await screenshot(page, `hover-${tag}-tree`);
    return { leafRow, l1Row };
  };

  // One window per target, as one person's three windows on the host (each its own extension host, tree and
  // helper, and each extension host adds the VS Code server's own churn): each window's pointer makes the same
  // TRIES moves onto the same target as one window would, so the three rates are measured side by side.
  const editor = namespaceChurn ? undefined : await openWindow();
  const processWindow = await openWindow();
  const { leafRow } = await revealLeaf(processWindow);
  const namespaceWindow = await openWindow();
  const { l1Row } = await revealLeaf(namespaceWindow);
  // The tree's tooltips are the workbench hover; the editor's are .monaco-hover inside the editor.
  const hovers = (page: Page) => page.locator('.workbench-hover');
  const measure = async (
    page: Page,
    name: string,
    target: Locator,
    tooltip: Locator,
    check: (tooltip: Locator) => Promise<void>,
  ): Promise<Rate> => {
    const before = nsChanges();
    const r = await hoverTrials(page, name, target, tooltip, check);
    say(t, `${rateLine(tag, r)} (PID namespaces appeared or went elsewhere on the machine meanwhile: ${nsChanges() - before})`);
    return r;
  };
  const rates = await Promise.all([
    ...(editor ? [measure(editor.page, 'editor hover on a PID', editor.pidToken, editor.editorHover, checkTable)] : []),
    measure(
      processWindow.page,
      'process row',
      leafRow.locator('.monaco-icon-label').first(),
      hovers(processWindow.page).filter({ hasText: `${chain.leaf} on the host` }),
      checkTable,
    ),
    measure(
      namespaceWindow.page,
      'namespace row',
      l1Row.locator('.monaco-icon-label').first(),
      hovers(namespaceWindow.page).filter({ hasText: `PID namespace pid:[${chain.levels[0].ns}]` }),
      async (tooltip) => {
        assert.match(await tooltip.innerText(), /Init \(PID 1\)\s*pidns-init \(host PID \d+\)/);
      },
    ),
  ]);
  const rate = forkRate();
  say(t, `${tag}: extra load ${rate.toFixed(1)} forks/s in the host namespace`);
  // Nothing of this session goes away (its namespaces, its server) while the other session still measures.
  await trialsDone();
  assert.ok(rate >= 15, `the extra load ran at ${rate.toFixed(1)} forks/s, not about 20`);
  for (const r of rates) {
    assert.ok(
      r.opened >= NEEDED,
      `${r.name}: opened on the first hover in ${r.opened} of ${TRIES} tries (need ${NEEDED}): ${r.failures.join('; ')}`,
    );
    if (namespaceChurn) continue;
    assert.ok(
      r.stayed >= NEEDED,
      `${r.name}: opened and stayed ${STAY_MS} ms in ${r.stayed} of ${TRIES} tries (need ${NEEDED}): ${r.failures.join('; ')}`,
    );
  }
}

/** Resolves for everyone once each of `parties` has arrived (arriving again is a no-op: a failed session arrives in `finally`). */
function barrier(parties: string[]): (party: string) => Promise<void> {
  const arrived = new Set<string>();
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return (party) => {
    arrived.add(party);
    if (parties.every((p) => arrived.has(p))) open();
    return opened;
  };
}

// The sessions run side by side, as people's windows on one host do, and each measures its targets in a window
// each, at once: every window is mostly waiting out its 5 s stays, so the eight rates take the time of one (about
// 3 minutes) instead of eight times that. Through pkexec the server cannot sit in a PID namespace of its own
// (polkitd, in the host's, would look up the wrong process for pkexec's caller), so that one shares the host's
// namespace with whatever else runs; the root ones are isolated (their namespaces appear under the host's as they
// start, their namespace churn stays inside theirs, and no session ends anything while another still measures).
describe('hover rate while the host churns', { concurrency: 3 }, () => {
  const trialsDone = barrier(['root', 'pkexec', 'churn']);
  test('as root, tooltips open on the first hover and stay', { timeout: 15 * 60_000 }, async (t) => {
    try {
      await scenario(t, { expectedMode: 'root', isolated: true }, () => trialsDone('root'));
    } finally {
      void trialsDone('root');
    }
  });

  test(
    'as root, while PID namespaces come and go at the top of the tree, its tooltips open on the first hover',
    { timeout: 15 * 60_000 },
    async (t) => {
      try {
        await scenario(t, { expectedMode: 'root', isolated: true, namespaceChurn: true }, () => trialsDone('churn'));
      } finally {
        void trialsDone('churn');
      }
    },
  );

  test('as a non-root user through pkexec, tooltips open on the first hover and stay', { timeout: 15 * 60_000 }, async (t) => {
    startSystemServices(repoRoot());
    // pkexec runs the root-owned installed helper of this build (the polkit rule admits nothing else).
    t.after(installSystemHelper(repoRoot()));
    t.after(await installPolkitRule(USER));
    try {
      await scenario(t, { user: USER, expectedMode: 'pkexec', isolated: false }, () => trialsDone('pkexec'));
    } finally {
      void trialsDone('pkexec');
    }
  });
});
