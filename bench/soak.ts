// Suite "soak" (issue 14; not in the default run: `--suite soak`): memory over time under churn, on the
// product as `npm start` serves it (code-server as root, the extension installed, VSCODE_CLI=1), with the
// tree and the graph open as a person would leave them. bench/soakload.c forks about 200 short-lived
// processes a second (each execs /bin/true) and creates a new PID namespace every second (its PID 1 forks two
// children and exits after 300 ms). Each minute: the extension host's RSS, the RSS of the helper it started
// (following with kernel events), and the renderer's JS heap (the webview shares the workbench's renderer);
// then the extension host's and the helper's live heap after a full collection (liveHeap.ts), which is what
// tells a leak from garbage not yet collected, and the host's process count (every process the helper sees
// costs memory: on a shared machine other work moves RSS too). The budget is under 5 MiB of growth after
// minute 5 for the extension host and for the helper.
// BENCH_SOAK_MINUTES (default 30) sets the duration; BENCH_SOAK_FORKS / BENCH_SOAK_NAMESPACES the rates.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Frame, Page } from 'playwright-core';
import {
  activityItem,
  launchBrowser,
  makeTempDir,
  openWorkbench,
  productProcesses,
  removeDir,
  repoRoot,
  runCommand,
  screenshot,
  startCodeServer,
  webviewFrame,
} from '../test/support';
import { liveHeapMiB } from './liveHeap';
import { compile } from './load';
import { envInt, median } from './measure';
import { rssMiB } from './procStats';
import type { BenchContext, Row, Suite } from './types';

const MINUTES = envInt('BENCH_SOAK_MINUTES', 30);
const FORKS = envInt('BENCH_SOAK_FORKS', 200);
const NAMESPACES = envInt('BENCH_SOAK_NAMESPACES', 1);
/** Growth is measured from this minute on (the first minutes fill caches and the heap). */
const SETTLED_MINUTE = 5;
const GROWTH_BUDGET_MIB = 5;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function hostProcesses(): number {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
}

function hostForks(): number {
  return Number(/^processes (\d+)/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
}

async function jsHeapMiB(f: Frame | Page): Promise<number> {
  return f.evaluate(() => (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize / 2 ** 20);
}

/**
 * One series of samples, a figure a minute from minute 0. Growth compares the median of three minutes at each
 * end (minutes 5-7 and the last three): one sample decided it before, and in one run the extension host's RSS
 * dipped to 116.9 MiB at minute 5 alone (126.5 at minute 4, 127.0 at minute 6, 127-131 after), which read as
 * 10.9 MiB of growth.
 */
function growthRows(what: string, s: number[], budget?: number): Row[] {
  const settled = Math.min(SETTLED_MINUTE, MINUTES);
  const first = [settled, Math.min(settled + 2, MINUTES)];
  const last = [Math.max(settled, MINUTES - 2), MINUTES];
  const from = median(s.slice(first[0], first[1] + 1));
  const to = median(s.slice(last[0], last[1] + 1));
  return [
    { name: `${what} at minutes ${first[0]}-${first[1]} (median)`, value: from, unit: 'MiB' },
    { name: `${what} at minutes ${last[0]}-${last[1]} (median)`, value: to, unit: 'MiB' },
    { name: `${what} peak after minute ${settled}`, value: Math.max(...s.slice(settled)), unit: 'MiB' },
    { name: `${what} growth after minute ${settled}`, value: to - from, unit: 'MiB', budget },
  ];
}

export const soakSuite: Suite = {
  name: 'soak',
  async run(ctx: BenchContext): Promise<Row[]> {
    const { binary: bin, dir } = compile('soakload');
    const workspace = makeTempDir('pidns-bench-soak-');
    const server = await startCodeServer({ workspace, extensionDevelopmentPath: repoRoot(), env: { VSCODE_CLI: '1' } });
    const browser = await launchBrowser();
    try {
      const page = await openWorkbench(browser, server);
      await activityItem(page, 'PID Namespaces').click();
      await page.locator('.pane .monaco-list-row', { hasText: 'pid:[' }).first().waitFor({ state: 'visible', timeout: 60_000 });
      await runCommand(page, 'PID Namespaces: Show Namespace Graph');
      const graph = await webviewFrame(page);
      await graph.locator('.card').first().waitFor({ state: 'visible', timeout: 60_000 });
      const { host, helper } = productProcesses(server.pid);
      const source = await page
        .locator('.statusbar-item', { hasText: /kernel events|polling/ })
        .first()
        .innerText({ timeout: 30_000 });
      if (!/kernel events/.test(source)) throw new Error(`soak needs kernel events; the status bar says "${source}"`);
      ctx.log(`soak: ${MINUTES} min, ${FORKS} forks/s and ${NAMESPACES} namespace(s)/s; extension host ${host}, helper ${helper}`);

      const load = spawn(bin, [String(FORKS), String(NAMESPACES)], { stdio: ['pipe', 'pipe', 'inherit'] });
      const loadGone = new Promise((r) => load.once('close', r));
      try {
        const hostRss = [rssMiB(host)];
        const helperRss = [rssMiB(helper)];
        const heap = [await jsHeapMiB(graph)];
        const hostLive = [liveHeapMiB(host)];
        const helperLive = [liveHeapMiB(helper)];
        const procs = [hostProcesses()];
        const t0 = { host: cpuTicks(host), helper: cpuTicks(helper) };
        const f0 = hostForks();
        const w0 = performance.now();
        for (let m = 1; m <= MINUTES; m++) {
          await sleep(60_000);
          if (load.exitCode !== null) throw new Error(`soakload exited (${load.exitCode})`);
          hostRss.push(rssMiB(host));
          helperRss.push(rssMiB(helper));
          heap.push(await jsHeapMiB(graph));
          hostLive.push(liveHeapMiB(host));
          helperLive.push(liveHeapMiB(helper));
          procs.push(hostProcesses());
          ctx.log(
            `soak: minute ${m}: RSS extension host ${hostRss[m].toFixed(1)} MiB, helper ${helperRss[m].toFixed(1)} MiB; ` +
              `live heap ${hostLive[m].toFixed(1)} and ${helperLive[m].toFixed(1)} MiB; renderer heap ${heap[m].toFixed(1)} MiB; ${procs[m]} processes`,
          );
        }
        const wall = (performance.now() - w0) / 1000;
        await screenshot(page, 'soak-end');
        ctx.log(`soak: extension host RSS by minute: ${hostRss.map((r) => r.toFixed(1)).join(' ')}`);
        ctx.log(`soak: helper RSS by minute: ${helperRss.map((r) => r.toFixed(1)).join(' ')}`);
        ctx.log(`soak: renderer JS heap by minute: ${heap.map((r) => r.toFixed(1)).join(' ')}`);
        ctx.log(`soak: extension host live heap by minute: ${hostLive.map((r) => r.toFixed(1)).join(' ')}`);
        ctx.log(`soak: helper live heap by minute: ${helperLive.map((r) => r.toFixed(1)).join(' ')}`);
        ctx.log(`soak: host processes by minute: ${procs.join(' ')}`);
        return [
          ...growthRows('extension host RSS', hostRss, GROWTH_BUDGET_MIB),
          ...growthRows('helper RSS', helperRss, GROWTH_BUDGET_MIB),
          ...growthRows('extension host live heap', hostLive, GROWTH_BUDGET_MIB),
          ...growthRows('helper live heap', helperLive, GROWTH_BUDGET_MIB),
          ...growthRows('renderer JS heap', heap),
          { name: 'host processes at the start and the end', value: procs[0], unit: `→ ${procs[MINUTES]}` },
          { name: 'extension host CPU (average)', value: ((cpuTicks(host) - t0.host) * 10) / wall, unit: 'ms/s' },
          { name: 'helper CPU (average)', value: ((cpuTicks(helper) - t0.helper) * 10) / wall, unit: 'ms/s' },
          { name: 'host forks/s meanwhile', value: (hostForks() - f0) / wall, unit: '/s' },
        ];
      } finally {
        load.stdin?.end();
        await Promise.race([loadGone, sleep(5000)]);
        if (load.exitCode === null) load.kill('SIGKILL');
      }
    } finally {
      await browser.close();
      await server.stop();
      removeDir(workspace);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
