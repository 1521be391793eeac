// launchBrowser: Debian's Chromium driven by playwright-core (Playwright's own browser download
// cannot reach its CDN here). HOME and XDG dirs point at a temp folder so no profile, crash
// report or font cache lands in the real home; close() removes it.
import { chromium, type Browser } from 'playwright-core';
import { join } from 'node:path';
import { CHROMIUM } from './paths';
import { makeTempDir, removeDir } from './processTree';

// Measured on this machine: these are what a root, GPU-less, offline VM needs.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

export async function launchBrowser(opts: { headless?: boolean } = {}): Promise<Browser> {
  const home = makeTempDir('pidns-chromium-');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: opts.headless ?? true,
    args: CHROMIUM_ARGS,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_CACHE_HOME: join(home, 'cache'),
      XDG_DATA_HOME: join(home, 'data'),
      LANG: process.env.LANG ?? 'C.UTF-8',
    },
  });
  browser.once('disconnected', () => removeDir(home));
  return browser;
}
