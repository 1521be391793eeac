// A sealed arena for the churn test: the storm program runs as PID 1 of a fresh PID namespace with its own
// /proc, and helpers are started inside it with nsenter. They see only the storm's processes, so the test
// can demand exact convergence without noise from whatever else the host is doing, and killing the
// `unshare` (with --kill-child) takes the whole namespace, helpers included, down at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { HelperClient } from '../../../helper-native/src/launch/helperClient';
import { spawnHelper } from '../../../helper-native/src/launch/spawnHelper';
import type { Snapshot } from '../../../shared/core/types';
import { waitFor } from '../../support/poll';
import { buildNative, pidnsBundle, type Built } from './nativeTools';

export interface StormArena {
  /** Host PID of the storm (PID 1 inside). */
  stormPid: number;
  /** The arena's procfs as seen from the host. */
  procRoot: string;
  /** Resolves with the next stdout line of the storm that matches. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** A `pidns helper` inside the arena, and its host PID. */
  startHelper(): Promise<{ client: HelperClient; hostPid: number }>;
  /** Run a command inside the arena (its PID and mount namespaces); stdout and stderr piped; killed by close() at the latest. */
  spawnInside(argv: string[]): ChildProcess;
  /** Kill everything (idempotent). */
  close(): Promise<void>;
}

export interface StormParams {
  plain: number;
  nested: number;
  rate: number;
  sleepers: number;
}

/** The children of a process, from /proc/PID/task/PID/children. */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The arena's namespace and its descendants, with their processes (state letters left out: they flicker). */
export function arenaView(s: Snapshot, arenaNs: number): string {
  const inside = new Set<number>([arenaNs]);
  for (const n of [...s.namespaces].sort((a, b) => a.level - b.level)) if (n.parent !== null && inside.has(n.parent)) inside.add(n.inode);
  return JSON.stringify({
    namespaces: s.namespaces.filter((n) => inside.has(n.inode)),
    processes: s.processes.filter((p) => inside.has(p.ns)).map((p) => ({ ...p, state: undefined })),
  });
}

export async function openStormArena(params: StormParams): Promise<StormArena> {
  const storm: Built = buildNative('storm');
  const args = [
    '--pid',
    '--fork',
    '--mount-proc',
    '--kill-child',
    storm.path,
    String(params.plain),
    String(params.nested),
    String(params.rate),
    String(params.sleepers),
  ];
  const unshare: ChildProcess = spawn('unshare', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const clients: HelperClient[] = [];
  const lines: string[] = [];
  let partial = '';
  unshare.stdout?.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const c of clients) if (!c.hasExited) void c.dispose().catch(() => undefined);
    if (unshare.exitCode === null && unshare.signalCode === null) {
      const gone = new Promise((r) => unshare.once('close', r));
      unshare.kill('SIGKILL'); // --kill-child: the storm (PID 1) dies, and with it the whole namespace
      await gone;
    }
    await Promise.all(clients.map((c) => c.whenExited()));
    storm.remove();
  };
  try {
    const stormPid = await waitFor('the storm to start', () => childrenOf(unshare.pid ?? -1)[0], 5000, 20);
    const waitForLine = (pattern: RegExp, timeoutMs: number): Promise<string> =>
      waitFor(
        `storm output ${pattern}`,
        () => {
          const i = lines.findIndex((l) => pattern.test(l));
          return i < 0 ? undefined : lines.splice(0, i + 1)[i];
        },
        timeoutMs,
        20,
      );
    await waitForLine(/^started/, 5000);
    const startHelper = async (): Promise<{ client: HelperClient; hostPid: number }> => {
      const o = await spawnHelper({
        command: 'nsenter',
        args: ['-t', String(stormPid), '-p', '-m', process.execPath, pidnsBundle(), 'helper'],
        timeoutMs: 20_000,
      });
      if (!o.ok) throw new Error(`helper in the arena did not start: ${o.why} ${o.stderrText}`);
      const client = new HelperClient(o, { timeoutMs: 20_000, exitGraceMs: 1000 });
      clients.push(client);
      const hostPid = await waitFor('the helper under nsenter', () => childrenOf(o.child.pid ?? -1)[0], 5000, 20);
      return { client, hostPid };
    };
    const spawnInside = (argv: string[]): ChildProcess =>
      spawn('nsenter', ['-t', String(stormPid), '-p', '-m', '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { stormPid, procRoot: `/proc/${stormPid}/root/proc`, waitForLine, startHelper, spawnInside, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** VmRSS of a host process in KiB. */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}
