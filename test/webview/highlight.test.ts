// A guided experiment's highlight in the graph bundle (Chromium): the `highlight` message outlines the named
// cards and rows in the theme's warning colour, draws the re-parenting arrow from the orphan's row to its new
// parent's, shows the caption; it holds through diffs that redraw or lay out the cards, reaches a row that
// only arrives later, and goes on null; after untilMs the outlines go and the caption stays until the person
// closes it (which tells the host). Every test also fails on console or CSP errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GRAPH_CONFIG, WEBVIEW_PROTOCOL_VERSION, type Highlight } from '../../shared/webviewProtocol';
import { emptyDiff, NS_DEV, seedChain } from './support/fixtures';
import { openGraph, useGraphEnv, type GraphPage } from './support/harness';
import { THEMES } from './support/themes';
import { nsKey, processKey } from '../../shared/core/identity';
import type { ProcessInfo } from '../../shared/core/types';

const SHOTS = join(__dirname, '..', '..', '..', 'test-results', 'screenshots');
const key = (inode: number): string => nsKey({ dev: NS_DEV, inode });
const ref = (p: ProcessInfo) => ({ pid: p.pid, startTime: p.startTime });
const config = { type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: DEFAULT_GRAPH_CONFIG } as const;

const env = useGraphEnv();

async function done(g: GraphPage): Promise<void> {
  const problems = [...g.problems];
  await g.page.close();
  assert.deepEqual(problems, [], 'no console errors, page errors or CSP violations');
}

/** The keys of what is outlined now. */
async function lit(g: GraphPage): Promise<{ cards: string[]; rows: string[] }> {
  return g.page.evaluate(() => ({
    cards: [...document.querySelectorAll<HTMLElement>('.card.lit')].map((e) => e.dataset.key!).sort(),
    rows: [...document.querySelectorAll<HTMLElement>('.row.lit')].map((e) => e.dataset.key!).sort(),
  }));
}

/** The arrow's two ends and the two rows' right edges and middles, on screen. */
async function arrowEnds(g: GraphPage, fromKey: string, toKey: string) {
  return g.page.evaluate(
    ([from, to]) => {
      const svg = document.getElementById('lesson-arrow') as unknown as SVGSVGElement;
      const path = svg.querySelector(':scope > path') as SVGPathElement;
      if (svg.hasAttribute('hidden') || !path.getAttribute('d')) return null;
      const m = path.getScreenCTM()!;
      const screen = (p: DOMPoint) => p.matrixTransform(m);
      const start = screen(path.getPointAtLength(0));
      const end = screen(path.getPointAtLength(path.getTotalLength()));
      const edge = (k: string) => {
        const rowEl = document.querySelector(`.row[data-key="${k}"]`)!;
        const row = rowEl.getBoundingClientRect();
        const card = rowEl.closest('.card')!.getBoundingClientRect();
        return { x: card.right, y: row.top + row.height / 2 };
      };
      return { start: { x: start.x, y: start.y }, end: { x: end.x, y: end.y }, from: edge(from), to: edge(to) };
    },
    [fromKey, toKey],
  );
}

describe('lesson highlight in the graph webview', () => {
  test('outlines the named cards and rows, draws the arrow, shows the caption; survives diffs; clears on null', async () => {
    const g = await openGraph(env(), 'dark');
    try {
      const seed = seedChain(5, 20);
      const b = seed.builder;
      const init2 = b.processes.find((p) => p.ns === seed.levels[1])!;
      await g.send(config);
      await g.send({ type: 'snapshot', snapshot: seed.snapshot });
      // The orphan of the lesson: a process in level 2 whose parent is level 2's init.
      const orphan = b.addProcess(seed.levels[1], 'pidns-orphan', init2.pid);
      await g.send({ type: 'diff', diff: { ...emptyDiff(), addedProcesses: [orphan] } });
      await g.page.waitForTimeout(400); // cards glide for 250 ms after a change of height
      const h: Highlight = {
        caption: "Level 2's init adopts the orphan",
        namespaces: [3, 4].map((i) => ({ dev: NS_DEV, inode: seed.levels[i] })),
        processes: [ref(orphan), ref(init2)],
        arrow: { from: ref(orphan), to: ref(init2) },
      };
      await g.send({ type: 'highlight', highlight: h });
      const want = { cards: [key(seed.levels[3]), key(seed.levels[4])].sort(), rows: [processKey(orphan), processKey(init2)].sort() };
      assert.deepEqual(await lit(g), want);
      const caption = g.page.locator('#lesson-caption');
      assert.equal(await caption.isVisible(), true);
      assert.equal(await caption.innerText(), "Level 2's init adopts the orphan");
      assert.equal(await caption.getAttribute('role'), 'status', 'read out by screen readers');
      // In the theme's warning colour, solid, on the cards.
      const warn = await g.page.evaluate(() => {
        const probe = document.createElement('div');
        probe.style.color = 'var(--vscode-editorWarning-foreground)';
        document.body.append(probe);
        const c = getComputedStyle(probe).color;
        probe.remove();
        return c;
      });
      assert.equal(THEMES.dark.vars['--vscode-editorWarning-foreground'], '#cca700');
      assert.equal(warn, 'rgb(204, 167, 0)');
      const outline = await g.page
        .locator(`.card[data-key="${key(seed.levels[3])}"]`)
        .evaluate((e) => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineColor]);
      assert.deepEqual(outline, ['solid', warn]);
      // The arrow leaves the orphan's row at its card's right edge and ends at the init's row.
      const ends = await arrowEnds(g, processKey(orphan), processKey(init2));
      assert.ok(ends, 'the arrow is drawn');
      for (const [a, b2] of [
        [ends.start, ends.from],
        [ends.end, ends.to],
      ])
        assert.ok(Math.abs(a.x - b2.x) < 2 && Math.abs(a.y - b2.y) < 2, `arrow end ${JSON.stringify(a)} at row edge ${JSON.stringify(b2)}`);
      mkdirSync(SHOTS, { recursive: true });
      await g.page.screenshot({ path: join(SHOTS, 'lesson-highlight-dark.png') });

      // A diff that redraws the lit cards (new rows in levels 2 and 4), re-parents nothing, and adds a namespace
      // (the whole tree laid out again): everything keeps its outline and the arrow follows the rows.
      const more = [b.addProcess(seed.levels[1], 'sh', init2.pid), b.addProcess(seed.levels[3], 'bash')];
      const extra = b.addNs(null, seed.levels[4]);
      const extraInit = b.addProcess(extra.inode, 'nested-init');
      await g.send({ type: 'diff', diff: { ...emptyDiff(), addedNamespaces: [extra], addedProcesses: [...more, extraInit] } });
      await g.page.waitForTimeout(400);
      assert.deepEqual(await lit(g), want, 'outlines survive a redraw and a new layout');
      const moved = await arrowEnds(g, processKey(orphan), processKey(init2));
      assert.ok(moved);
      assert.ok(Math.abs(moved.end.y - moved.to.y) < 2 && Math.abs(moved.start.y - moved.from.y) < 2, 'the arrow follows the rows');

      // A full snapshot (helper restart) keeps it too.
      await g.send({ type: 'snapshot', snapshot: b.snapshot() });
      assert.deepEqual(await lit(g), want, 'outlines survive a snapshot');

      // A row named before it exists is outlined when a diff brings it.
      const late = { pid: 99999, startTime: 99999 };
      await g.send({ type: 'highlight', highlight: { caption: 'later', namespaces: [], processes: [late] } });
      assert.deepEqual(await lit(g), { cards: [], rows: [] }, 'the new highlight replaced the old one');
      assert.equal(await g.page.locator('#lesson-arrow').getAttribute('hidden'), '', 'no arrow without one named');
      const arrived = { ...b.addProcess(seed.levels[4], 'late'), ...late };
      arrived.nspid = [late.pid, ...arrived.nspid.slice(1)];
      await g.send({ type: 'diff', diff: { ...emptyDiff(), addedProcesses: [arrived] } });
      assert.deepEqual((await lit(g)).rows, [processKey(late)]);

      await g.send({ type: 'highlight', highlight: null });
      assert.deepEqual(await lit(g), { cards: [], rows: [] });
      assert.equal(await caption.isVisible(), false);
    } finally {
      await done(g);
    }
  });

  test('an arrow whose row is not drawn joins the cards: a collapsed card at its title, a closed group at its own', async () => {
    const g = await openGraph(env(), 'dark');
    try {
      const seed = seedChain(3, 5);
      const b = seed.builder;
      const init1 = b.processes.find((p) => p.ns === seed.levels[0])!;
      // Level 2 collapsed (more members than collapseAbove), its orphan's row not drawn.
      const init2 = b.processes.find((p) => p.ns === seed.levels[1])!;
      const orphan = b.addProcess(seed.levels[1], 'pidns-orphan', init2.pid);
      for (let i = 0; i < 5; i++) b.addProcess(seed.levels[1], `w${i}`, init2.pid);
      // Under level 1, 16 containers' namespaces with the same init: the 6 smallest go into one group card.
      const kids = Array.from({ length: 16 }, (_, i) => {
        const ns = b.addNs(null, seed.levels[0]);
        const init = b.addProcess(ns.inode, 'conmon', init1.pid);
        if (i < 10) b.addProcess(ns.inode, 'app', init.pid);
        return { ns, init };
      });
      await g.send({ ...config, config: { ...DEFAULT_GRAPH_CONFIG, collapseAbove: 4, animate: false } });
      await g.send({ type: 'snapshot', snapshot: b.snapshot() });
      const arrowTo = async (from: ProcessInfo, to: ProcessInfo) => {
        await g.send({
          type: 'highlight',
          highlight: { caption: 'adopted', namespaces: [], processes: [], arrow: { from: ref(from), to: ref(to) } },
        });
        return g.page.evaluate(
          ([toKey, fromNs]) => {
            const svg = document.getElementById('lesson-arrow') as unknown as SVGSVGElement;
            const path = svg.querySelector(':scope > path') as SVGPathElement;
            if (svg.hasAttribute('hidden') || !path.getAttribute('d')) return null;
            const m = path.getScreenCTM()!;
            const start = path.getPointAtLength(0).matrixTransform(m);
            const end = path.getPointAtLength(path.getTotalLength()).matrixTransform(m);
            const rowEl = document.querySelector(`.row[data-key="${toKey}"]`)!;
            const row = rowEl.getBoundingClientRect();
            // The card that stands for the orphan's namespace: its own, else the closed group holding it.
            const cardEl =
              document.querySelector(`.card[data-key="${fromNs}"]`) ??
              [...document.querySelectorAll<HTMLElement>('.card.group')].find((c) => c.dataset.key?.includes('=conmon'))!;
            const card = cardEl.getBoundingClientRect();
            const title = cardEl.querySelector('.title')!.getBoundingClientRect();
            return {
              start: { x: start.x, y: start.y },
              end: { x: end.x, y: end.y },
              card: { x: card.right, y: title.top + title.height / 2, group: cardEl.classList.contains('group') },
              to: { x: rowEl.closest('.card')!.getBoundingClientRect().right, y: row.top + row.height / 2 },
            };
          },
          [processKey(to), nsKey({ dev: NS_DEV, inode: from.ns })],
        );
      };
      const near = (a: { x: number; y: number }, b2: { x: number; y: number }, what: string): void =>
        assert.ok(Math.abs(a.x - b2.x) < 2 && Math.abs(a.y - b2.y) < 2, `${what}: ${JSON.stringify(a)} at ${JSON.stringify(b2)}`);

      assert.equal(await g.page.locator(`.row[data-key="${processKey(orphan)}"]`).count(), 0, "the orphan's row is not drawn");
      const collapsed = await arrowTo(orphan, init1);
      assert.ok(collapsed, 'the arrow is drawn from a collapsed card');
      assert.equal(collapsed.card.group, false);
      near(collapsed.start, collapsed.card, "the arrow leaves the collapsed card's right edge at its title");
      near(collapsed.end, collapsed.to, "it ends at the init's row");

      const grouped = kids[15].init;
      assert.equal(await g.page.locator(`.card[data-key="${key(kids[15].ns.inode)}"]`).count(), 0, 'the namespace is in a closed group');
      const fromGroup = await arrowTo(grouped, init1);
      assert.ok(fromGroup, 'the arrow is drawn from a closed group');
      assert.equal(fromGroup.card.group, true);
      near(fromGroup.start, fromGroup.card, "the arrow leaves the group card's right edge at its title");
      near(fromGroup.end, fromGroup.to, "it ends at the init's row");

      // A process the webview does not know: no arrow rather than a wrong one.
      await g.send({
        type: 'highlight',
        highlight: { caption: 'x', namespaces: [], processes: [], arrow: { from: { pid: 99999, startTime: 1 }, to: ref(init1) } },
      });
      assert.equal(await g.page.locator('#lesson-arrow').getAttribute('hidden'), '');
    } finally {
      await done(g);
    }
  });

  test('after untilMs the outlines go and the caption stays; closing it hides it and tells the host', async () => {
    const g = await openGraph(env(), 'light');
    try {
      const seed = seedChain(3, 5);
      await g.send(config);
      await g.send({ type: 'snapshot', snapshot: seed.snapshot });
      const ns = [{ dev: NS_DEV, inode: seed.levels[1] }];
      await g.send({ type: 'highlight', highlight: { caption: 'levels 2 and 3 die', namespaces: ns, processes: [], untilMs: 500 } });
      assert.deepEqual((await lit(g)).cards, [key(seed.levels[1])]);
      await g.page.waitForTimeout(200);
      assert.equal(await g.page.locator('#lesson-caption').isVisible(), true, 'still shown before its time');
      await g.page.waitForFunction(() => document.querySelectorAll('.lit').length === 0, undefined, { timeout: 2000 });
      const caption = g.page.locator('#lesson-caption');
      assert.equal(await caption.isVisible(), true, 'the caption outlives its outlines');
      assert.equal(await caption.innerText(), 'levels 2 and 3 die');
      const close = caption.getByRole('button', { name: 'Dismiss the caption' });
      await close.click();
      assert.equal(await caption.isVisible(), false, 'closed by the person');
      const sent = (await g.posted()).filter((m) => m.type === 'dismissHighlight');
      assert.equal(sent.length, 1, 'the host is told, so that no view shows it again');
    } finally {
      await done(g);
    }
  });
});
