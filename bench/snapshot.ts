// Suite "snapshot": under generated load (a few hundred PID namespaces, a few thousand processes), time
// in one run a cold in-process snapshot and a steady-state poll against `lsns -t pid`, interleaved and
// taken as medians because this VM is shared and noisy. Also checks that the namespace set and parent
// links agree with lsns on that load.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { disableHolderThread, enableHolderThread } from '../helper-native/src/scan/holderThread';
import { Poller, takeSnapshot } from '../helper-native/src/scan/poller';
import { startLoad } from './load';
import type { BenchContext, Row, Suite } from './types';
import { envInt, median, PRODUCT_BUNDLE, time } from './measure';

const RUNS = 7;
const POLLS = 30;
/** USER_HZ: the unit of /proc times on every Linux architecture Node runs on. */
const CLK_TCK = 100;

/** CPU ms (user+sys) of this process's waited-for children so far: /proc/self/stat cutime+cstime. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[16 - 3]) + Number(f[17 - 3])) * 1000) / CLK_TCK;
}

function selfCpuMs(f: () => void): number {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}

function lsns(args: string[]): string {
  const r = spawnSync('lsns', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0)
    throw new Error(`lsns ${args.join(' ')} failed: status ${r.status} signal ${r.signal} ${r.error?.message ?? ''} ${r.stderr}`);
  return r.stdout;
}

/**
 * Namespaces (inode → parent inode, 0 for none) seen by lsns and by us. Parents must agree on every
 * namespace both saw; namespaces only one of them saw are counted apart: other work on a shared host
 * starts and stops namespaces between the two scans.
 */
function agreement(): { disagreements: number; common: number; oneSided: number } {
  const theirs = new Map(
    (JSON.parse(lsns(['-t', 'pid', '-J', '-o', 'NS,PNS'])) as { namespaces: { ns: number; pns: number }[] }).namespaces.map((n) => [
      n.ns,
      n.pns,
    ]),
  );
  const ours = new Map(
    takeSnapshot()
      .namespaces.filter((n) => !n.hidden)
      .map((n) => [n.inode, n.parent ?? 0]),
  );
  let disagreements = 0;
  let common = 0;
  for (const [ns, pns] of theirs) {
    if (!ours.has(ns)) continue;
    common++;
    if (ours.get(ns) !== pns) disagreements++;
  }
  return { disagreements, common, oneSided: theirs.size + ours.size - 2 * common };
}

export const snapshotSuite: Suite = {
  name: 'snapshot',
  async run(ctx: BenchContext): Promise<Row[]> {
    const shape = { trees: envInt('BENCH_TREES', 100), depth: envInt('BENCH_DEPTH', 3), perLevel: envInt('BENCH_PER_LEVEL', 10) };
    ctx.log(`snapshot: starting load: ${shape.trees} trees × ${shape.depth} levels × ${shape.perLevel} processes`);
    const load = await startLoad(shape);
    try {
      const seen = takeSnapshot();
      ctx.log(`snapshot: load ready: ${seen.namespaces.length} namespaces, ${seen.processes.length} processes visible`);
      const lsnsMs: number[] = [];
      const coldMs: number[] = [];
      const lsnsCpu: number[] = [];
      const coldCpu: number[] = [];
      lsns(['-t', 'pid']); // warm both (page cache, dentries, JIT) before timing
      takeSnapshot();
      // Alternate the order each run: whichever runs right after the other pays for the caches it evicted.
      const runLsns = (): void => {
        const c = childrenCpuMs();
        lsnsMs.push(time(() => lsns(['-t', 'pid'])));
        lsnsCpu.push(childrenCpuMs() - c);
      };
      const plainMs: number[] = [];
      const runCold = (): void => {
        const t = performance.now();
        coldCpu.push(selfCpuMs(() => takeSnapshot()));
        coldMs.push(performance.now() - t);
        // What lsns -t pid reads (processes and their namespaces), without the persistent-namespace pass
        // (every process's fd links and mount namespace), which lsns 2.38 does not make.
        const t2 = performance.now();
        takeSnapshot('/proc', { holders: false });
        plainMs.push(performance.now() - t2);
      };
      for (let i = 0; i < RUNS; i++) {
        if (i % 2 === 0) {
          runLsns();
          runCold();
        } else {
          runCold();
          runLsns();
        }
      }
      // The runs above found the holder thread serving (after the first); a process's first snapshot starts it
      // beside the process pass, and without it (fewer processes than its threshold) the caller reads both halves.
      const firstMs: number[] = [];
      const oneThreadMs: number[] = [];
      for (let i = 0; i < 3; i++) {
        enableHolderThread({ file: PRODUCT_BUNDLE }); // ends the running worker: the next snapshot starts one
        firstMs.push(time(() => takeSnapshot()));
        disableHolderThread();
        oneThreadMs.push(time(() => takeSnapshot()));
      }
      enableHolderThread({ file: PRODUCT_BUNDLE });
      const poller = new Poller();
      const pollMs: number[] = [];
      const quietPollMs: number[] = [];
      let changedPolls = 0;
      try {
        poller.poll(); // cold, with pidfds
        poller.poll(); // settle: recheck the ones first seen in the cold pass
        for (let i = 0; i < POLLS; i++) {
          const t = performance.now();
          const changed = poller.poll().changed;
          const ms = performance.now() - t;
          pollMs.push(ms);
          if (changed) changedPolls++;
          else quietPollMs.push(ms);
        }
      } finally {
        poller.close();
      }
      const agree = agreement();
      const anchor = median(lsnsMs);
      const cold = median(coldMs);
      const cpuAnchor = median(lsnsCpu);
      const cpuCold = median(coldCpu);
      const poll = median(pollMs);
      // Others on a shared host fork and exit all the time: the budget is on polls where nothing changed.
      const quiet = quietPollMs.length > 0 ? median(quietPollMs) : poll;
      return [
        { name: 'PID namespaces visible', value: seen.namespaces.length, unit: 'ns' },
        { name: 'processes visible', value: seen.processes.length, unit: 'proc' },
        { name: 'lsns -t pid (median wall)', value: anchor, unit: 'ms' },
        { name: 'cold snapshot in-process (median)', value: cold, unit: 'ms', anchor: 'lsns -t pid', ratio: cold / anchor, budget: 1 },
        {
          name: 'of which without the persistent pass',
          value: median(plainMs),
          unit: 'ms',
          anchor: 'lsns -t pid',
          ratio: median(plainMs) / anchor,
        },
        {
          name: "cold snapshot, the process's first (thread starting)",
          value: median(firstMs),
          unit: 'ms',
          anchor: 'lsns -t pid',
          ratio: median(firstMs) / anchor,
        },
        {
          name: 'cold snapshot in one thread',
          value: median(oneThreadMs),
          unit: 'ms',
          anchor: 'lsns -t pid',
          ratio: median(oneThreadMs) / anchor,
        },
        { name: 'lsns -t pid CPU user+sys (median)', value: cpuAnchor, unit: 'ms' },
        // CPU time survives a busy shared host better than wall time (mostly waiting there); informational:
        // the budget is on time, and a JS scan spends a little more CPU than lsns (about 1.0-1.2× measured).
        {
          name: 'cold snapshot CPU user+sys (median)',
          value: cpuCold,
          unit: 'ms',
          anchor: 'lsns CPU',
          ratio: cpuAnchor > 0 ? cpuCold / cpuAnchor : undefined,
        },
        {
          name: 'steady-state poll, no change (median)',
          value: quiet,
          unit: 'ms',
          anchor: 'lsns -t pid',
          ratio: quiet / anchor,
          budget: 0.1,
        },
        { name: 'steady-state poll, all (median)', value: poll, unit: 'ms', anchor: 'lsns -t pid', ratio: poll / anchor },
        { name: 'polls that saw a change', value: changedPolls, unit: `of ${POLLS}` },
        { name: 'parent links disagreeing with lsns', value: agree.disagreements, unit: `of ${agree.common}`, budget: 0 },
        { name: 'namespaces seen by only one (churn)', value: agree.oneSided, unit: 'ns' },
      ];
    } finally {
      await load.stop();
      ctx.log('snapshot: load stopped');
    }
  },
};
