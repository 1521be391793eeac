// Starts bench/sleepers.c (compiled on the fly): the scaled-up load whose inits respawn killed sleepers, so
// the bench can churn a given share of the processes between polls. Torn down by killing its process
// group, on stop(), on Ctrl-C/SIGTERM and when we exit (and by itself when our stdin pipe closes).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupMembers, repoRoot, type LoadShape } from './load';

export interface SleepersLoad {
  namespaces: number;
  processes: number;
  pgid: number;
  /** Host PIDs of the sleepers (not the inits), read now. */
  sleepers(): number[];
  stop(): Promise<void>;
}

function compile(): { binary: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pidns-sleepers-'));
  const binary = join(dir, 'sleepers');
  execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-Wextra', '-o', binary, join(repoRoot(), 'bench', 'sleepers.c')], { stdio: 'inherit' });
  return { binary, dir };
}

/** A sleeper is a group member inside a child namespace whose own-namespace PID is not 1. */
function isSleeper(pid: number): boolean {
  try {
    const nspid = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1].trim().split(/\s+/) ?? [];
    return nspid.length > 1 && nspid[nspid.length - 1] !== '1';
  } catch {
    return false;
  }
}

function readyLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`sleepers not ready after ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        clearTimeout(timer);
        resolve(buf.split('\n')[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sleepers exited with ${code} before it was ready`));
    });
  });
}

export async function startSleepers(shape: LoadShape): Promise<SleepersLoad> {
  const { binary, dir } = compile();
  const child = spawn(binary, [String(shape.trees), String(shape.depth), String(shape.perLevel)], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('sleepers did not start');
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
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    kill();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', kill);
    const end = Date.now() + 20_000;
    while (Date.now() < end && (existsSync(`/proc/${pgid}`) || groupMembers(pgid).length > 0)) await new Promise((r) => setTimeout(r, 50));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const m = /^ready (\d+) (\d+)$/.exec(await readyLine(child, 120_000));
    if (!m) throw new Error('sleepers printed an unexpected ready line');
    return { namespaces: Number(m[1]), processes: Number(m[2]), pgid, sleepers: () => groupMembers(pgid).filter(isSleeper), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
