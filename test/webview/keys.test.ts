// The graph's keys and its Fit button (README: "Zoom, pan, "Fit to view", keyboard navigation (arrows, Enter,
// E, R, F)"), on the real bundle in Chromium fed the seed chain: E expands and collapses a card, R moves into
// its process rows (Escape back), F and the Fit button bring back the whole tree after a zoom.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GRAPH_CONFIG, WEBVIEW_PROTOCOL_VERSION } from '../../shared/webviewProtocol';
import { nsKey } from '../../shared/core/identity';
import { HOST_NS, NS_DEV, seedChain } from './support/fixtures';
import { openGraph, useGraphEnv, type GraphPage } from './support/harness';

const key = (inode: number): string => nsKey({ dev: NS_DEV, inode });

const env = useGraphEnv();

async function seeded(): Promise<{ g: GraphPage; seed: ReturnType<typeof seedChain> }> {
  const g = await openGraph(env(), 'dark');
  const seed = seedChain(5, 120);
  await g.send({ type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: DEFAULT_GRAPH_CONFIG });
  await g.send({ type: 'snapshot', snapshot: seed.snapshot });
  return { g, seed };
}

async function done(g: GraphPage): Promise<void> {
  const problems = [...g.problems];
  await g.page.close();
  assert.deepEqual(problems, [], 'no console errors, page errors or CSP violations');
}

const card = (g: GraphPage, inode: number) => g.page.locator(`.card[data-key="${key(inode)}"]`);
const transformOf = (g: GraphPage) => g.page.locator('#world').evaluate((e) => (e as HTMLElement).style.transform);
const activeKey = (g: GraphPage) =>
  g.page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return { card: a?.closest<HTMLElement>('.card')?.dataset.key, row: a?.classList.contains('row') ?? false };
  });

/** Zoom in with the wheel and wait until the view is no longer the given transform. */
async function zoomAway(g: GraphPage, from: string): Promise<void> {
  const vp = (await g.page.locator('#viewport').boundingBox())!;
  await g.page.mouse.move(vp.x + vp.width / 3, vp.y + vp.height / 3);
  await g.page.mouse.wheel(0, -600);
  await g.page.waitForFunction((t) => (document.getElementById('world') as HTMLElement).style.transform !== t, from, { timeout: 5000 });
}

async function waitForTransform(g: GraphPage, want: string, what: string): Promise<void> {
  await g.page
    .waitForFunction((t) => (document.getElementById('world') as HTMLElement).style.transform === t, want, { timeout: 5000 })
    .catch(async () => assert.fail(`${what}: transform ${await transformOf(g)}, want ${want}`));
}

test('E on a card expands it and collapses it again', async () => {
  const { g } = await seeded();
  try {
    const host = card(g, HOST_NS);
    assert.ok(await host.evaluate((e) => e.classList.contains('collapsed')), 'the big host card starts collapsed');
    await host.focus();
    await g.page.keyboard.press('e');
    await g.page.waitForFunction((k) => !document.querySelector(`.card[data-key="${k}"]`)!.classList.contains('collapsed'), key(HOST_NS), {
      timeout: 5000,
    });
    assert.ok((await host.locator('.row').count()) > 0, 'expanded: its rows are drawn');
    await g.page.keyboard.press('E');
    await g.page.waitForFunction((k) => document.querySelector(`.card[data-key="${k}"]`)!.classList.contains('collapsed'), key(HOST_NS), {
      timeout: 5000,
    });
    // Its rows fade out (class exit) and are removed.
    await g.page.waitForFunction((k) => document.querySelectorAll(`.card[data-key="${k}"] .row:not(.exit)`).length === 0, key(HOST_NS), {
      timeout: 5000,
    });
  } finally {
    await done(g);
  }
});

test('R on a card moves focus into its process rows; Escape comes back to the card', async () => {
  const { g, seed } = await seeded();
  try {
    const leaf = card(g, seed.levels[4]);
    await leaf.focus();
    assert.deepEqual(await activeKey(g), { card: key(seed.levels[4]), row: false });
    await g.page.keyboard.press('r');
    assert.deepEqual(await activeKey(g), { card: key(seed.levels[4]), row: true }, "focus on the leaf's first row");
    assert.equal(await g.page.evaluate(() => (document.activeElement as HTMLElement).querySelector('.comm')?.textContent), 'sleep');
    await g.page.keyboard.press('Escape');
    assert.deepEqual(await activeKey(g), { card: key(seed.levels[4]), row: false });
  } finally {
    await done(g);
  }
});

test('F on a card and the Fit button bring back the fitted view after a zoom', async () => {
  const { g, seed } = await seeded();
  try {
    await g.page.waitForTimeout(400); // the first fit may animate
    const fitted = await transformOf(g);
    await zoomAway(g, fitted);
    await card(g, seed.levels[2]).focus();
    await g.page.keyboard.press('f');
    await waitForTransform(g, fitted, 'F');
    await zoomAway(g, fitted);
    await g.page.locator('#fit').click();
    await waitForTransform(g, fitted, 'the Fit button');
  } finally {
    await done(g);
  }
});
