// screenshot: PNGs under test-results/screenshots/, the artefacts CI keeps and people look at.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from './paths';

export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(repoRoot(), 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file });
  return file;
}
