// The trace editor's webview: the real bundle in Chromium, replaying the committed v1 trace
// (test/fixtures/trace-v1.jsonl: the multi_pidns 5 fixture whose chain exits at 1 s and comes back at 2 s, a
// state change at 3 s, the end at 3.5 s). The host is the real TracePlayer (extension/trace/tracePlayer.ts)
// fed every message the page posts, as the trace editor does; only VS Code's postMessage bridge is faked.
// The timeline's controls and event list must move the graph to the moment they name: after each one,
// the namespaces drawn are those of stateAt at the position the timeline shows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrace, stateAt, type Trace } from '../../shared/core/trace';
import { traceEvents } from '../../shared/core/traceEvents';
import { DEFAULT_GRAPH_CONFIG, WEBVIEW_PROTOCOL_VERSION, type HostToWebview } from '../../shared/webviewProtocol';
import { TracePlayer } from '../../extension/trace/tracePlayer';
import { openGraph, useGraphEnv, type GraphPage } from './support/harness';

const FIXTURE = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'trace-v1.jsonl');
const SHOTS = join(__dirname, '..', '..', '..', 'test-results', 'screenshots');

const env = useGraphEnv();

interface Replay {
  g: GraphPage;
  trace: Trace;
  player: TracePlayer;
  /** Every message the player posted, in order. */
  sent: HostToWebview[];
  /** Forwards what the page posted to the player and waits until the page has handled every answer. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

async function openReplay(): Promise<Replay> {
  const trace = parseTrace(readFileSync(FIXTURE, 'utf8'));
  const g = await openGraph(env(), 'dark');
  const sending: Promise<unknown>[] = [];
  const sent: HostToWebview[] = [];
  const post = (m: HostToWebview): void => {
    sent.push(m);
    sending.push(g.send(m));
  };
  const player = new TracePlayer(trace, post);
  let seen = 0;
  const settle = async (): Promise<void> => {
    for (;;) {
      const posted = await g.posted();
      const fresh = posted.slice(seen);
      seen = posted.length;
      for (const m of fresh) {
        if (m.type === 'ready') {
          post({ type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: DEFAULT_GRAPH_CONFIG });
          player.ready();
        } else if (m.type === 'replayControl') player.control(m);
      }
      const pending = sending.splice(0);
      await Promise.all(pending);
      if (fresh.length === 0 && pending.length === 0) return;
    }
  };
  // While playing, the player posts on its own timer: keep forwarding.
  const pump = setInterval(() => void settle().catch(() => undefined), 30);
  await settle();
  return {
    g,
    trace,
    player,
    sent,
    settle,
    close: async () => {
      clearInterval(pump);
      player.dispose();
      const problems = [...g.problems];
      await g.page.close();
      assert.deepEqual(problems, [], 'no console errors, page errors or CSP violations');
    },
  };
}

/** Namespaces the graph draws: a card each, or counted (with those nested below) in a group card. */
async function namespacesDrawn(g: GraphPage): Promise<number> {
  const cards = await g.page.locator('.card:not(.group):not(.exit)').count();
  const grouped = await g.page
    .locator('.card.group:not(.exit)')
    .evaluateAll((es) => es.reduce((n, e) => n + Number((e as HTMLElement).dataset.count) + Number((e as HTMLElement).dataset.nested), 0));
  return cards + grouped;
}

async function position(g: GraphPage): Promise<number> {
  return Number(await g.page.locator('#replay').getAttribute('data-t'));
}

/** The timeline says t, and the graph shows the state at t. */
async function assertAt(r: Replay, t: number): Promise<void> {
  await r.settle();
  assert.equal(await position(r.g), t, 'the timeline position');
  assert.equal(r.player.t, t, "the host's position");
  assert.equal(await namespacesDrawn(r.g), stateAt(r.trace, t).namespaces.length, `the namespaces of the state at ${t} ms`);
}

describe('trace replay webview', () => {
  test('the timeline and event list of the v1 fixture, and each control moves the graph to its moment', async () => {
    const r = await openReplay();
    try {
      const { g, trace } = r;
      // Sanity of the fixture itself: the chain goes at 1 s, so the moments differ in namespaces.
      assert.notEqual(stateAt(trace, 1000).namespaces.length, stateAt(trace, 0).namespaces.length);
      await assertAt(r, 0);
      assert.equal(await g.page.locator('#replay-time').innerText(), '0.0 s / 3.5 s · 17:00:00.000 UTC');
      assert.equal(await g.page.locator('#replay-slider').getAttribute('max'), '3500');

      // The event list: every event of the trace, in order, with its time and kind.
      const expected = traceEvents(trace).events;
      assert.ok(expected.some((e) => e.kind === 'nsGone' && e.t === 1000));
      assert.ok(expected.some((e) => e.kind === 'nsCreated' && e.t === 2000));
      assert.ok(expected.some((e) => e.kind === 'exited' && e.t === 1000));
      assert.ok(expected.some((e) => e.kind === 'started' && e.t === 2000));
      const rows = g.page.locator('#replay-events button');
      assert.equal(await rows.count(), expected.length);
      assert.deepEqual(
        await rows.locator('.x').allTextContents(),
        expected.map((e) => e.text),
      );
      assert.equal(await g.page.locator('#replay-events button[aria-current]').count(), 0, 'no event has happened at 0 s');

      // Next change: 1 s, the chain is gone; its events are the current ones.
      await g.page.click('#replay-next');
      await assertAt(r, 1000);
      const lastDiff = () => r.sent.filter((m) => m.type === 'diff').at(-1);
      assert.equal(lastDiff()?.jump, undefined, 'a recorded change is not a jump: the graph glides');
      const current = await g.page.locator('#replay-events button[aria-current="true"] .t').allTextContents();
      assert.ok(current.length > 0 && current.every((t) => t === '1.0 s'), `current events at 1.0 s, got ${current.join(', ')}`);
      mkdirSync(SHOTS, { recursive: true });
      await g.page.screenshot({ path: join(SHOTS, 'replay-dark.png') });

      // An event in the list: a namespace created at 2 s.
      await g.page.locator('#replay-events button.ev-nsCreated').first().click();
      await assertAt(r, 2000);

      // Previous change goes back to 1 s (a backward seek: from the keyframe, as a difference).
      await g.page.click('#replay-prev');
      await assertAt(r, 1000);
      assert.equal(lastDiff()?.jump, true, 'a difference is a jump: drawn at once');
      await g.page.click('#replay-prev');
      await assertAt(r, 0);

      // Next, next, next, next: 1 s, 2 s, 3 s, then the end.
      for (const t of [1000, 2000, 3000, 3500]) {
        await g.page.click('#replay-next');
        await assertAt(r, t);
      }

      // The slider seeks anywhere: 1.5 s is still the state of 1 s.
      await g.page.locator('#replay-slider').fill('1500');
      // The slider seeks once per frame: wait for that frame's request.
      await g.page.waitForFunction(() =>
        (window as unknown as { __posted: { type: string; action?: string; t?: number }[] }).__posted.some(
          (m) => m.type === 'replayControl' && m.action === 'seek' && m.t === 1500,
        ),
      );
      await assertAt(r, 1500);
      assert.equal(await namespacesDrawn(g), stateAt(trace, 1000).namespaces.length);
    } finally {
      await r.close();
    }
  });

  test('play at 10× runs from the start to the end and stops there; pause stops it', async () => {
    const r = await openReplay();
    try {
      const { g } = r;
      await g.page.selectOption('#replay-speed', '10');
      await r.settle();
      assert.equal(await g.page.locator('#replay-speed').inputValue(), '10');
      await g.page.click('#replay-play');
      await g.page.waitForFunction(() => document.getElementById('replay')?.dataset.playing === 'true', undefined, { timeout: 2000 });
      assert.equal(await g.page.locator('#replay-play').getAttribute('aria-label'), 'Pause');
      // 3.5 s of trace at 10×: about 350 ms.
      await g.page.waitForFunction(() => document.getElementById('replay')?.dataset.playing === 'false', undefined, { timeout: 5000 });
      await assertAt(r, 3500);
      assert.equal(await g.page.locator('#replay-play').getAttribute('aria-label'), 'Play');

      // Play again from the end starts over; pause at once holds the position.
      await g.page.selectOption('#replay-speed', '0.5');
      await g.page.click('#replay-play');
      await r.settle();
      assert.equal(r.player.isPlaying, true);
      await g.page.click('#replay-play');
      await r.settle();
      assert.equal(r.player.isPlaying, false);
      const t = await position(g);
      assert.ok(t < 1000, `paused near the start, at ${t} ms`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await assertAt(r, t);
    } finally {
      await r.close();
    }
  });
});
