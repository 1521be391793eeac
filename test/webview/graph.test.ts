// The graph webview bundle on its own in Debian's Chromium, fed snapshots and diffs through the same
// message API the extension host uses, served with the host's CSP. Every test also fails on console
// errors, page errors and CSP violations.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GRAPH_CONFIG, WEBVIEW_PROTOCOL_VERSION, type WebviewToHost } from '../../shared/webviewProtocol';
import { emptyDiff, generatedTree, HOST_NS, NS_DEV, seedChain } from './support/fixtures';
import { openGraph, useGraphEnv, type GraphPage } from './support/harness';
import type { ThemeName } from './support/themes';
import { nsKey } from '../../shared/core/identity';

const SHOTS = join(__dirname, '..', '..', '..', 'test-results', 'screenshots');
const key = (inode: number): string => nsKey({ dev: NS_DEV, inode });
const config = { type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: DEFAULT_GRAPH_CONFIG } as const;

const env = useGraphEnv();

async function seeded(theme: ThemeName = 'dark'): Promise<{ g: GraphPage; seed: ReturnType<typeof seedChain> }> {
  const g = await openGraph(env(), theme);
  const seed = seedChain(5, 120);
  await g.send(config);
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

describe('namespace graph webview', () => {
  test('seed chain: one card per namespace, host collapsed, the leaf reads host 5 4 3 2 1', async () => {
    const { g, seed } = await seeded();
    try {
      assert.deepEqual((await g.posted())[0], { type: 'ready', protocol: WEBVIEW_PROTOCOL_VERSION });
      assert.equal(await g.page.locator('.card:not(.exit)').count(), 6);
      assert.equal(await g.page.locator('path.edge').count(), 5);
      const host = card(g, HOST_NS);
      assert.ok(await host.evaluate((e) => e.classList.contains('collapsed')), 'host card collapsed');
      assert.equal(await host.locator('.row').count(), 0, "the host's processes are not drawn by default");
      assert.match(await host.locator('.meta').innerText(), /level 0 · init init · 121 processes/);
      for (const [i, ino] of seed.levels.entries()) {
        assert.equal(await card(g, ino).locator('.row').count(), 1);
        assert.match(await card(g, ino).locator('.title').innerText(), new RegExp(`pid:\\[${ino}\\]`));
        assert.match(
          await card(g, ino).locator('.meta').innerText(),
          new RegExp(`level ${i + 1} · init ${i === 4 ? 'sleep' : 'multi_pidns'}`),
        );
      }
      const leaf = card(g, seed.levels[4]).locator('.row');
      assert.deepEqual(await leaf.locator('.c').allInnerTexts(), [String(seed.leaf.pid), '5', '4', '3', '2', '1']);
      assert.equal(await leaf.locator('.comm').innerText(), 'sleep');
      assert.match(
        (await leaf.getAttribute('aria-label')) ?? '',
        /sleep, PID 1 in its own namespace, PIDs by level from the root: \d+ 5 4 3 2 1/,
      );
    } finally {
      await done(g);
    }
  });

  test('hover on the leaf shows its PID at every level and where each ancestor lists it', async () => {
    const { g, seed } = await seeded();
    try {
      await card(g, seed.levels[4]).locator('.row').hover();
      const tip = await g.page.locator('#tooltip').innerText();
      const lines = tip.split('\n').filter((l) => l.trim() !== '');
      assert.equal(lines.length, 7, tip);
      assert.match(lines[1], new RegExp(`L0\\s+pid:\\[${HOST_NS}\\]\\s+PID ${seed.leaf.pid}`));
      for (let level = 1; level <= 5; level++)
        assert.match(lines[level + 1], new RegExp(`L${level}\\s+pid:\\[${seed.levels[level - 1]}\\]\\s+PID ${6 - level}`));
      assert.equal(await g.page.locator('.card.seen-on').count(), 5, 'host and the four ancestors are marked');
      assert.equal(await card(g, HOST_NS).locator('.seen').innerText(), `/proc here lists sleep as PID ${seed.leaf.pid}`);
      for (let level = 1; level <= 4; level++)
        assert.equal(
          await card(g, seed.levels[level - 1])
            .locator('.seen')
            .innerText(),
          `/proc here lists sleep as PID ${6 - level}`,
        );
      assert.equal(
        await card(g, seed.levels[4]).evaluate((e) => e.classList.contains('seen-on')),
        false,
        'its own card is not an ancestor',
      );
      await g.page.mouse.move(2, 2);
      await g.page.locator('#toolbar').hover();
      assert.equal(await g.page.locator('.card.seen-on').count(), 0, 'marks go when the pointer leaves');
    } finally {
      await done(g);
    }
  });

  test("hover on a namespace shows what its /proc lists: its own and all descendants' processes", async () => {
    const { g, seed } = await seeded();
    try {
      await card(g, seed.levels[1]).locator('.title').hover();
      const visible = await g.page.locator('.card.visible-from').evaluateAll((es) => es.map((e) => (e as HTMLElement).dataset.key));
      assert.deepEqual(visible.sort(), seed.levels.slice(1).map(key).sort());
      assert.match(
        await g.page.locator('#tooltip').innerText(),
        /its \/proc lists 4 processes:\s+1 of its own \+ 3 in 3 descendant namespaces/,
      );
      assert.equal(await g.page.locator('#world').getAttribute('data-hl-level'), '2');
    } finally {
      await done(g);
    }
  });

  test('diffs update the cards and keep zoom, pan and selection', async () => {
    const { g, seed } = await seeded();
    try {
      const vp = g.page.locator('#viewport');
      const box = (await vp.boundingBox())!;
      await g.page.mouse.move(box.x + 200, box.y + 200);
      await g.page.mouse.wheel(0, -240);
      await g.page.mouse.down();
      await g.page.mouse.move(box.x + 260, box.y + 150, { steps: 4 });
      await g.page.mouse.up();
      await card(g, seed.levels[4]).locator('.row').click();
      const zoomed = await transformOf(g);
      assert.notEqual(zoomed, '');
      const scale = (t: string): string => /scale\(([^)]+)\)/.exec(t)?.[1] ?? '';
      const leafBox = async () =>
        card(g, seed.levels[4]).evaluate((e) => {
          const r = e.getBoundingClientRect();
          return `${Math.round(r.x)},${Math.round(r.y)}`;
        });
      const leafAt = await leafBox();
      const posted = await g.posted();
      assert.deepEqual(posted.at(-1), {
        type: 'revealInTree',
        target: { kind: 'process', proc: { pid: seed.leaf.pid, startTime: seed.leaf.startTime } },
      } satisfies WebviewToHost);

      // Processes only: two new ones in the leaf's namespace, one gone from level 2.
      const b = seed.builder;
      const added = [b.addProcess(seed.levels[4], 'bash'), b.addProcess(seed.levels[4], 'top')];
      const gone = b.processes.find((p) => p.ns === seed.levels[1])!;
      await g.send({
        type: 'diff',
        diff: { ...emptyDiff(), addedProcesses: added, removedProcesses: [{ pid: gone.pid, startTime: gone.startTime }] },
      });
      assert.equal(await card(g, seed.levels[4]).locator('.row:not(.exit)').count(), 3);
      assert.equal(await card(g, seed.levels[1]).locator('.row:not(.exit)').count(), 0);
      assert.deepEqual(await card(g, seed.levels[4]).locator('.row').nth(1).locator('.c').allInnerTexts(), [
        String(added[0].pid),
        '6',
        '5',
        '4',
        '3',
        '2',
      ]);
      // A new namespace below the leaf: the tree is laid out again, still without moving the camera.
      // With a sibling of level 1 the host's subtree widens and the tidy tree shifts the whole chain.
      const ns = b.addNs(null, seed.levels[4]);
      const init = b.addProcess(ns.inode, 'nested-init');
      const sibling = b.addNs(null, HOST_NS);
      const sibInit = b.addProcess(sibling.inode, 'container-init');
      const chainX = await g.page.evaluate(
        (k) => (document.querySelector(`.card[data-key="${k}"]`) as HTMLElement).style.transform,
        key(seed.levels[0]),
      );
      await g.send({ type: 'diff', diff: { ...emptyDiff(), addedNamespaces: [ns, sibling], addedProcesses: [init, sibInit] } });
      assert.equal(await g.page.locator('.card:not(.exit)').count(), 8);
      assert.notEqual(
        await g.page.evaluate(
          (k) => (document.querySelector(`.card[data-key="${k}"]`) as HTMLElement).style.transform,
          key(seed.levels[0]),
        ),
        chainX,
        'the layout moved the chain',
      );
      // Its text, not innerText: the new card glides in from the viewport's lower edge, and until it is on screen
      // `content-visibility: auto` skips its contents, which innerText then leaves out (seen in a loaded CI run).
      assert.deepEqual(await card(g, ns.inode).locator('.row .c').allTextContents(), [String(init.pid), '8', '7', '6', '5', '4', '1']);
      await g.page.waitForTimeout(400); // cards and view glide for 250 ms
      assert.equal(scale(await transformOf(g)), scale(zoomed), 'zoom kept');
      assert.equal(await leafBox(), leafAt, 'the selected card stays where it was on screen');
      assert.equal(await card(g, seed.levels[4]).locator('.row.selected .comm').innerText(), 'sleep', 'selection kept');
      await g.send({
        type: 'diff',
        diff: {
          ...emptyDiff(),
          removedNamespaces: [{ dev: ns.dev, inode: ns.inode }],
          removedProcesses: [{ pid: init.pid, startTime: init.startTime }],
        },
      });
      await g.page.waitForFunction((k) => !document.querySelector(`.card[data-key="${k}"]`), key(ns.inode));
      assert.equal(await g.page.locator('.card').count(), 7, 'a vanished namespace fades out and leaves');
    } finally {
      await done(g);
    }
  });

  test("a jump (a replay's seek) is drawn at once; a live change glides, before and after it", async () => {
    const { g, seed } = await seeded();
    try {
      const b = seed.builder;
      // New rows in level 1: its card grows and the cards below it move.
      const grow = (jump: boolean) =>
        g.sendUntilPainted({
          type: 'diff',
          diff: { ...emptyDiff(), addedProcesses: [b.addProcess(seed.levels[0], 'sh'), b.addProcess(seed.levels[0], 'sh')] },
          ...(jump ? { jump: true as const } : {}),
        });
      const running = () => g.page.evaluate(() => document.getAnimations().filter((a) => a.playState === 'running').length);
      const leafAt = () => card(g, seed.levels[4]).evaluate((e) => (e as HTMLElement).style.transform);
      await grow(false);
      assert.ok((await running()) > 0, 'a live change: the cards glide and the rows fade in');
      await g.page.waitForTimeout(400);
      await grow(true);
      assert.equal(await running(), 0, 'a jump: nothing glides or fades');
      const placed = await leafAt();
      await g.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.equal(await g.page.locator('#world.no-anim').count(), 0, 'glides are back two frames on');
      await grow(false);
      assert.ok((await running()) > 0, 'the next live change glides again');
      assert.notEqual(await leafAt(), placed, 'and the cards below moved');
    } finally {
      await done(g);
    }
  });

  test('zoom, expanded cards, search and selection survive hide/show', async () => {
    const { g, seed } = await seeded();
    try {
      await card(g, HOST_NS).locator('.filter input').fill('worker11');
      assert.equal(await card(g, HOST_NS).locator('.row').count(), 11, 'worker11, worker110 … worker119');
      await card(g, seed.levels[2]).locator('.title').click();
      const vp = (await g.page.locator('#viewport').boundingBox())!;
      await g.page.mouse.move(vp.x + 300, vp.y + 300);
      await g.page.mouse.wheel(0, 360);
      const zoomed = await transformOf(g);
      await g.page.waitForTimeout(300); // setState is debounced
      // VS Code throws the DOM away when the panel is hidden; a reload is the same for the page.
      await g.page.reload();
      await g.page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
      await g.send(config);
      await g.send({ type: 'snapshot', snapshot: seed.snapshot });
      assert.equal(await transformOf(g), zoomed);
      assert.equal(await card(g, HOST_NS).locator('.row').count(), 11);
      assert.ok(await card(g, seed.levels[2]).evaluate((e) => e.classList.contains('selected')));
      assert.match(await g.page.locator('#details').innerText(), new RegExp(`Namespace pid:\\[${seed.levels[2]}\\], level 3`));
    } finally {
      await done(g);
    }
  });

  test('keyboard: arrows move between namespaces, Enter reveals, R enters rows; ARIA labels on cards', async () => {
    const { g, seed } = await seeded();
    try {
      await card(g, HOST_NS).focus();
      for (let i = 0; i < 3; i++) await g.page.keyboard.press('ArrowDown');
      assert.equal(await g.page.evaluate(() => (document.activeElement as HTMLElement).dataset.key), key(seed.levels[2]));
      assert.equal(await card(g, seed.levels[2]).getAttribute('tabindex'), '0', 'roving tabindex follows focus');
      await g.page.keyboard.press('ArrowUp');
      await g.page.keyboard.press('Enter');
      assert.deepEqual((await g.posted()).at(-1), {
        type: 'revealInTree',
        target: { kind: 'namespace', ns: { dev: NS_DEV, inode: seed.levels[1] } },
      });
      await g.page.keyboard.press('r');
      await g.page.keyboard.press('Enter');
      const last = (await g.posted()).at(-1);
      assert.equal(
        last?.type === 'revealInTree' && last.target.kind === 'process' && last.target.proc.pid,
        seed.builder.processes.find((p) => p.ns === seed.levels[1])!.pid,
      );
      assert.match(
        (await card(g, seed.levels[4]).getAttribute('aria-label')) ?? '',
        /^PID namespace pid:\[\d+\], level 5 · init sleep · 1 process$/,
      );
      await g.page.locator('#details vscode-button', { hasText: 'Send signal' }).click();
      assert.equal((await g.posted()).at(-1)?.type, 'sendSignal');
    } finally {
      await done(g);
    }
  });

  test('a big tree: every namespace a card or counted in a group, groups open in place, rows drawn only where readable', async () => {
    const tree = generatedTree(200, 2500, 5);
    // Restored far out, as a panel whose user had zoomed out: nothing is readable, so no rows are built.
    const g = await openGraph(env(), 'dark', undefined, {
      v: 1,
      transform: { x: 700, y: 20, k: 0.1 },
      expanded: [],
      filters: [],
      selected: null,
    });
    try {
      await g.send(config);
      await g.send({ type: 'snapshot', snapshot: tree.snapshot });
      const nsCards = g.page.locator('.card:not(.group):not(.exit)');
      const groups = g.page.locator('.card.group');
      // A closed group hides its members and the namespaces nested below them (its meta line counts those).
      const counts = (
        await groups.evaluateAll((es) =>
          es.map((e) => Number((e as HTMLElement).dataset.count) + Number((e as HTMLElement).dataset.nested)),
        )
      ).reduce((a, b) => a + b, 0);
      assert.ok((await groups.count()) > 0, "the host's ~100 children with the same init are grouped");
      assert.equal((await nsCards.count()) + counts, 200, 'each namespace is a card or counted in one group');
      assert.ok(await g.page.locator('#world').evaluate((e) => e.classList.contains('lod-far')));
      assert.equal(await g.page.locator('.row').count(), 0, 'no rows built while unreadable');
      // Opening a group can reveal a member with many children of its own, grouped in turn.
      for (let i = 0; i < 20 && (await g.page.locator('.card.group:not(.open)').count()) > 0; i++)
        await g.page.locator('.card.group:not(.open)').first().click();
      assert.equal(await nsCards.count(), 200, 'every group open: one card per namespace');
      assert.equal(await g.page.locator('path.edge').count(), 199 + (await groups.count()));
      const host = card(g, HOST_NS);
      assert.match((await host.locator('.meta').textContent()) ?? '', /1000 processes/);
      assert.ok(await host.evaluate((e) => e.classList.contains('collapsed')));
      // Revealing a namespace zooms in on it; its rows are drawn then.
      const ns = tree.snapshot.namespaces.find((n) => n.level === 2 && n.pids.length > 3)!;
      await g.send({ type: 'reveal', target: { kind: 'namespace', ns: { dev: ns.dev, inode: ns.inode } } });
      assert.equal(await card(g, ns.inode).locator('.row').count(), ns.pids.length);
      const expandedMembers = tree.snapshot.namespaces
        .filter((n) => n.pids.length <= DEFAULT_GRAPH_CONFIG.collapseAbove)
        .reduce((sum, n) => sum + n.pids.length, 0);
      assert.ok((await g.page.locator('.row').count()) < expandedMembers / 2, 'rows only for the cards near the screen');
      assert.ok(await card(g, ns.inode).evaluate((e) => e.classList.contains('selected')));
      assert.equal(
        await g.page.locator('.card.collapsed:not(.group)').count(),
        tree.snapshot.namespaces.filter((n) => n.pids.length > DEFAULT_GRAPH_CONFIG.collapseAbove).length,
      );
      // A process in the collapsed host card: revealing it searches for it there.
      const hostProc = tree.snapshot.processes.find((p) => p.ns === HOST_NS && p.comm === 'nginx')!;
      await g.send({ type: 'reveal', target: { kind: 'process', proc: { pid: hostProc.pid, startTime: hostProc.startTime } } });
      assert.equal(await host.locator('.row.selected .c').first().textContent(), String(hostProc.pid));
    } finally {
      await done(g);
    }
  });

  test('the CSP check itself catches a violation', async () => {
    const g = await openGraph(env());
    try {
      await g.page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 1';
        document.body.append(s);
      });
      await g.page.waitForTimeout(100);
      assert.ok(
        g.problems.some((p) => p.startsWith('CSP: script-src')),
        g.problems.join('\n'),
      );
    } finally {
      await g.page.close();
    }
  });

  test('screenshots in light, dark and high-contrast themes', async () => {
    mkdirSync(SHOTS, { recursive: true });
    for (const theme of ['light', 'dark', 'hc'] as const) {
      const { g, seed } = await seeded(theme);
      try {
        await g.page.waitForTimeout(400);
        await g.page.screenshot({ path: join(SHOTS, `graph-${theme}.png`) });
        await card(g, seed.levels[4]).locator('.row').hover();
        await g.page.screenshot({ path: join(SHOTS, `graph-${theme}-hover-leaf.png`) });
        await card(g, seed.levels[1]).locator('.title').hover();
        await g.page.screenshot({ path: join(SHOTS, `graph-${theme}-hover-ns.png`) });
        const bg = await g.page.evaluate(() => getComputedStyle(document.querySelector('.card')!).backgroundColor);
        assert.notEqual(bg, 'rgba(0, 0, 0, 0)', "cards take the theme's widget background");
      } finally {
        await done(g);
      }
    }
  });
});
