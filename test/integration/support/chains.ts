// Shared pieces of the create tests: run `pidns create` as a child, wait for its ready line, and prove
// afterwards that nothing of a chain is left: no process, no mount namespace, no proc mount in ours.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { exists, procRef, startTimeAt, type ProcRef } from '../../../helper-native/src/demo/procView';
import { pidnsBundle } from './nativeTools';
import { asUser as asUserArgv } from './asUser';

export interface ReadyLine {
  event: 'ready';
  levels: { level: number; ns: number; init: number }[];
  leaf: number;
}

export interface CliRun {
  child: ChildProcess;
  /** Every JSON line printed so far. */
  events: Record<string, unknown>[];
  ready: Promise<ReadyLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** A process group of our own so that cleanup can kill everything the CLI started, whatever happened. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/** Start `pidns create ARGS --json`, optionally as another user; killed (process group) when the test ends. */
export function runCreate(t: TestContext, args: string[], asUser?: { uid: number; gid: number }, env: Record<string, string> = {}): CliRun {
  const argv = [pidnsBundle(), 'create', '--json', ...args];
  // Run as ourselves unless a test says otherwise, even when the suite itself was started through sudo.
  const base = { ...process.env };
  delete base.SUDO_UID;
  delete base.PKEXEC_UID;
  const opts = { detached: true, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[], env: { ...base, ...env } };
  const [cmd, ...rest] = asUser ? asUserArgv(asUser, [process.execPath, ...argv]) : [process.execPath, ...argv];
  const child = spawn(cmd, rest, asUser ? { ...opts, cwd: '/' } : opts);
  t.after(() => killGroup(child));
  const events: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  const ready = new Promise<ReadyLine>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const e = JSON.parse(line) as Record<string, unknown>;
      events.push(e);
      if (e.event === 'ready') resolve(e as unknown as ReadyLine);
    });
    void exited.then((r) => reject(new Error(`pidns create exited before ready: code ${r.code} signal ${r.signal}: ${r.stderr}`)));
  });
  return { child, events, ready, exited };
}

export function nspidOf(pid: number): number[] {
  const m = /^NSpid:\s*([\d\s]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? m[1].trim().split(/\s+/).map(Number) : [];
}

export function statusField(pid: number, key: string): string {
  const m = new RegExp(`^${key}:[ \\t]*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? m[1].trim() : '';
}

export function nsInode(pid: number | 'self', type: 'pid' | 'mnt'): number {
  const m = /\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${type}`));
  return m ? Number(m[1]) : -1;
}

/** PID namespaces `lsns -t pid` lists: inode → parent namespace inode (PNS). */
export function lsnsPidNamespaces(): Map<number, number> {
  const out = execFileSync('lsns', ['-t', 'pid', '-n', '-o', 'NS,PNS'], { encoding: 'utf8' });
  return new Map(
    out
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]),
  );
}

// A process by PID and start time, so that a PID reused later (pid_max is 32768 here) is not mistaken for it.
export { procRef, type ProcRef } from '../../../helper-native/src/demo/procView';

/** The process no longer exists (not even as a zombie); a reused PID does not count as it. */
export function isGone(p: ProcRef): boolean {
  return !exists(p);
}

/** Now, in the clock ticks of start times (USER_HZ is 100 on Linux). */
function ticksNow(): number {
  return Math.ceil(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 100);
}

/**
 * Processes in one of `mnts` that started no later than `before`: later ones are in a namespace that only
 * reuses an inode number of ours (other tests churn namespaces on this machine), so they are not ours.
 */
function processesIn(mnts: Set<number>, before: number): string[] {
  const found: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const mnt = Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${name}/ns/mnt`))![1]);
      const start = startTimeAt('/proc', Number(name));
      if (mnts.has(mnt) && start !== undefined && start <= before) found.push(`${name} (mnt ${mnt})`);
    } catch {
      // exited, or a kernel thread / another user's process we may not read
    }
  }
  return found;
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface ChainTrace {
  /** Each level's init with its start time: a PID reused by someone else later is not ours. */
  procs: ProcRef[];
  mountNamespaces: number[];
  procMounts: string[];
  tracedAt: number;
}

/** Our proc mounts (mount id and mount point from mountinfo). */
export function procMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => / - proc /.test(l))
    .map((l) => `${l.split(' ')[0]} ${l.split(' ')[4]}`);
}

/** What to look for after teardown: every level's init, their (private) mount namespaces, our proc mounts. */
export function traceChain(levels: { init: number }[], mountsBefore: string[]): ChainTrace {
  const ours = nsInode('self', 'mnt');
  const mnts = levels.map((l) => nsInode(l.init, 'mnt')).filter((m) => m !== ours);
  return { procs: levels.map((l) => procRef(l.init)), mountNamespaces: mnts, procMounts: mountsBefore, tracedAt: ticksNow() };
}

/** A sub-trace: levels from index `from` on. */
export function traceFrom(trace: ChainTrace, from: number): ChainTrace {
  return { ...trace, procs: trace.procs.slice(from), mountNamespaces: trace.mountNamespaces.slice(from) };
}

/**
 * Nothing of the chain remains: no process of any level (not even a zombie: the reaper may be the VM's
 * init, so allow it a moment), no process left in its mount namespaces, and no proc mount added to ours.
 */
export async function assertNothingRemains(trace: ChainTrace): Promise<void> {
  const alive = () => trace.procs.filter((p) => !isGone(p)).map((p) => p.pid);
  await waitFor(`levels gone (left: ${alive().join(',')})`, () => alive().length === 0);
  assert.deepEqual(
    processesIn(new Set(trace.mountNamespaces), trace.tracedAt),
    [],
    "no process may remain in the chain's mount namespaces",
  );
  const added = procMounts().filter((m) => !trace.procMounts.includes(m));
  assert.deepEqual(added, [], 'no proc mount may leak into our mount namespace');
}

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

/** A throwaway non-root account for this test (useradd), removed (userdel) when the test ends. */
export function withTestUser(t: TestContext, name = 'pidns-create-test'): TestUser {
  try {
    execFileSync('userdel', [name], { stdio: 'ignore' }); // a leftover of a killed run
  } catch {
    // there was none
  }
  execFileSync('useradd', ['-M', '-N', '-g', 'nogroup', '-G', 'users', '-s', '/usr/sbin/nologin', name], { stdio: 'pipe' });
  // -f: the account goes even if a process of it is still being killed by another after-hook
  t.after(() => void spawnSync('userdel', ['-f', name], { stdio: 'ignore' }));
  const [uid, gid] = execFileSync('id', ['-u', name], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .concat(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { name, uid: Number(uid), gid: Number(gid) };
}
