// `npm start` (scripts/run-product.sh) as a user would run it: it prints a URL on 127.0.0.1 within seconds,
// that URL shows the installed extension's view, and Ctrl-C (SIGINT) stops code-server and all it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { activityItem, launchBrowser, makeTempDir, removeDir, repoRoot, screenshot, waitForWorkbench } from '../support';
import { descendants, freePort, killTree } from '../support/processTree';

test('npm start prints a URL, serves the extension, and Ctrl-C stops everything', { timeout: 180_000 }, async (t) => {
  const productDir = makeTempDir('pidns-product-');
  t.after(() => removeDir(productDir));
  const port = await freePort();
  const started = Date.now();
  const child = spawn('bash', [join(repoRoot(), 'scripts', 'run-product.sh')], {
    cwd: repoRoot(),
    env: { ...process.env, PORT: String(port), PIDNS_PRODUCT_DIR: productDir, PIDNS_SKIP_BUILD: '1', PIDNS_USER: '' },
    detached: true, // like a terminal's foreground job: SIGINT is not ignored (it is for `cmd &` in a script)
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid as number;
  t.after(() => killTree(pid, 500)); // only matters if the test failed before Ctrl-C
  let output = '';
  child.stderr.on('data', (b: Buffer) => {
    output += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
      const m = /is running: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(output);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`run-product exited (${code}) before printing a URL:\n${output}`)));
  });
  t.diagnostic(`URL ready after ${Date.now() - started} ms: ${url}`);
  assert.ok(url.startsWith(`http://127.0.0.1:${port}/`));

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await page.goto(url);
  await waitForWorkbench(page);
  const entry = activityItem(page, 'PID Namespaces');
  await entry.waitFor({ state: 'visible', timeout: 60_000 });
  await entry.click();
  // The product is only up when the tree shows the host's namespace. 8 s is generous for helper start and
  // first scan (well under a second here) but shorter than VS Code's 10 s wait for a slow login shell, so
  // a product that stalls on resolving the shell environment fails here instead of greeting users late.
  const shownAt = Date.now();
  await page
    .locator('.pane .monaco-list-row', { hasText: /pid:\[\d+\]/ })
    .first()
    .waitFor({ state: 'visible', timeout: 8_000 });
  t.diagnostic(`tree filled ${Date.now() - shownAt} ms after the view was opened`);
  t.diagnostic(`screenshot: ${await screenshot(page, 'run-product')}`);

  const tree = descendants(pid);
  assert.ok(tree.length > 3, `expected run-product, code-server and its children: ${tree.join(' ')}`);
  process.kill(-pid, 'SIGINT');
  assert.equal(await exited, 130, output);
  const survivors = tree.filter((p) => existsSync(`/proc/${p}`));
  assert.deepEqual(survivors, [], 'processes left after Ctrl-C');
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'port still answers after Ctrl-C');
});
