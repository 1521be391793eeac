// Suite "extension-host": RSS of the real extension host (code-server 1.100, the extension loaded in
// development mode, its view visible so the helper streams) before and after 10,000 processes appear,
// plus the helper it started. Measured from /proc of the server's process tree.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activityItem, launchBrowser, openWorkbench, productProcesses, removeDir, repoRoot, startCodeServer } from '../test/support';
import { rssMiB } from './procStats';
import { scaleShape } from './scale';
import { startSleepers } from './sleepersLoad';
import type { BenchContext, Row, Suite } from './types';

const SETTLE_MS = 8000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForHelper(serverPid: number, timeoutMs: number): Promise<{ host: number; helper: number }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return productProcesses(serverPid);
    } catch (err) {
      if (Date.now() > end) throw err;
      await sleep(250);
    }
  }
}

export const extensionHostSuite: Suite = {
  name: 'extension-host',
  async run(ctx: BenchContext): Promise<Row[]> {
    const workspace = mkdtempSync(join(tmpdir(), 'pidns-bench-ws-'));
    const server = await startCodeServer({ workspace });
    const browser = await launchBrowser();
    try {
      const page = await openWorkbench(browser, server, { extensionDevelopmentPath: repoRoot() });
      await activityItem(page, 'PID Namespaces').click();
      const { host, helper } = await waitForHelper(server.pid, 60_000);
      await sleep(SETTLE_MS);
      const hostBefore = rssMiB(host);
      const helperBefore = rssMiB(helper);
      ctx.log(`extension-host: starting the scaled-up load (${JSON.stringify(scaleShape())})`);
      const load = await startSleepers(scaleShape());
      try {
        await sleep(SETTLE_MS); // a few polls: the diff with every new process reaches the view
        const hostAfter = rssMiB(host);
        const helperAfter = rssMiB(helper);
        return [
          { name: 'extension host RSS, host load only', value: hostBefore, unit: 'MiB' },
          { name: `extension host RSS, +${load.processes} processes`, value: hostAfter, unit: 'MiB' },
          { name: 'extension host RSS growth', value: hostAfter - hostBefore, unit: 'MiB' },
          { name: 'its helper RSS, host load only', value: helperBefore, unit: 'MiB' },
          { name: `its helper RSS, +${load.processes} processes`, value: helperAfter, unit: 'MiB' },
        ];
      } finally {
        await load.stop();
      }
    } finally {
      await browser.close();
      await server.stop();
      removeDir(workspace);
    }
  },
};
