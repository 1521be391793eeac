// temporary probe (not committed)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { activityItem, launchBrowser, makeTempDir, openWorkbench, repoRoot, startCodeServer } from '../test/support';
import { descendants } from '../test/support/processTree';
import { cmdline } from './procStats';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function installProbe(): void {
  const w = window as unknown as { __pidns: Record<string, number | undefined> };
  const now = (): number => performance.timeOrigin + performance.now();
  const t: Record<string, number | undefined> = { nav: performance.timeOrigin };
  w.__pidns = t;
  const pane = (): Element | undefined =>
    [...document.querySelectorAll('.pane')].find((p) => p.querySelector('.pane-header')?.textContent?.includes('Namespaces'));
  const tick = (): void => {
    const p = pane();
    if (p && p.getBoundingClientRect().height > 0) {
      t.pane ??= now();
      const rows = [...p.querySelectorAll('.monaco-list-row')].filter((r) => r.textContent?.includes('pid:[')).length;
      if (t.row === undefined && rows > 0) t.row = now();
    } else t.pane = t.row = undefined;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
function logs(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...logs(p, re));
    else if (re.test(p)) out.push(p);
  }
  return out;
}
async function main() {
  const ws = makeTempDir('pidns-probe-');
  const server = await startCodeServer({ workspace: ws, extensionDevelopmentPath: process.env.NOEXT ? undefined : repoRoot(), env: { VSCODE_CLI: '1' } });
  const browser = await launchBrowser();
  try {
    const page = await openWorkbench(browser, server);
    await page.addInitScript(installProbe);
    const entry = activityItem(page, process.env.NOEXT ? 'Explorer' : 'PID Namespaces');
    await entry.waitFor({ state: 'visible', timeout: 60_000 });
    await sleep(4000);
    await entry.click();
    await sleep(4000);
    const res: number[] = [];
    for (let i = 0; i < Number(process.env.N ?? 3); i++) {
      const hosts = descendants(server.pid).filter((p) => /--type=extensionHost/.test(cmdline(p)));
      await page.reload();
      for (const h of hosts) for (const p of [h, ...descendants(h)]) try { process.kill(p, 'SIGKILL'); } catch {}
      if (!process.env.NOEXT) {
        await page.waitForFunction(() => (window as any).__pidns?.row, undefined, { timeout: 60000 });
        const t = await page.evaluate(() => ({ ...(window as any).__pidns }));
        res.push(Math.round(t.row - t.pane));
        console.log(`reload ${i}: pane→row ${Math.round(t.row - t.pane)} nav→pane ${Math.round(t.pane - t.nav)}`);
      }
      await sleep(5000);
    }
    console.log('pane→row', res.join(' '));
    for (const f of logs(join(server.userDataDir, 'logs'), /remoteexthost\.log$/).sort())
      console.log(f.split('/logs/')[1], '\n', readFileSync(f, 'utf8').split('\n').filter((l) => /_doActivate|started/.test(l)).map((l) => l.slice(11, 200)).join('\n '));
  } finally {
    await browser.close();
    await server.stop();
  }
}
void main();
