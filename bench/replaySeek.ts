// What a seek costs in the trace editor, on the budget's trace: one hour at 10,000 processes with 1% churn
// a second (100 exits and 100 new processes every second, in 1,000 namespaces), generated with the
// webview tests' builder and written by the real TraceEncoder (keyframe every 60 s or 300 diffs), read by
// the real parser. The host side is the real TracePlayer (stateAt from the nearest keyframe, then the
// difference to what the webview shows); the webview is the real bundle in Debian's Chromium. A row is
// one seek to a random moment: host ms (stateAt + diff, cut to what the webview draws by the editor's
// DrawnRelay), webview ms (handling the diff until the next
// frame is painted), and both; then 20 steps to the next change.
// Standalone after `npm run build`: node out/bench/replaySeek.js [MINUTES] [SEEKS] [--host] [--rows] [--profile FILE] [--trace FILE] (default 60, 40);
// --rows: one line per seek (moment, whether it left the last seek's keyframe span, process changes sent, host ms,
// the diff until painted, the position message), to see which seeks are the slow ones;
// --host: the host side alone, no browser (wall and process CPU per seek; CPU counts V8's helper threads too);
// --profile: the page's CPU profile over the seeks; --trace: its timeline (style, layout, paint), Chrome's trace events.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseTrace, TraceEncoder } from '../shared/core/trace';
import type { NamespaceInfo, ProcessInfo, SnapshotDiff } from '../shared/core/types';
import { DEFAULT_GRAPH_CONFIG, WEBVIEW_PROTOCOL_VERSION, type HostToWebview } from '../shared/webviewProtocol';
import { TracePlayer } from '../extension/trace/tracePlayer';
import { countAtOrBefore } from '../shared/core/timeOrder';
import { DrawnRelay } from '../extension/graph/drawnFeed';
import { rng } from '../test/support/random';
import { generatedTree, HOST_NS } from '../test/webview/support/fixtures';
import { openGraph, startEnv } from '../test/webview/support/harness';

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const fmt = (xs: number[]): string =>
  `median ${quantile(xs, 0.5).toFixed(1)}, p95 ${quantile(xs, 0.95).toFixed(1)}, max ${Math.max(...xs).toFixed(1)} ms`;

/** The trace text: the generated tree, then `seconds` diffs of 1% churn each. */
function generate(seconds: number): string {
  const rand = rng(5);
  const tree = generatedTree(1000, 10_000, 11);
  const b = tree.builder;
  const T0 = Date.parse('2026-12-02T17:00:00.000Z');
  const encoder = new TraceEncoder({ hostname: 'bench', kernel: 'bench', uid: 0, intervalMs: 1000 });
  const first = b.snapshot();
  let text = encoder.start({ ...first, takenAt: T0 });
  const byInode = new Map<number, NamespaceInfo>(b.namespaces.map((n) => [n.inode, n]));
  const inner = b.namespaces.filter((n) => n.inode !== HOST_NS);
  const churn = Math.round(b.processes.length * 0.01);
  for (let s = 1; s <= seconds; s++) {
    const touched = new Set<number>();
    const removed: ProcessInfo[] = [];
    for (let i = 0; i < churn; i++) {
      // A random process that is not an init (an init's exit would take its namespace along).
      for (let tries = 0; tries < 20; tries++) {
        const j = Math.floor(rand() * b.processes.length);
        const p = b.processes[j];
        if (byInode.get(p.ns)!.init === p.pid) continue;
        b.processes.splice(j, 1);
        const ns = byInode.get(p.ns)!;
        ns.pids.splice(ns.pids.indexOf(p.pid), 1);
        touched.add(p.ns);
        removed.push(p);
        break;
      }
    }
    const added: ProcessInfo[] = [];
    for (let i = 0; i < churn; i++) {
      const ns = rand() < 0.4 ? HOST_NS : inner[Math.floor(rand() * inner.length)].inode;
      added.push(b.addProcess(ns, 'worker'));
      touched.add(ns);
    }
    const diff: SnapshotDiff = {
      addedProcesses: added.map((p) => ({ ...p, nspid: [...p.nspid] })),
      removedProcesses: removed.map((p) => ({ pid: p.pid, startTime: p.startTime })),
      changedProcesses: [],
      addedNamespaces: [],
      removedNamespaces: [],
      changedNamespaces: [...touched].map((ino) => ({ ...byInode.get(ino)!, pids: [...byInode.get(ino)!.pids] })),
      unreadable: 0,
      takenAt: T0 + s * 1000,
    };
    text += encoder.diff(diff);
  }
  return text + encoder.end('bench', T0 + seconds * 1000 + 500);
}

/** The host side alone: the same seeded moments, then 20 steps to the next change. */
function hostOnly(trace: ReturnType<typeof parseTrace>, seeks: number): void {
  const out: HostToWebview[] = [];
  const relay = new DrawnRelay((m) => out.push(m));
  const player = new TracePlayer(trace, (m, s) => relay.send(m, s));
  player.ready();
  const rand = rng(9);
  const wall: number[] = [];
  const cpu: number[] = [];
  const time = (f: () => void): void => {
    const c0 = process.cpuUsage();
    const h0 = performance.now();
    f();
    wall.push(performance.now() - h0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    out.length = 0;
  };
  for (let i = 0; i < seeks; i++) {
    const t = Math.floor(rand() * trace.endT);
    time(() => player.control({ type: 'replayControl', action: 'seek', t }));
  }
  console.log(`seek, ${seeks} random moments, host alone (load average ${loadavg()[0].toFixed(1)}):`);
  console.log(`  wall: ${fmt(wall)}`);
  console.log(`  CPU:  ${fmt(cpu)}`);
  wall.length = 0;
  cpu.length = 0;
  for (let i = 0; i < 20; i++) time(() => player.control({ type: 'replayControl', action: 'next' }));
  console.log(`  next change, wall: ${fmt(wall)}`);
}

async function main(): Promise<void> {
  const args = process.argv
    .slice(2)
    .filter(
      (a, i, all) =>
        a !== '--host' && a !== '--rows' && a !== '--profile' && all[i - 1] !== '--profile' && a !== '--trace' && all[i - 1] !== '--trace',
    );
  const minutes = Number(args[0] ?? 60);
  const seeks = Number(args[1] ?? 40);
  const g0 = performance.now();
  const text = generate(minutes * 60);
  console.log(
    `trace: ${minutes} min, ${(text.length / 1e6).toFixed(0)} MB of JSON Lines, generated in ${((performance.now() - g0) / 1000).toFixed(1)} s`,
  );
  const p0 = performance.now();
  const trace = parseTrace(text);
  console.log(
    `open: parse and validate ${((performance.now() - p0) / 1000).toFixed(1)} s, ${trace.keyframes.length} keyframes, ${trace.entries.length - trace.keyframes.length} diffs`,
  );
  if (process.argv.includes('--host')) return hostOnly(trace, seeks);
  const env = await startEnv();
  try {
    const g = await openGraph(env, 'dark');
    const out: HostToWebview[] = [];
    const relay = new DrawnRelay((m) => out.push(m));
    const player = new TracePlayer(trace, (m, s) => relay.send(m, s));
    let answered = 0;
    // The webview's `draw` and `find`, answered as the trace editor does.
    const answer = async (): Promise<void> => {
      for (const m of (await g.posted()).slice(answered)) {
        answered++;
        relay.answer(m);
      }
      for (const m of out.splice(0)) await g.sendUntilPainted(m);
    };
    const r0 = performance.now();
    await g.send({ type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: DEFAULT_GRAPH_CONFIG });
    player.ready();
    for (const m of out.splice(0)) await g.sendUntilPainted(m);
    await answer();
    console.log(`ready: timeline and first state drawn in ${(performance.now() - r0).toFixed(0)} ms`);
    // --profile FILE: a CPU profile of the page over the seeks (Chrome DevTools' .cpuprofile).
    const profileAt = process.argv.indexOf('--profile');
    const cdp = profileAt > 0 ? await g.page.context().newCDPSession(g.page) : undefined;
    const traceAt = process.argv.indexOf('--trace');
    const tcdp = traceAt > 0 ? await g.page.context().newCDPSession(g.page) : undefined;
    const events: unknown[] = [];
    if (tcdp) {
      tcdp.on('Tracing.dataCollected', (e: { value: unknown[] }) => events.push(...e.value));
      await tcdp.send('Tracing.start', { categories: 'devtools.timeline,blink', transferMode: 'ReportEvents' } as never);
    }
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    const rand = rng(9);
    const host: number[] = [];
    const page: number[] = [];
    const total: number[] = [];
    const wall: number[] = [];
    const sizes: number[] = [];
    const rows = process.argv.includes('--rows');
    let span = -1;
    if (rows) console.log('  seek to      span  sent   host  diff→paint  position  (ms)');
    for (let i = 0; i < seeks; i++) {
      const t = Math.floor(rand() * trace.endT);
      const h0 = performance.now();
      player.control({ type: 'replayControl', action: 'seek', t });
      const h = performance.now() - h0;
      const msgs = out.splice(0);
      const w0 = performance.now();
      let inPage = 0;
      let painted = 0;
      let sent = 0;
      for (const m of msgs) {
        if (m.type === 'diff') {
          sent = m.diff.addedProcesses.length + m.diff.removedProcesses.length + m.diff.changedProcesses.length;
          sizes.push(sent);
          painted = await g.sendUntilPainted(m);
          inPage += painted;
        } else inPage += await g.send(m);
      }
      if (rows) {
        const k = countAtOrBefore(trace.keyframes, t) - 1;
        const row = [`${(t / 1000).toFixed(1)} s`.padStart(10), k === span ? '  same' : '   new', String(sent).padStart(5)];
        row.push(...[h, painted, inPage - painted].map((x, j) => x.toFixed(1).padStart([6, 11, 9][j])));
        console.log(`  ${row.join(' ')}`);
        span = k;
      }
      await answer();
      host.push(h);
      page.push(inPage);
      total.push(h + inPage);
      wall.push(h + (performance.now() - w0));
    }
    if (tcdp) {
      const done = new Promise((r) => tcdp.once('Tracing.tracingComplete', r));
      await tcdp.send('Tracing.end');
      await done;
      writeFileSync(process.argv[traceAt + 1], JSON.stringify(events));
    }
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(process.argv[profileAt + 1], JSON.stringify(profile));
    }
    console.log(`seek, ${seeks} random moments (a diff of median ${quantile(sizes, 0.5)} process changes):`);
    console.log(`  host (stateAt + difference):      ${fmt(host)}`);
    console.log(`  webview (diff until painted):      ${fmt(page)}`);
    console.log(`  host + webview:                    ${fmt(total)}   (budget 100 ms)`);
    console.log(`  wall, with Playwright's transport: ${fmt(wall)}`);
    // Stepping to the next change (and playing) sends the one recorded diff: the common case.
    const steps: number[] = [];
    for (let i = 0; i < 20; i++) {
      const h0 = performance.now();
      player.control({ type: 'replayControl', action: 'next' });
      let ms = performance.now() - h0;
      for (const m of out.splice(0)) ms += m.type === 'diff' ? await g.sendUntilPainted(m) : await g.send(m);
      steps.push(ms);
    }
    console.log(`  next change (one recorded diff), host + webview: ${fmt(steps)}`);
    if (g.problems.length > 0) console.log(`page problems: ${g.problems.join('; ')}`);
    await g.page.close();
  } finally {
    await env.close();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
