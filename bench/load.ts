// Starts bench/loadgen.c (compiled on the fly with the system C compiler): TREES chains of DEPTH nested
// PID namespaces with PER_LEVEL processes each. Torn down by killing its process group; it also dies on
// its own when our stdin pipe to it closes (we exited), and every process in it has PDEATHSIG=SIGKILL.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface LoadShape {
  trees: number;
  depth: number;
  perLevel: number;
}

export interface Load {
  namespaces: number;
  processes: number;
  pgid: number;
  stop(): Promise<void>;
}

/** The repository root, found from this file whether it runs bundled (dist/) or transpiled (out/…). */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'pidns-explorer') return dir;
    } catch {
      // keep walking up
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the pidns-explorer repository root');
}

/** Compiles bench/PROGRAM.c with the system C compiler into a temp dir (the caller removes `dir`). */
export function compile(program: string): { binary: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `pidns-${program}-`));
  const binary = join(dir, program);
  execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-Wextra', '-o', binary, join(repoRoot(), 'bench', `${program}.c`)], {
    stdio: 'inherit',
  });
  return { binary, dir };
}

function processGone(pid: number): boolean {
  return !existsSync(`/proc/${pid}`);
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/** Members of a process group, from /proc (the group spans many PID namespaces; /proc sees them all). */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

/** bench/loadgen.c: TREES chains of DEPTH nested PID namespaces with PER_LEVEL processes each. */
export function startLoad(shape: LoadShape): Promise<Load> {
  return startGroupLoad('loadgen', shape, 60_000, 10_000);
}

function firstLine(child: ChildProcess, program: string, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${program} not ready after ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        clearTimeout(timer);
        resolve(buf.split('\n')[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${program} exited with ${code} before it was ready`));
    });
  });
}

/**
 * Compiles and starts bench/PROGRAM.c in a process group of its own and waits for its `ready NS PROCS`
 * line. The group is SIGKILLed on stop(), on Ctrl-C/SIGTERM and when we exit, so no generated namespace
 * or process outlives a bench run; stop() waits up to settleMs until the kernel has reaped them all.
 */
export async function startGroupLoad(program: string, shape: LoadShape, readyTimeoutMs: number, settleMs: number): Promise<Load> {
  const { binary, dir } = compile(program);
  const child: ChildProcess = spawn(binary, [String(shape.trees), String(shape.depth), String(shape.perLevel)], {
    detached: true,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`${program} did not start`);
  let stopped = false;
  const kill = (): void => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    kill();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', kill);
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    kill();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', kill);
    await waitUntil(() => processGone(pgid) && groupMembers(pgid).length === 0, settleMs);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const line = await firstLine(child, program, readyTimeoutMs);
    const m = /^ready (\d+) (\d+)$/.exec(line);
    if (!m) throw new Error(`${program} said '${line}'`);
    return { namespaces: Number(m[1]), processes: Number(m[2]), pgid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
