// Suite "create": how fast and how small a chain of nested PID namespaces is, against the seed article's
// own multi_pidns.c (extracted from ../shared/seed/*.txt and compiled here) in the same run. Interleaved
// runs, medians, because this VM is shared and noisy.
//   anchor: multi_pidns 5 until it prints "Final child sleeping" (under `unshare --mount --propagation
//           private`, so its /procN mounts stay out of ours; `stdbuf -oL` so that line leaves its stdio
//           buffer before the exec; the /procN directories it creates are removed afterwards)
//   ours:   dist/native/pidns-init until its "ready" line, depth 5 and 32; ChainManager.create end to end;
//           the util-linux fallback for comparison; PSS of each level's init from smaps_rollup.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ChainManager } from '../helper-native/src/create/chainManager';
import { repoRoot } from './load';
import type { BenchContext, Row, Suite } from './types';
import { median } from './measure';

const RUNS = 9;

/** The C source of multi_pidns.c from the seed article's fenced code block. */
export function extractSeedProgram(article: string, name = 'multi_pidns.c'): string {
  for (const m of article.matchAll(/```c\n([\s\S]*?)```/g)) if (m[1].includes(`/* ${name}`)) return m[1];
  throw new Error(`${name} not found in the seed article`);
}

function buildSeed(dir: string): string {
  const seedDir = join(repoRoot(), '..', 'shared', 'seed');
  const article = readdirSync(seedDir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => readFileSync(join(seedDir, f), 'utf8'))
    .join('\n');
  writeFileSync(join(dir, 'multi_pidns.c'), extractSeedProgram(article));
  // As the article builds it (plain gcc): its code is not -Wextra clean, and that is not ours to fix.
  execFileSync(process.env.CC || 'cc', ['-O2', '-o', join(dir, 'multi_pidns'), join(dir, 'multi_pidns.c')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return join(dir, 'multi_pidns');
}

/** Spawn argv in its own process group; resolve with ms until a stdout line starts with `marker`; then kill the group. */
function timeUntil(
  argv: string[],
  marker: string,
  stop: 'group-kill' | 'sigterm',
  onReady?: (pid: number) => Promise<void>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    let took = -1;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (took >= 0 || !line.startsWith(marker)) return;
      took = performance.now() - t0;
      void (onReady ? onReady(child.pid!) : Promise.resolve()).finally(() => {
        if (stop === 'sigterm') child.kill('SIGTERM');
        else process.kill(-child.pid!, 'SIGKILL'); // from an ancestor namespace SIGKILL reaches every init
      });
    });
    child.on('error', reject);
    child.on('close', () => (took >= 0 ? resolve(took) : reject(new Error(`${argv.join(' ')} ended before '${marker}'`))));
  });
}

/** PSS of each level's init (KiB), read while a depth-32 chain is up. */
async function pssPerLevel(initPath: string): Promise<number[]> {
  const pss: number[] = [];
  await timeUntil([initPath, 'chain', '--depth', '32'], 'ready', 'sigterm', async (anchor) => {
    const levels = readFileSync(`/proc/${anchor}/task/${anchor}/children`, 'utf8').trim();
    let pid = Number(levels);
    for (let level = 1; level <= 32 && pid > 0; level++) {
      pss.push(Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))![1]));
      pid = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0] || 0);
    }
  });
  return pss;
}

async function managerReadyMs(m: ChainManager, depth: number): Promise<number> {
  const t0 = performance.now();
  const info = await m.create({ depth }, process.geteuid?.() ?? 0);
  const took = performance.now() - t0;
  await m.destroy(info.chainId);
  return took;
}

export const createSuite: Suite = {
  name: 'create',
  async run(ctx: BenchContext): Promise<Row[]> {
    const native = new ChainManager();
    const initPath = native.nativeInit;
    if (initPath === null) throw new Error('dist/native/pidns-init is missing or not runnable: run node scripts/build.mjs');
    const fallback = new ChainManager({ initPath: null });
    const dir = mkdtempSync(join(tmpdir(), 'pidns-bench-create-'));
    const procDirsBefore = new Set([0, 1, 2, 3, 4].filter((i) => existsSync(`/proc${i}`)));
    try {
      const seed = buildSeed(dir);
      ctx.log(`create: seed program built; ${RUNS} interleaved runs`);
      const t = {
        wrap: [] as number[],
        seed: [] as number[],
        d5: [] as number[],
        d32: [] as number[],
        m5: [] as number[],
        m32: [] as number[],
        u5: [] as number[],
      };
      for (let i = 0; i < RUNS; i++) {
        const wrapper = ['unshare', '--mount', '--propagation', 'private', 'stdbuf', '-oL'];
        t.seed.push(await timeUntil([...wrapper, seed, '5'], 'Final child sleeping', 'group-kill'));
        // The wrapper's own share of the anchor: the same execs printing the marker at once.
        t.wrap.push(await timeUntil([...wrapper, 'echo', 'Final child sleeping'], 'Final child sleeping', 'group-kill'));
        t.d5.push(await timeUntil([initPath, 'chain', '--depth', '5'], 'ready', 'sigterm'));
        t.d32.push(await timeUntil([initPath, 'chain', '--depth', '32'], 'ready', 'sigterm'));
        t.m5.push(await managerReadyMs(native, 5));
        t.m32.push(await managerReadyMs(native, 32));
        t.u5.push(await managerReadyMs(fallback, 5));
      }
      const pss = await pssPerLevel(initPath);
      const anchor = median(t.seed);
      const row = (name: string, xs: number[], extra: Partial<Row> = {}): Row => ({ name, value: median(xs), unit: 'ms', ...extra });
      return [
        row('seed multi_pidns 5 → Final child sleeping', t.seed),
        row('  of which the wrapper (unshare+stdbuf+echo)', t.wrap),
        row('pidns-init depth 5 ready', t.d5, { anchor: 'seed multi_pidns 5', ratio: median(t.d5) / anchor, budget: 2 }),
        row('pidns-init depth 32 ready', t.d32, { budget: 500 }),
        // The README's "create depth 5 within 2× the seed" is what a user meets: the helper's create, end to end.
        row('ChainManager.create depth 5 (end to end)', t.m5, { anchor: 'seed multi_pidns 5', ratio: median(t.m5) / anchor, budget: 2 }),
        row('ChainManager.create depth 32 (end to end)', t.m32, { budget: 500 }),
        // The slow path where the native init cannot run (issue 3 gives it no budget): shown for comparison only.
        row('unshare fallback depth 5 (end to end)', t.u5, { anchor: 'seed multi_pidns 5', ratio: median(t.u5) / anchor }),
        { name: 'PSS per level, mean (depth 32)', value: pss.reduce((a, b) => a + b, 0) / pss.length, unit: 'KiB', budget: 1024 },
        { name: 'PSS per level, max (depth 32)', value: Math.max(...pss), unit: 'KiB', budget: 1024 },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
      // The seed mkdir()s /proc0…/proc4 in the shared root filesystem (the mounts were private); remove ours.
      for (const i of [0, 1, 2, 3, 4]) if (!procDirsBefore.has(i) && existsSync(`/proc${i}`)) rmdirSync(`/proc${i}`);
      await native.destroyAll();
      await fallback.destroyAll();
    }
  },
};
