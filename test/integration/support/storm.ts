// A sealed arena for the churn test: the storm program runs as PID 1 of a fresh PID namespace with its own
// /proc, and helpers are started inside it with nsenter. They see only the storm's processes, so the test
// can demand exact convergence without noise from whatever else the host is doing, and killing the
// `unshare` (with --kill-child) takes the whole namespace, helpers included, down at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { HelperClient } from '../../../helper-native/src/launch/helperClient';
import { spawnHelper } from '../../../helper-native/src/launch/spawnHelper';
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

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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
    const stormPid = await waitFor(() => childrenOf(unshare.pid ?? -1)[0], 5000, 'the storm to start');
    const waitForLine = (pattern: RegExp, timeoutMs: number): Promise<string> =>
      waitFor(
        () => {
          const i = lines.findIndex((l) => pattern.test(l));
          return i < 0 ? undefined : lines.splice(0, i + 1)[i];
        },
        timeoutMs,
        `storm output ${pattern}`,
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
      const hostPid = await waitFor(() => childrenOf(o.child.pid ?? -1)[0], 5000, 'the helper under nsenter');
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
