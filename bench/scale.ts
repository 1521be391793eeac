// Suite "scale": the scaled-up run (10,000 processes in a few hundred PID namespaces, bench/sleepers.c).
// In one run: cold snapshot against `ps -eo pid,pidns` and `lsns -t pid`; steady-state poll with no change
// and with 1% churn between polls; the real helper subscribed at the default 1 s interval: its CPU per
// second (quiet, then with 1% churn a second), its RSS, and the fork-to-visible latency (a fork in a
// watched namespace until the process is in a diff event). Medians, interleaved, because this VM is shared.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HelperEvent } from '../shared/helperProtocol';
import { HelperClient } from '../helper-native/src/launch/helperClient';
import { spawnHelper } from '../helper-native/src/launch/spawnHelper';
import { Poller, takeSnapshot } from '../helper-native/src/scan/poller';
import { repoRoot } from './load';
import { startSleepers, type SleepersLoad } from './sleepersLoad';
import type { BenchContext, Row, Suite } from './types';
import { envInt, median, time } from './measure';
import { rssMiB } from './procStats';

export const DEFAULT_INTERVAL_MS = 1000;
const CPU_SECONDS = 10;
const LATENCY_SAMPLES = 8;
const CLK_TCK = 100;

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.status} ${r.stderr}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Kill `share` of the sleepers (their inits fork replacements at once); returns how many. */
function churn(load: SleepersLoad, pool: number[], share: number): number {
  const n = Math.max(1, Math.round(load.processes * share));
  let killed = 0;
  while (killed < n && pool.length > 0) {
    const pid = pool.splice(Math.floor(Math.random() * pool.length), 1)[0];
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}

interface Anchors {
  ps: number;
  lsns: number;
  cold: number;
}

function anchors(runs: number): Anchors {
  const ps: number[] = [];
  const lsns: number[] = [];
  const cold: number[] = [];
  run('ps', ['-eo', 'pid,pidns']); // warm caches for all three
  for (let i = 0; i < runs; i++) {
    ps.push(time(() => run('ps', ['-eo', 'pid,pidns'])));
    lsns.push(time(() => run('lsns', ['-t', 'pid'])));
    cold.push(time(() => takeSnapshot()));
  }
  return { ps: median(ps), lsns: median(lsns), cold: median(cold) };
}

/** Steady-state poll times of the in-process Poller: no change, then `share` churn before each poll. */
async function polls(load: SleepersLoad, count: number, share: number): Promise<{ quiet: number; churned: number }> {
  const poller = new Poller();
  try {
    poller.poll();
    poller.poll();
    const quiet: number[] = [];
    for (let i = 0; i < count; i++) quiet.push(time(() => poller.poll()));
    const pool = load.sleepers();
    const churned: number[] = [];
    for (let i = 0; i < count; i++) {
      churn(load, pool, share);
      await sleep(30); // let the inits reap and respawn
      churned.push(time(() => poller.poll()));
    }
    return { quiet: median(quiet), churned: median(churned) };
  } finally {
    poller.close();
  }
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

export async function startHelper(): Promise<{ client: HelperClient; pid: number }> {
  // BENCH_HELPER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"): Node flags for the helper, to profile it.
  const nodeArgs = (process.env.BENCH_HELPER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const o = await spawnHelper({
    command: process.execPath,
    args: [...nodeArgs, join(repoRoot(), 'dist', 'pidns.js'), 'helper'],
    timeoutMs: 30_000,
  });
  if (!o.ok) throw new Error(`helper did not start: ${o.why} ${o.stderrText}`);
  return { client: new HelperClient(o, { timeoutMs: 60_000 }), pid: o.hello.pid };
}

/** Milliseconds of helper CPU per second of wall time over `seconds`, calling `each` once a second. */
async function cpuPerSecond(pid: number, seconds: number, each: () => void): Promise<number> {
  const t0 = cpuTicks(pid);
  const w0 = performance.now();
  for (let i = 0; i < seconds; i++) {
    each();
    await sleep(1000);
  }
  return (((cpuTicks(pid) - t0) * 1000) / CLK_TCK / (performance.now() - w0)) * 1000;
}

/** Milliseconds since boot (CLOCK_BOOTTIME, the clock of /proc/PID/stat's start time), 10 ms resolution. */
function uptimeMs(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
}

/**
 * Kill a sleeper at a random moment of the poll cycle; its init forks a replacement. The latency runs from
 * that fork (the new process's start time) to the diff event that adds it, both on the boot-time clock,
 * so a loaded host's delay in scheduling the init to fork does not count as the helper's.
 */
export async function forkToVisible(client: HelperClient, load: SleepersLoad, samples: number): Promise<number[]> {
  const out: number[] = [];
  const pool = load.sleepers();
  for (let i = 0; i < samples; i++) {
    await sleep(Math.random() * DEFAULT_INTERVAL_MS);
    const victim = pool.splice(Math.floor(Math.random() * pool.length), 1)[0];
    const stat = readFileSync(`/proc/${victim}/stat`, 'utf8');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const seen = new Promise<number>((resolve) => {
      const sub = client.onEvent((e: HelperEvent) => {
        if (e.type !== 'event' || e.event !== 'diff') return;
        const born = e.diff.addedProcesses.find((p) => p.ppid === parent);
        if (born === undefined) return;
        sub.dispose();
        resolve(uptimeMs() - (born.startTime * 1000) / CLK_TCK);
      });
    });
    process.kill(victim, 'SIGKILL');
    const timeout = sleep(5 * DEFAULT_INTERVAL_MS).then(() => Number.POSITIVE_INFINITY);
    out.push(await Promise.race([seen, timeout]));
  }
  return out;
}

async function helperFigures(load: SleepersLoad, ctx: BenchContext): Promise<Row[]> {
  const { client, pid } = await startHelper();
  try {
    const first = new Promise<void>((resolve) => client.onEvent((e) => e.type === 'event' && e.event === 'snapshot' && resolve()));
    // These rows are the polling figures (the anchor for the 'events' suite): kernel events off.
    await client.request('subscribe', { intervalMs: DEFAULT_INTERVAL_MS, events: false });
    await first;
    await sleep(3 * DEFAULT_INTERVAL_MS); // settle: the first polls recheck what the cold pass saw
    ctx.log(`scale: helper CPU over ${CPU_SECONDS} s, quiet`);
    const quietCpu = await cpuPerSecond(pid, CPU_SECONDS, () => undefined);
    const pool = load.sleepers();
    ctx.log(`scale: helper CPU over ${CPU_SECONDS} s, 1% churn a second`);
    const churnCpu = await cpuPerSecond(pid, CPU_SECONDS, () => churn(load, pool, 0.01));
    const rss = rssMiB(pid);
    ctx.log('scale: fork-to-visible latency');
    const lat = await forkToVisible(client, load, LATENCY_SAMPLES);
    return [
      { name: 'helper CPU at 1 s interval, quiet', value: quietCpu, unit: 'ms/s' },
      { name: 'helper CPU at 1 s interval, 1% churn/s', value: churnCpu, unit: 'ms/s' },
      { name: 'helper RSS, subscribed', value: rss, unit: 'MiB' },
      { name: 'fork-to-visible latency (median)', value: median(lat), unit: 'ms' },
      // The budget (interval + 100 ms) is checked by the 'latency' suite on the standard load; here, at
      // 10,000 processes, one poll alone takes tens of ms, so the figure is shown for scale only.
      { name: `fork-to-visible latency (max of ${lat.length})`, value: Math.max(...lat), unit: 'ms' },
    ];
  } finally {
    await client.dispose();
  }
}

/** The scaled-up load: 300 trees × 3 levels × 11 processes ≈ 10,200 processes (BENCH_SCALE_* override). */
export function scaleShape(): { trees: number; depth: number; perLevel: number } {
  return { trees: envInt('BENCH_SCALE_TREES', 300), depth: envInt('BENCH_SCALE_DEPTH', 3), perLevel: envInt('BENCH_SCALE_PER_LEVEL', 11) };
}

export const scaleSuite: Suite = {
  name: 'scale',
  async run(ctx: BenchContext): Promise<Row[]> {
    const shape = scaleShape();
    ctx.log(`scale: starting load: ${shape.trees} trees × ${shape.depth} levels × ${shape.perLevel} processes`);
    const load = await startSleepers(shape);
    try {
      const seen = takeSnapshot();
      ctx.log(`scale: load ready: ${seen.namespaces.length} namespaces, ${seen.processes.length} processes visible`);
      const a = anchors(3);
      const p = await polls(load, 15, 0.01);
      const helper = await helperFigures(load, ctx);
      return [
        { name: 'PID namespaces visible', value: seen.namespaces.length, unit: 'ns' },
        { name: 'processes visible', value: seen.processes.length, unit: 'proc' },
        { name: 'ps -eo pid,pidns (median wall)', value: a.ps, unit: 'ms' },
        { name: 'lsns -t pid (median wall)', value: a.lsns, unit: 'ms' },
        { name: 'cold snapshot vs ps', value: a.cold, unit: 'ms', anchor: 'ps -eo pid,pidns', ratio: a.cold / a.ps },
        { name: 'cold snapshot vs lsns', value: a.cold, unit: 'ms', anchor: 'lsns -t pid', ratio: a.cold / a.lsns, budget: 1 },
        { name: 'steady-state poll, no change', value: p.quiet, unit: 'ms', anchor: 'lsns -t pid', ratio: p.quiet / a.lsns, budget: 0.1 },
        { name: 'steady-state poll, 1% churn', value: p.churned, unit: 'ms', anchor: 'lsns -t pid', ratio: p.churned / a.lsns },
        ...helper,
      ];
    } finally {
      await load.stop();
      ctx.log('scale: load stopped');
    }
  },
};
