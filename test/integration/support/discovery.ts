// Shared by the discovery integration tests: run the built CLI, compile the seed's C programs, start
// process groups that are always torn down (SIGKILL to the group, then wait until no member is left).
import { execFileSync, spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupMembers, repoRoot } from '../../../bench/load';
import type { Snapshot } from '../../../shared/core/types';
import { asUser } from './asUser';

export const PIDNS_JS = join(repoRoot(), 'dist', 'pidns.js');

export function requireBuilt(): void {
  if (!existsSync(PIDNS_JS)) throw new Error(`${PIDNS_JS} is missing: run 'node scripts/build.mjs' first`);
}

export interface RunAs {
  uid: number;
  gid: number;
}

/** `node dist/pidns.js ARGS`, optionally as another user (setpriv, no supplementary groups). */
export function runPidns(args: string[], as?: RunAs): SpawnSyncReturns<string> {
  const argv = [process.execPath, PIDNS_JS, ...args];
  const full = as ? asUser(as, argv) : argv;
  return spawnSync(full[0], full.slice(1), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
}

export function snapshotJson(as?: RunAs): Snapshot {
  const r = runPidns(['snapshot', '--json'], as);
  if (r.status !== 0) throw new Error(`pidns snapshot --json exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Snapshot;
}

/** Compile test/fixtures/seed/NAME.c into a fresh temp dir; returns the binary path and a cleanup. */
export function compileSeed(name: string): { bin: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pidns-seed-'));
  const bin = join(dir, name);
  execFileSync(process.env.CC || 'cc', ['-O2', '-o', bin, join(repoRoot(), 'test', 'fixtures', 'seed', `${name}.c`)], { stdio: 'inherit' });
  return { bin, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface Group {
  pgid: number;
  child: ChildProcess;
  /** SIGKILL the whole group (every namespace level, since each init dies) and wait until it is gone. */
  stop(): Promise<void>;
}

/** Start argv as the leader of a new process group (so one kill reaches every descendant, in any namespace). */
export function startGroup(argv: string[], opts: { uid?: number; gid?: number } = {}): Group {
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', 'ignore', 'pipe'], uid: opts.uid, gid: opts.gid });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`cannot start ${argv[0]}`);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    pgid,
    child,
    async stop() {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
      await waitFor(() => groupMembers(pgid).length === 0, 10_000, `process group ${pgid} to exit (stderr: ${stderr})`);
    },
  };
}

/** `/proc0`…`/proc9` directories: the seed's multi_pidns creates them in / (the mounts stay in its private mount namespace). */
export function seedProcDirs(): Set<string> {
  return new Set(readdirSync('/').filter((n) => /^proc\d$/.test(n)));
}

/** Remove the /procN directories that were not there before (empty once the private mount namespace died). */
export function removeNewProcDirs(before: Set<string>): void {
  for (const name of seedProcDirs()) if (!before.has(name)) rmdirSync(`/${name}`);
}
