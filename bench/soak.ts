// Suite "soak" (issue 14; not in the default run: `--suite soak`): memory over time under churn. A root
// helper subscribes with kernel events (reconcile every 30 s) while bench/soakload.c forks about 200
// short-lived processes a second (each execs /bin/true) and creates a new PID namespace every second (its
// PID 1 forks two children and exits after 300 ms). The helper's RSS is sampled every minute; the budget is
// under 5 MiB of growth after minute 5. Its CPU and the host's fork rate are shown with it.
// BENCH_SOAK_MINUTES (default 30) sets the duration; BENCH_SOAK_FORKS / BENCH_SOAK_NAMESPACES the rates.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { compile } from './load';
import { envInt } from './measure';
import { rssMiB } from './procStats';
import { startHelper } from './scale';
import type { BenchContext, Row, Suite } from './types';

const MINUTES = envInt('BENCH_SOAK_MINUTES', 30);
const FORKS = envInt('BENCH_SOAK_FORKS', 200);
const NAMESPACES = envInt('BENCH_SOAK_NAMESPACES', 1);
/** Growth is measured from this minute on (the first minutes fill caches and the heap). */
const SETTLED_MINUTE = 5;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function hostForks(): number {
  return Number(/^processes (\d+)/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
}

export const soakSuite: Suite = {
  name: 'soak',
  async run(ctx: BenchContext): Promise<Row[]> {
    const { binary: bin, dir } = compile('soakload');
    try {
      const { client, pid } = await startHelper();
      client.onStderr((line) => {
        if (/warn|error|live source/.test(line)) ctx.log(`soak: helper: ${line}`);
      });
      let diffs = 0;
      client.onEvent((e) => {
        if (e.type === 'event' && e.event === 'diff') diffs++;
      });
      const load = spawn(bin, [String(FORKS), String(NAMESPACES)], { stdio: ['pipe', 'pipe', 'inherit'] });
      const loadGone = new Promise((r) => load.once('close', r));
      try {
        const sub = await client.request('subscribe', { intervalMs: 1000, reconcileMs: 30_000 });
        if (sub.source?.kind !== 'kernel-events') throw new Error(`soak needs kernel events: ${sub.source?.why ?? 'old helper'}`);
        ctx.log(`soak: ${MINUTES} min, ${FORKS} forks/s and ${NAMESPACES} namespace(s)/s; helper RSS every minute`);
        const rss: number[] = [rssMiB(pid)];
        const t0 = cpuTicks(pid);
        const f0 = hostForks();
        const w0 = performance.now();
        for (let m = 1; m <= MINUTES; m++) {
          await sleep(60_000);
          if (load.exitCode !== null) throw new Error(`soakload exited (${load.exitCode})`);
          rss.push(rssMiB(pid));
          ctx.log(`soak: minute ${m}: helper RSS ${rss[m].toFixed(1)} MiB, ${diffs} diffs so far`);
        }
        const wall = (performance.now() - w0) / 1000;
        const settled = Math.min(SETTLED_MINUTE, MINUTES);
        const after = rss.slice(settled);
        const rows: Row[] = [
          { name: `helper RSS at minute ${settled}`, value: rss[settled], unit: 'MiB' },
          { name: `helper RSS at minute ${MINUTES}`, value: rss[MINUTES], unit: 'MiB' },
          { name: `helper RSS peak after minute ${settled}`, value: Math.max(...after), unit: 'MiB' },
          { name: `helper RSS growth after minute ${settled}`, value: rss[MINUTES] - rss[settled], unit: 'MiB', budget: 5 },
          { name: 'helper CPU (average)', value: ((cpuTicks(pid) - t0) * 10) / wall, unit: 'ms/s' },
          { name: 'host forks/s meanwhile', value: (hostForks() - f0) / wall, unit: '/s' },
          { name: 'diff events/s', value: diffs / wall, unit: '/s' },
        ];
        ctx.log(`soak: helper RSS by minute: ${rss.map((r) => r.toFixed(1)).join(' ')}`);
        return rows;
      } finally {
        load.stdin?.end();
        await Promise.race([loadGone, sleep(5000)]);
        if (load.exitCode === null) load.kill('SIGKILL');
        await client.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
