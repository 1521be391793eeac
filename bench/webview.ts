// Bench suite "webview": the graph bundle in Debian's Chromium on generated snapshots, against the
// issue's budgets. Each figure is the median of a few runs, timed inside the page from the message
// event to the next painted frame (so it includes D3, style, layout and paint, not the transfer).

import { DEFAULT_GRAPH_CONFIG, WEBVIEW_PROTOCOL_VERSION } from '../shared/webviewProtocol';
import { generatedTree, processDiff } from '../test/webview/fixtures';
import { openGraph, startEnv, type GraphEnv } from '../test/webview/harness';
import type { BenchContext, Row, Suite } from './types';

const config = { type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: DEFAULT_GRAPH_CONFIG } as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function row(log: (m: string) => void, name: string, samples: number[], budget: number, detail = ''): Row {
  const value = Math.round(median(samples) * 10) / 10;
  log(`bench webview: ${name}: median ${value} ms, max ${Math.round(Math.max(...samples) * 10) / 10} ms over ${samples.length} runs ${detail}`);
  return { name, value, unit: 'ms', budget };
}

/** At 100 % zoom, as a restored panel would be: rows are drawn, cards off screen skip layout and paint. */
const FULL_SCALE = { v: 1, transform: { x: 0, y: 0, k: 1 }, expanded: [], filters: [], selected: null };

async function firstRender(env: GraphEnv, namespaces: number, processes: number, runs: number, state?: unknown): Promise<{ samples: number[]; cards: number; rows: number }> {
  const tree = generatedTree(namespaces, processes, 11);
  const samples: number[] = [];
  let cards = 0;
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const g = await openGraph(env, 'dark', undefined, state);
    try {
      await g.send(config);
      samples.push(await g.sendUntilPainted({ type: 'snapshot', snapshot: tree.snapshot }));
      cards = await g.page.locator('.card').count();
      rows = await g.page.locator('.row').count();
      if (g.problems.length > 0) throw new Error(g.problems.join('\n'));
    } finally {
      await g.page.close();
    }
  }
  return { samples, cards, rows };
}

async function diffs(env: GraphEnv, runs: number): Promise<number[]> {
  const tree = generatedTree(200, 2500, 11);
  const g = await openGraph(env, 'dark');
  try {
    await g.send(config);
    await g.send({ type: 'snapshot', snapshot: tree.snapshot });
    const samples: number[] = [];
    // The work the frame has to fit: handling, style and layout (painting the few changed rows is
    // not measurable apart from waiting for the next vsync).
    for (let i = 0; i < runs; i++) {
      samples.push(await g.send({ type: 'diff', diff: processDiff(tree, 10, 100 + i) }));
      await g.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
    }
    if (g.problems.length > 0) throw new Error(g.problems.join('\n'));
    return samples;
  } finally {
    await g.page.close();
  }
}

export async function runWebviewBench(ctx: Pick<BenchContext, 'log'>): Promise<Row[]> {
  const env = await startEnv();
  try {
    const small = await firstRender(env, 200, 2500, 5);
    const smallFull = await firstRender(env, 200, 2500, 5, FULL_SCALE);
    const big = await firstRender(env, 1000, 10000, 3);
    const diff = await diffs(env, 30);
    const detail = (r: typeof small): string => `(${r.cards} cards, ${r.rows} rows built)`;
    const log = ctx.log;
    return [
      row(log, 'first render 200 ns/2.5k procs, fit', small.samples, 200, detail(small)),
      row(log, 'first render 200 ns/2.5k procs, 100%', smallFull.samples, 200, detail(smallFull)),
      row(log, 'first render 1k ns/10k procs, fit', big.samples, 1000, detail(big)),
      row(log, '10-process diff, no ns change', diff, 16),
    ];
  } finally {
    await env.close();
  }
}

/** The suite as bench/main.ts lists it. */
export const webviewSuite: Suite = { name: 'webview', run: (ctx) => runWebviewBench(ctx) };

// `node out/bench/webview.js`: this suite alone, without building the whole bench. (Not
// `require.main === module`: bundled into dist/bench.js that would be true for the whole runner.)
if (/[\\/]bench[\\/]webview\.js$/.test(process.argv[1] ?? '')) {
  void runWebviewBench({ log: (m) => console.error(m) }).then(
    (rows) => {
      for (const r of rows) console.log(`${r.value <= r.budget! ? 'ok  ' : 'OVER'} ${r.name}: ${r.value} ${r.unit} (budget ${r.budget} ${r.unit})`);
      process.exitCode = rows.every((r) => r.value <= r.budget!) ? 0 : 1;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
