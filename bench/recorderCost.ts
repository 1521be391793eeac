// What the recorder costs, at the bench's scaled load (≈10,200 processes) with 1% churn a second:
//  - its CPU next to the bare stream's: one DiscoveryStream at 1 s feeds a TraceRecorder writing gzip; the
//    recorder's own work (encoding, keyframe folding) is timed around each event, gzip is timed by
//    compressing the same writes again with the same flushes, and the stream's CPU is the process's minus both;
//  - bytes per hour, from the compressed size of one keyframe (60 an hour) and of the diffs per second;
//  - seek: opening (reading and validating) the trace, then stateAt and stateAt + renderTree at random times.
// Standalone, as root, after `npm run build`: node out/bench/recorderCost.js [SECONDS] (default 180).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { DEFAULT_KEYFRAMES, stateAt } from '../shared/core/trace';
import { renderTree } from '../shared/core/treeText';
import { hostInfo, TraceRecorder } from '../helper-native/src/record/recorder';
import { openTraceSink, readTraceFile, type TraceSink } from '../helper-native/src/record/traceFile';
import { DiscoveryStream } from '../helper-native/src/server/discovery';
import { scaleShape } from './scale';
import { startSleepers } from './sleepersLoad';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function gzipCost(chunks: string[]): Promise<number> {
  const zip = createGzip();
  zip.on('data', () => undefined);
  const c0 = process.cpuUsage();
  for (const chunk of chunks) {
    zip.write(chunk);
    await new Promise<void>((resolve) => zip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
  }
  await new Promise<void>((resolve) => zip.end(resolve));
  return cpuMs(process.cpuUsage(c0));
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 180);
  const dir = mkdtempSync(join(tmpdir(), 'pidns-recorder-bench-'));
  const file = join(dir, 'bench.trace.jsonl.gz');
  const shape = scaleShape();
  console.log(`load: ${shape.trees} trees × ${shape.depth} levels × ${shape.perLevel} processes`);
  const load = await startSleepers(shape);
  const stop = async (): Promise<void> => {
    await load.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    console.log(`load: ${load.processes} processes in ${load.namespaces} namespaces`);
    // Tee the text: keyframe and diff lines kept apart to compress them alone afterwards.
    const keyframeLines: string[] = [];
    const diffLines: string[] = [];
    const chunks: string[] = [];
    const real = openTraceSink(file, true);
    const sink: TraceSink = {
      write(text) {
        chunks.push(text);
        for (const line of text.split('\n')) {
          if (line.startsWith('{"t":') && line.includes(',"snapshot":')) keyframeLines.push(line);
          else if (line.startsWith('{"t":') && line.includes(',"diff":')) diffLines.push(line);
        }
        real.write(text);
      },
      close: () => real.close(),
      onError: (h) => real.onError(h),
    };
    const recorder = new TraceRecorder(sink, hostInfo(1000), DEFAULT_KEYFRAMES);
    let recorderCpu = 0;
    let firstSeen = false;
    const stream = new DiscoveryStream((event) => {
      if (event.event === 'snapshot') firstSeen = true;
      const c0 = process.cpuUsage();
      recorder.onEvent(event);
      recorderCpu += cpuMs(process.cpuUsage(c0));
    });
    stream.subscribe({ intervalMs: 1000, events: false }); // the cost measured at the poll rate of the bench
    while (!firstSeen) await sleep(50);
    // From here on: steady state. The tee's split is charged to the recorder (an overestimate).
    const recorderCpuBefore = recorderCpu;
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const pool = load.sleepers();
    const perSecond = Math.max(1, Math.round(load.processes * 0.01));
    let killed = 0;
    for (let s = 0; s < seconds; s++) {
      for (let k = 0; k < perSecond && pool.length > 0; k++) {
        const pid = pool.splice(Math.floor(Math.random() * pool.length), 1)[0];
        try {
          process.kill(pid, 'SIGKILL');
          killed++;
        } catch {
          // gone already
        }
      }
      if (pool.length < perSecond) pool.push(...load.sleepers());
      await sleep(1000);
    }
    const wall = performance.now() - wall0;
    const total = cpuMs(process.cpuUsage(cpu0));
    stream.unsubscribe();
    const stats = await recorder.stop('bench');
    const steadyRecorder = recorderCpu - recorderCpuBefore;

    // gzip's CPU: the same writes again, each followed by its sync flush as the sink does (the recording
    // compressed them in the thread pool, counted in `total`), alone in the process now.
    const gzipCpu = await gzipCost(chunks.slice(1, -1));
    const bare = total - steadyRecorder - gzipCpu;
    console.log(
      `recording: ${(wall / 1000).toFixed(0)} s, ${killed} processes killed (${perSecond}/s), ${stats.diffs} diffs, ${stats.keyframes} keyframes, ${stats.bytes} bytes gzip`,
    );
    console.log(
      `cpu: process ${(total / (wall / 1000)).toFixed(1)} ms/s; recorder ${(steadyRecorder / (wall / 1000)).toFixed(2)} ms/s + gzip ${(gzipCpu / (wall / 1000)).toFixed(2)} ms/s; bare stream ${(bare / (wall / 1000)).toFixed(1)} ms/s`,
    );
    console.log(`cpu: recording adds ${(((steadyRecorder + gzipCpu) / bare) * 100).toFixed(2)} % to the stream`);

    const keyframeGz = keyframeLines.map((l) => gzipSync(l + '\n').length);
    const keyframeRaw = keyframeLines.map((l) => l.length + 1);
    const diffsGz = gzipSync(diffLines.join('\n') + '\n').length;
    const diffsRaw = diffLines.reduce((n, l) => n + l.length + 1, 0);
    const kfPerHour = 3_600_000 / DEFAULT_KEYFRAMES.everyMs;
    const perHourGz = quantile(keyframeGz, 0.5) * kfPerHour + (diffsGz / (wall / 1000)) * 3600;
    const perHourRaw = quantile(keyframeRaw, 0.5) * kfPerHour + (diffsRaw / (wall / 1000)) * 3600;
    console.log(
      `size: keyframe ${(quantile(keyframeRaw, 0.5) / 1e6).toFixed(2)} MB raw, ${(quantile(keyframeGz, 0.5) / 1e6).toFixed(3)} MB gzip; diffs ${(diffsRaw / (wall / 1000) / 1e3).toFixed(1)} kB/s raw, ${(diffsGz / (wall / 1000) / 1e3).toFixed(2)} kB/s gzip`,
    );
    console.log(
      `size: one hour ≈ ${(perHourGz / 1e6).toFixed(1)} MB gzip (${(perHourRaw / 1e6).toFixed(0)} MB raw); this file extrapolated: ${(((stats.bytes / (wall / 1000)) * 3600) / 1e6).toFixed(1)} MB/h`,
    );

    const o0 = performance.now();
    const trace = readTraceFile(file);
    const openMs = performance.now() - o0;
    const seeks: number[] = [];
    const renders: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = Math.floor(Math.random() * trace.endT);
      const s0 = performance.now();
      const snap = stateAt(trace, t);
      const s1 = performance.now();
      renderTree(snap, { width: 120 });
      const s2 = performance.now();
      seeks.push(s1 - s0);
      renders.push(s2 - s0);
    }
    console.log(
      `seek: open (read + validate ${stats.bytes} bytes) ${openMs.toFixed(0)} ms; stateAt median ${quantile(seeks, 0.5).toFixed(1)} ms, p95 ${quantile(seeks, 0.95).toFixed(1)} ms, max ${Math.max(...seeks).toFixed(1)} ms`,
    );
    // Stepping: seeks within one keyframe's span (the keyframe parsed once), as a player does.
    const steps: number[] = [];
    const from = Math.floor(trace.endT / 2);
    for (let t = from; t < Math.min(trace.endT, from + 30_000); t += 500) {
      const s0 = performance.now();
      stateAt(trace, t);
      steps.push(performance.now() - s0);
    }
    console.log(`seek: stepping 500 ms at a time, median ${quantile(steps, 0.5).toFixed(1)} ms, max ${Math.max(...steps).toFixed(1)} ms`);
    console.log(
      `seek: stateAt + renderTree median ${quantile(renders, 0.5).toFixed(1)} ms, p95 ${quantile(renders, 0.95).toFixed(1)} ms, max ${Math.max(...renders).toFixed(1)} ms`,
    );
  } finally {
    await stop();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
