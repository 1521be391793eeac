// Facts about where the helper runs that decide how a chain is built: how deep we already are, whether we
// may create PID namespaces directly (CAP_SYS_ADMIN) or need a user namespace first, which native init
// binary to use.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { nestingLevel, nestingLevelFromStatus } from '../../../shared/core/chainReport';

const CAP_SYS_ADMIN = 21;

/** Our own PID namespace level (0 on the host): from NSpid, at least 1 outside the initial namespace. */
export function ownNestingLevel(): number {
  return nestingLevel(nestingLevelFromStatus(readFileSync('/proc/self/status', 'utf8')), statSync('/proc/self/ns/pid').ino);
}

/** Whether we hold CAP_SYS_ADMIN in our user namespace: then unshare(CLONE_NEWPID) works without a user namespace. */
export function canCreateDirectly(): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m !== null && (BigInt(`0x${m[1]}`) & (1n << BigInt(CAP_SYS_ADMIN))) !== 0n;
}

/**
 * Where dist/native/pidns-init is: next to the running bundle (dist/pidns.js → dist/native/), or, for the
 * transpiled files under out/, in the repository's dist/. Null if there is none.
 */
export function findNativeInit(): string | null {
  const candidates: string[] = [];
  if (process.argv[1]) candidates.push(join(dirname(process.argv[1]), 'native', 'pidns-init'));
  for (let dir = __dirname, i = 0; i < 6; i++, dir = resolve(dir, '..')) candidates.push(join(dir, 'dist', 'native', 'pidns-init'));
  for (const path of candidates) {
    try {
      if (!existsSync(path)) continue;
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not executable for us: try the next one
    }
  }
  return null;
}

const runnable = new Map<string, boolean>();

/** Can this machine run the binary (right architecture, loader present)? Asked once: usage exits 2. */
export function nativeInitRuns(path: string): boolean {
  let ok = runnable.get(path);
  if (ok === undefined) {
    const r = spawnSync(path, [], { stdio: 'ignore', timeout: 2000 });
    ok = r.error === undefined && r.status === 2;
    runnable.set(path, ok);
  }
  return ok;
}
