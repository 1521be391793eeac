// The graph on a container host: 1 to 1,000 sibling PID namespaces under the host's, in Chromium. The
// first view must be readable (at least 10 namespace titles at 10 px or more on screen, every group's
// count), each group card must count exactly the namespaces it hides, and a grouped namespace must be
// found through the group's search box. Screenshots of each size, light and dark, for looking at.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GRAPH_CONFIG, WEBVIEW_PROTOCOL_VERSION } from '../../shared/webviewProtocol';
import { emptyDiff, HOST_NS, NS_DEV, siblings } from './support/fixtures';
import { openGraph, useGraphEnv, type GraphPage } from './support/harness';
import type { ThemeName } from './support/themes';
import type { NsId, Snapshot } from '../../shared/core/types';
import { nsKey } from '../../shared/core/identity';

const SHOTS = join(__dirname, '..', '..', '..', 'test-results', 'screenshots');
const key = (inode: number): string => nsKey({ dev: NS_DEV, inode });
const config = { type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: DEFAULT_GRAPH_CONFIG } as const;
const LEGIBLE_PX = 10;

const env = useGraphEnv();

/** A graph page with the config and `snapshot` sent, handed to `body`; closed afterwards, also when `body` fails. */
async function showing(
  opts: { theme: ThemeName; snapshot: Snapshot; created?: NsId[]; viewport?: { width: number; height: number } },
  body: (g: GraphPage) => Promise<void>,
): Promise<void> {
  const g = await openGraph(env(), opts.theme, opts.viewport);
  try {
    await g.send(config);
    await g.send({ type: 'snapshot', snapshot: opts.snapshot, ...(opts.created === undefined ? {} : { created: opts.created }) });
    await body(g);
  } finally {
    await g.page.close();
  }
}

interface Label {
  key: string;
  text: string;
  /** Rendered text size on screen: computed font size times the world's zoom. */
  px: number;
  onScreen: boolean;
}

/** Titles of the cards (namespace and group) with their size on screen and whether they lie inside the viewport. */
async function labels(g: GraphPage): Promise<Label[]> {
  return g.page.evaluate(() => {
    const world = document.getElementById('world')!;
    const k = Number(/scale\(([^)]+)\)/.exec(world.style.transform)?.[1] ?? '1');
    const vp = document.getElementById('viewport')!.getBoundingClientRect();
    return [...document.querySelectorAll<HTMLElement>('.card:not(.exit) .title')].map((t) => {
      const r = t.getBoundingClientRect();
      const style = getComputedStyle(t);
      const visible = style.visibility !== 'hidden' && style.display !== 'none' && r.width > 0;
      return {
        key: t.closest<HTMLElement>('.card')!.dataset.key!,
        text: t.textContent ?? '',
        px: parseFloat(style.fontSize) * k,
        onScreen: visible && r.left >= vp.left && r.right <= vp.right && r.top >= vp.top && r.bottom <= vp.bottom,
      };
    });
  });
}

const legible = (l: Label): boolean => l.onScreen && l.px >= LEGIBLE_PX;

describe('graph at container-host scale', () => {
  for (const n of [1, 5, 50, 300, 1000]) {
    test(`${n} sibling namespace${n === 1 ? '' : 's'}: readable first view, exact group counts, search finds a grouped one`, async (t) => {
      const fixture = siblings(n);
      const snap = fixture.snapshot;
      const created = [fixture.created, fixture.nested].map((inode) => ({ dev: NS_DEV, inode }));
      mkdirSync(SHOTS, { recursive: true });
      for (const theme of ['light', 'dark'] as const) {
        await showing({ theme: theme, snapshot: snap, created }, async (g) => {
          await g.page.waitForTimeout(350); // enter animations
          await g.page.screenshot({ path: join(SHOTS, `scale-${n}-${theme}.png`) });
          if (theme === 'light') t.diagnostic(await checkDefaultView(g, fixture));
          else if (n >= 50) await openBiggestGroup(g, n);
          assert.deepEqual(g.problems, []);
        });
      }
    });
  }
});

/** Returns a line for the test log: legible labels and groups in the first view. */
async function checkDefaultView(g: GraphPage, fixture: ReturnType<typeof siblings>): Promise<string> {
  const snap = fixture.snapshot;
  const all = await labels(g);
  const nsLabels = all.filter((l) => !l.key.startsWith('group '));
  const groupLabels = all.filter((l) => l.key.startsWith('group '));
  const readable = nsLabels.filter(legible);
  const want = Math.min(10, snap.namespaces.length);
  assert.ok(
    readable.length >= want,
    `${readable.length} legible namespace labels (want ≥ ${want}) of ${nsLabels.length} drawn: ${JSON.stringify(nsLabels.slice(0, 5))}`,
  );
  assert.ok(
    readable.some((l) => l.key === key(HOST_NS)),
    'the root is readable',
  );
  assert.ok(
    readable.some((l) => l.key === key(fixture.created)),
    'the namespace created here is readable',
  );
  for (const l of groupLabels)
    assert.ok(legible(l), `group "${l.text}" is readable in the first view (${l.px.toFixed(1)} px, on screen ${l.onScreen})`);

  // Each group counts exactly the host's children with that init command that have no card of their own.
  const drawn = new Set(nsLabels.map((l) => l.key));
  const commOf = new Map(snap.processes.map((p) => [p.pid, p.comm]));
  const groups = await g.page.locator('.card.group').evaluateAll((es) =>
    es.map((e) => ({
      key: (e as HTMLElement).dataset.key!,
      count: Number((e as HTMLElement).dataset.count),
      title: e.querySelector('.title')!.textContent!,
    })),
  );
  let grouped = 0;
  for (const grp of groups) {
    const comm = /^group \S+ =(.*)$/.exec(grp.key)?.[1];
    assert.ok(comm !== undefined, `a group by init command: ${grp.key}`);
    const expected = snap.namespaces.filter(
      (ns) => ns.parent === HOST_NS && !drawn.has(key(ns.inode)) && commOf.get(ns.init!) === comm,
    ).length;
    assert.equal(grp.count, expected, `${grp.title}`);
    assert.match(grp.title, new RegExp(`^${expected} namespaces? · init ${comm}$`));
    grouped += grp.count;
  }
  const hostChildren = snap.namespaces.filter((ns) => ns.parent === HOST_NS).length;
  assert.equal(
    grouped + [...drawn].filter((k) => snap.namespaces.find((ns) => key(ns.inode) === k)?.parent === HOST_NS).length,
    hostChildren,
    'every sibling drawn or in one group',
  );
  const summary = `${snap.namespaces.length} namespaces: ${readable.length} legible namespace labels in the first view (${nsLabels.length} drawn), ${groups.length} groups: ${groups.map((x) => x.title).join('; ')}`;
  if (groups.length === 0) {
    assert.ok(snap.namespaces.length <= 14, 'only small hosts are drawn without groups');
    return summary;
  }

  // Search: a namespace hidden in the biggest group, found by its inode through the group's search box.
  const biggest = groups.sort((a, b) => b.count - a.count)[0];
  const comm = /=(.*)$/.exec(biggest.key)![1];
  const hidden = snap.namespaces.filter((ns) => ns.parent === HOST_NS && !drawn.has(key(ns.inode)) && commOf.get(ns.init!) === comm);
  const target = hidden[Math.floor(hidden.length / 2)];
  assert.equal(await g.page.locator(`.card[data-key="${key(target.inode)}"]`).count(), 0, 'not drawn before the search');
  const field = g.page.locator(`.card[data-key="${biggest.key}"] .filter input`);
  await field.fill(String(target.inode));
  await field.press('Enter');
  await g.page.waitForTimeout(100);
  const found = (await labels(g)).find((l) => l.key === key(target.inode));
  assert.ok(found && legible(found), `pid:[${target.inode}] found and readable: ${JSON.stringify(found)}`);
  assert.equal(
    await g.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.key),
    key(target.inode),
    'focus on the found card',
  );
  assert.equal(
    Number(await g.page.locator(`.card[data-key="${biggest.key}"]`).getAttribute('data-count')),
    biggest.count,
    'the group still counts all its members',
  );
  return summary;
}

/** Enter on the biggest group opens it in place; Fit to view then shows every card as a box with its count. */
async function openBiggestGroup(g: GraphPage, n: number): Promise<void> {
  const group = g.page.locator('.card.group').first();
  const count = Number(await group.getAttribute('data-count'));
  const before = await g.page.locator('.card:not(.group):not(.exit)').count();
  await group.focus();
  await g.page.keyboard.press('Enter');
  assert.equal(await g.page.locator('.card:not(.group):not(.exit)').count(), before + count, 'every member of the group gets a card');
  assert.equal(await group.getAttribute('aria-expanded'), 'true');
  await g.page.waitForTimeout(350);
  await g.page.screenshot({ path: join(SHOTS, `scale-${n}-dark-open.png`) });
  await g.page.locator('#fit').click();
  await g.page.waitForTimeout(350);
  await g.page.screenshot({ path: join(SHOTS, `scale-${n}-dark-open-fit.png`) });
  await group.focus();
  await g.page.keyboard.press('Enter');
  assert.equal(await g.page.locator('.card:not(.group):not(.exit)').count(), before, 'Enter again closes it');
}

describe('groups across hide/show, and namespaces created here', () => {
  test('revealing a grouped namespace (the tree\'s "Show in Graph") gives it a card, selected and on screen', async () => {
    const fixture = siblings(300);
    await showing({ theme: 'dark', snapshot: fixture.snapshot }, async (g) => {
      const target = fixture.snapshot.namespaces.filter((ns) => ns.parent === HOST_NS)[123];
      const card = g.page.locator(`.card[data-key="${key(target.inode)}"]`);
      assert.equal(await card.count(), 0, 'grouped at first');
      await g.send({ type: 'reveal', target: { kind: 'namespace', ns: { dev: NS_DEV, inode: target.inode } } });
      assert.ok(await card.evaluate((e) => e.classList.contains('selected')));
      const found = (await labels(g)).find((l) => l.key === key(target.inode));
      assert.ok(found && legible(found), JSON.stringify(found));
      assert.ok(!(await card.evaluate((e) => e.classList.contains('compact'))), 'the selected namespace is drawn in full');
      assert.equal(await card.locator('.row').count(), target.pids.length);
      // Focus and context: the other siblings are compact (header only) until picked.
      const other = g.page.locator('.card.compact').first();
      const otherKey = (await other.getAttribute('data-key'))!;
      assert.equal(await other.locator('.row').count(), 0);
      await other.locator('.title').click();
      const picked = g.page.locator(`.card[data-key="${otherKey}"]`);
      assert.ok(!(await picked.evaluate((e) => e.classList.contains('compact'))), 'a clicked compact card is drawn in full');
      assert.ok((await picked.locator('.row').count()) > 0);
      assert.deepEqual(g.problems, []);
    });
  });

  test('a smaller panel (1000×650) still opens with at least 10 legible namespace labels at 1,000 siblings', async (t) => {
    const fixture = siblings(1000);
    await showing(
      {
        theme: 'light',
        snapshot: fixture.snapshot,
        created: [{ dev: NS_DEV, inode: fixture.created }],
        viewport: { width: 1000, height: 650 },
      },
      async (g) => {
        const readable = (await labels(g)).filter((l) => !l.key.startsWith('group ') && legible(l));
        t.diagnostic(`${readable.length} legible namespace labels`);
        await g.page.screenshot({ path: join(SHOTS, 'scale-1000-light-small-panel.png') });
        assert.ok(readable.length >= 10, `${readable.length} legible`);
      },
    );
  });

  test('an opened group and a group search survive hide/show', async () => {
    const fixture = siblings(300);
    await showing({ theme: 'dark', snapshot: fixture.snapshot }, async (g) => {
      const nginx = g.page.locator('.card.group', { hasText: 'init nginx' });
      await nginx.locator('.toggle').click();
      const target = fixture.snapshot.namespaces.filter(
        (ns) => ns.parent === HOST_NS && fixture.snapshot.processes.find((p) => p.pid === ns.init)?.comm === 'sh',
      )[200];
      await g.page.locator('.card.group', { hasText: 'init sh' }).locator('.filter input').fill(String(target.inode));
      const cards = await g.page.locator('.card:not(.exit)').count();
      await g.page.waitForTimeout(300); // setState is debounced
      await g.page.reload();
      await g.page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
      await g.send(config);
      await g.send({ type: 'snapshot', snapshot: fixture.snapshot });
      assert.equal(await g.page.locator('.card.group', { hasText: 'init nginx' }).getAttribute('aria-expanded'), 'true');
      assert.equal(await g.page.locator(`.card[data-key="${key(target.inode)}"]`).count(), 1, 'the search match is drawn again');
      assert.equal(await g.page.locator('.card:not(.exit)').count(), cards);
      assert.deepEqual(g.problems, []);
    });
  });

  test('a diff that reports a grouped namespace as created here brings it out of its group and marks it', async () => {
    const fixture = siblings(300);
    await showing({ theme: 'dark', snapshot: fixture.snapshot, created: [] }, async (g) => {
      const target = fixture.snapshot.namespaces.filter((ns) => ns.parent === HOST_NS)[150];
      const shCount = async (): Promise<number> =>
        Number(await g.page.locator('.card.group', { hasText: 'init sh' }).getAttribute('data-count'));
      const before = await shCount();
      assert.equal(await g.page.locator(`.card[data-key="${key(target.inode)}"]`).count(), 0, 'grouped at first');
      await g.send({ type: 'diff', diff: emptyDiff(), created: [{ dev: NS_DEV, inode: target.inode }] });
      assert.ok(await g.page.locator(`.card[data-key="${key(target.inode)}"]`).evaluate((e) => e.classList.contains('created')));
      assert.equal(await shCount(), before - 1, 'the group counts one namespace less');
      await g.send({ type: 'diff', diff: emptyDiff() });
      assert.equal(await g.page.locator(`.card.created`).count(), 1, 'a diff without the field keeps the set');
      assert.deepEqual(g.problems, []);
    });
  });
});

describe("the toolbar's search at 300 siblings", () => {
  const count = (g: GraphPage): Promise<string> => g.page.locator('#search-count').innerText();
  const field = (g: GraphPage) => g.page.locator('#search input');

  test('Ctrl+F, an inode hidden in a collapsed group: "1 of 1", its card selected, on screen and legible', async (t) => {
    const fixture = siblings(300);
    await showing({ theme: 'light', snapshot: fixture.snapshot, created: [{ dev: NS_DEV, inode: fixture.created }] }, async (g) => {
      await g.page.waitForTimeout(350);
      const first = await labels(g);
      const readable = first.filter((l) => !l.key.startsWith('group ') && legible(l)).length;
      assert.ok(readable >= 10, `${readable} legible namespace labels in the default view`);
      const drawn = new Set(first.map((l) => l.key));
      const inGroups = fixture.snapshot.namespaces.filter((ns) => ns.parent === HOST_NS && !drawn.has(key(ns.inode)));
      assert.ok(inGroups.length > 250, `${inGroups.length} siblings inside group cards`);
      const target = inGroups[Math.floor(inGroups.length * 0.7)];
      const card = g.page.locator(`.card[data-key="${key(target.inode)}"]`);
      assert.equal(await card.count(), 0, 'inside a collapsed group before the search');

      // Zoomed out by the user first, so that the jump has to zoom in to make the label legible.
      await g.page.mouse.move(700, 450);
      for (let i = 0; i < 4; i++) await g.page.mouse.wheel(0, 400);
      await g.page.waitForTimeout(100);
      const k = await g.page.evaluate(() => Number(/scale\(([^)]+)\)/.exec(document.getElementById('world')!.style.transform)?.[1]));
      assert.ok(k * 13 < LEGIBLE_PX, `fit zooms out below legible (k ${k})`);
      await g.page.locator('#viewport').click({ position: { x: 5, y: 5 } });
      await g.page.keyboard.press('Control+f');
      assert.equal(await g.page.evaluate(() => document.activeElement?.id), 'search', 'Ctrl+F focuses the search');
      await g.page.keyboard.type(`pid:[${target.inode}]`);
      assert.equal(await count(g), '1 result');
      await g.page.keyboard.press('Enter');
      assert.equal(await count(g), '1 of 1');
      await g.page.waitForTimeout(350); // the new card's entry and the glide of the others
      assert.equal(await card.count(), 1, 'brought out of its group');
      assert.ok(await card.evaluate((e) => e.classList.contains('selected')), 'selected');
      const found = (await labels(g)).find((l) => l.key === key(target.inode));
      t.diagnostic(`found: ${JSON.stringify(found)}; ${readable} legible labels in the default view`);
      await g.page.screenshot({ path: join(SHOTS, 'scale-300-light-search.png') });
      assert.ok(found && legible(found), `on screen at ≥ ${LEGIBLE_PX} px: ${JSON.stringify(found)}`);
      const posted = (await g.posted()).filter((m) => m.type === 'revealInTree');
      assert.deepEqual(posted.at(-1), { type: 'revealInTree', target: { kind: 'namespace', ns: { dev: NS_DEV, inode: target.inode } } });
      // Escape clears the search and gives the keyboard back to the graph (the found card).
      await g.page.keyboard.press('Escape');
      assert.equal(await field(g).inputValue(), '');
      assert.equal(await count(g), '');
      assert.equal(await g.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.key), key(target.inode));
      assert.deepEqual(g.problems, []);
    });
  });

  test('processes by PID at any level and by name: Enter, arrows and Shift+Enter step, each match on screen', async () => {
    const fixture = siblings(300);
    await showing({ theme: 'dark', snapshot: fixture.snapshot }, async (g) => {
      // A process of a grouped namespace, by its host PID: its card comes out with its row, on screen.
      const drawn = new Set((await labels(g)).map((l) => l.key));
      const ns = fixture.snapshot.namespaces.filter((n) => n.parent === HOST_NS && !drawn.has(key(n.inode)) && n.pids.length > 1)[40];
      const proc = fixture.snapshot.processes.find((p) => p.pid === ns.pids[1])!;
      await field(g).fill(String(proc.pid));
      await field(g).press('Enter');
      await g.page.waitForTimeout(350);
      const row = g.page.locator(`.card[data-key="${key(ns.inode)}"] .row[data-key="${proc.pid}@${proc.startTime}"]`);
      assert.equal(await row.count(), 1, 'its row is drawn');
      assert.ok(await row.evaluate((e) => e.classList.contains('selected')));
      assert.ok(await onScreen(g, row), 'the row is on screen');
      // postgres: every namespace with that init, in tree order; the count follows each step and wraps.
      const pg = fixture.snapshot.processes.filter((p) => p.comm === 'postgres').length;
      await field(g).fill('postgres');
      assert.equal(await count(g), `${pg} results`);
      await field(g).press('Enter');
      assert.equal(await count(g), `1 of ${pg}`);
      await field(g).press('ArrowDown');
      assert.equal(await count(g), `2 of ${pg}`);
      await field(g).press('Shift+Enter');
      await field(g).press('ArrowUp');
      assert.equal(await count(g), `${pg} of ${pg}`, 'wraps backwards');
      await g.page.waitForTimeout(350);
      assert.ok(await onScreen(g, g.page.locator('.row.selected')), 'the last match is on screen');
      // A live change: one more postgres process; the count follows (after its short delay), still on a match.
      const extra = fixture.builder.addProcess(ns.inode, 'postgres');
      await g.send({ type: 'diff', diff: { ...emptyDiff(), addedProcesses: [extra] } });
      await g.page.waitForTimeout(400);
      assert.match(await count(g), new RegExp(`^\\d+ of ${pg + 1}$`));
      await field(g).fill('no-such-process');
      assert.equal(await count(g), 'No results');
      assert.deepEqual(g.problems, []);
    });
  });
});

async function onScreen(g: GraphPage, loc: import('playwright-core').Locator): Promise<boolean> {
  const vp = (await g.page.locator('#viewport').boundingBox())!;
  const r = await loc.boundingBox();
  return r !== null && r.x >= vp.x && r.y >= vp.y && r.x + r.width <= vp.x + vp.width && r.y + r.height <= vp.y + vp.height;
}

describe('the minimap at 300 siblings', () => {
  test('off until its button; hidden while all is in view; with a group open it shows every card, and a click or a drag there moves the view', async () => {
    const fixture = siblings(300);
    await showing({ theme: 'dark', snapshot: fixture.snapshot }, async (g) => {
      const mini = g.page.locator('#minimap');
      const toggle = g.page.locator('#minimap-toggle');
      assert.equal(await toggle.getAttribute('aria-pressed'), 'false', 'off at first');
      await toggle.click();
      assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
      assert.ok(!(await mini.isVisible()), 'hidden while the whole drawing is on screen');
      const group = g.page.locator('.card.group', { hasText: 'init sh' });
      await group.focus();
      await g.page.keyboard.press('Enter');
      await g.page.waitForTimeout(350);
      assert.ok(await mini.isVisible(), 'shown once the drawing is bigger than the screen');
      const cards = await g.page.locator('.card:not(.exit)').count();
      assert.equal(await mini.locator('.mini-card').count(), cards, 'one rectangle per card');
      // The last card of the opened group is off screen; a click on its rectangle brings it into view.
      const lastKey = await g.page.evaluate(() => {
        const rects = [...document.querySelectorAll<SVGRectElement>('#minimap .mini-card')];
        return rects.sort((a, b) => Number(b.getAttribute('y')) - Number(a.getAttribute('y')))[0].dataset.key!;
      });
      const card = g.page.locator(`.card[data-key="${lastKey}"] .title`);
      assert.ok(!(await onScreen(g, card)), 'the lowest card starts off screen');
      const rect = (await mini.locator(`.mini-card[data-key="${lastKey}"]`).boundingBox())!;
      await g.page.mouse.click(rect.x + rect.width / 2, rect.y + rect.height / 2);
      await g.page.waitForTimeout(100);
      await g.page.screenshot({ path: join(SHOTS, 'scale-300-dark-minimap.png') });
      assert.ok(await onScreen(g, card), 'a click on its rectangle puts it on screen');
      // A drag: the frame (the part on screen) follows the pointer.
      const box = (await mini.boundingBox())!;
      const [ax, ay, bx, by] = [box.x + box.width * 0.3, box.y + box.height * 0.3, box.x + box.width * 0.6, box.y + box.height * 0.5];
      await g.page.mouse.move(ax, ay);
      await g.page.mouse.down();
      await g.page.mouse.move(bx, by, { steps: 5 });
      await g.page.mouse.up();
      const frame = (await mini.locator('.mini-frame').boundingBox())!;
      const [fx, fy] = [frame.x + frame.width / 2, frame.y + frame.height / 2];
      assert.ok(Math.abs(fx - bx) < 2 && Math.abs(fy - by) < 2, `frame centred at the drop point: ${fx},${fy} vs ${bx},${by}`);
      // The switch survives hide/show (setState), and turns it off again.
      await g.page.waitForTimeout(300);
      await g.page.reload();
      await g.page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
      await g.send(config);
      await g.send({ type: 'snapshot', snapshot: fixture.snapshot });
      assert.equal(await toggle.getAttribute('aria-pressed'), 'true', 'still on after hide/show');
      assert.ok(await mini.isVisible());
      await toggle.click();
      assert.ok(!(await mini.isVisible()), 'off');
      assert.deepEqual(g.problems, []);
    });
  });
});
