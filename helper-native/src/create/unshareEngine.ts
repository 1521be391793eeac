// The slow fallback when the native init cannot run: a nest of util-linux `unshare --pid --fork` processes,
// each level's PID 1 being the next `unshare`, the innermost exec'ing the leaf. The chain is found by walking
// /proc/PID/task/PID/children down from the process we spawned.
// Differences from the native engine, by construction of `unshare`: killing a middle level's init makes the
// `unshare` above it exit too, so the whole chain goes (not just that level and the ones below).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ChainLevel } from '../../../shared/helperProtocol';
import type { ResourceLimit } from '../../../shared/core/procLimits';
import type { RunAs } from '../identity/runAs';
import { HelperError } from '../helperError';
import { closePidfd, pidfdOpen, pidfdSendSignal } from '../sys/pidfd';
import type { ChainSpec, EngineListener, RunningChain } from './engine';
import { boundedLines } from './nativeEngine';

const READY_TIMEOUT_MS = 10_000;
const POLL_MS = 2;

/** prlimit(1)'s option for a resource limit (its names are getrlimit's, lower case). */
function prlimitOption(l: ResourceLimit): string {
  const v = (x: ResourceLimit['soft']): string => (x === 'inf' ? 'unlimited' : String(x));
  return `--${l.resource.toLowerCase()}=${v(l.soft)}:${v(l.hard)}`;
}

/** setpriv(1) switching to the user for good: uid, gid, every group, and no new privileges past it. */
function setprivAs(r: RunAs): string[] {
  const groups = r.groups.length > 0 ? `--groups=${r.groups.join(',')}` : '--clear-groups';
  return ['setpriv', `--reuid=${r.uid}`, `--regid=${r.gid}`, groups, '--no-new-privs', '--'];
}

export function unshareArgv(spec: ChainSpec): string[] {
  const r = spec.runAs;
  // As root for a user: the user's limits first (lowering needs no privilege). In a user namespace the
  // switch to the user comes before it, so the namespace is the user's and its root is the user's uid.
  const argv = r && r.limits.length > 0 ? ['prlimit', ...r.limits.map(prlimitOption), '--'] : [];
  if (r && spec.userns) argv.push(...setprivAs(r));
  // setpriv gives the top `unshare` a parent-death signal; --kill-child gives every level's init one.
  argv.push('setpriv', '--pdeathsig', 'KILL', '--');
  for (let level = 1; level <= spec.depth; level++) {
    argv.push('unshare', '--pid', '--kill-child');
    if (level === 1 && spec.userns) argv.push('--user', '--map-root-user');
    if (spec.mountProc) argv.push('--mount-proc');
    argv.push('--');
  }
  if (r && !spec.userns) argv.push(...setprivAs(r));
  argv.push(...(spec.command ?? ['sleep', 'infinity']));
  return argv;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Has the innermost level exec'd the leaf: no longer `unshare`, and (when dropping) setpriv has switched uid? */
function leafHasStarted(pid: number, uid: number | undefined): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const name = /^Name:\s*(.*)$/m.exec(status)?.[1];
    const euid = Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1]);
    return name !== 'unshare' && (uid === undefined || euid === uid);
  } catch {
    return false;
  }
}

/** The levels found so far below `anchor`, and whether the innermost has exec'd the leaf. */
function discover(anchor: number, depth: number, uid: number | undefined): { levels: ChainLevel[]; leafStarted: boolean } {
  const levels: ChainLevel[] = [];
  let pid = anchor;
  for (let level = 1; level <= depth; level++) {
    const next = childrenOf(pid)[0];
    if (next === undefined) break;
    try {
      levels.push({ level, ns: statSync(`/proc/${next}/ns/pid`).ino, init: next });
    } catch {
      break;
    }
    pid = next;
  }
  const leafStarted = levels.length === depth && leafHasStarted(levels[depth - 1].init, uid);
  return { levels, leafStarted };
}

export function startUnshareChain(spec: ChainSpec, listener: EngineListener): RunningChain {
  const [cmd, ...args] = unshareArgv(spec);
  const io = spec.leafStdio === 'inherit' ? 'inherit' : 'ignore';
  const home = spec.runAs?.home;
  const child = spawn(cmd, args, {
    env: spec.runAs?.env,
    cwd: home === undefined ? undefined : existsSync(home) ? home : '/',
    stdio: [io, io, spec.leafStdio === 'inherit' ? 'inherit' : 'pipe'],
  });
  if (child.stderr) boundedLines(child.stderr, (line) => listener.log(line));
  let topFd: number | undefined;
  let destroying = false;
  let isReady = false;
  let closed = false;

  const ready = new Promise<number>((resolve, reject) => {
    const started = Date.now();
    let reported = 0;
    const tick = (): void => {
      if (closed) return reject(new HelperError('failed', 'unshare exited before the chain was ready (see the log)'));
      const { levels, leafStarted } = discover(child.pid ?? -1, spec.depth, spec.userns ? undefined : spec.runAs?.uid);
      if (topFd === undefined && levels.length > 0) topFd = pidfdOpen(levels[0].init);
      const complete = leafStarted ? levels.length : levels.length - 1; // a level counts once the next exists
      for (; reported < complete; reported++) listener.level(levels[reported]);
      if (leafStarted) {
        isReady = true;
        return resolve(levels[spec.depth - 1].init);
      }
      if (Date.now() - started > READY_TIMEOUT_MS)
        return reject(new HelperError('failed', `unshare chain not ready after ${READY_TIMEOUT_MS} ms`));
      setTimeout(tick, POLL_MS);
    };
    child.on('spawn', tick);
    child.on('error', (err) => reject(new HelperError('failed', `could not start ${cmd}: ${err.message}`)));
  });
  ready.catch(() => child.kill('SIGKILL'));

  child.on('close', (code, signal) => {
    closed = true;
    if (topFd !== undefined) closePidfd(topFd);
    const status = code ?? 128;
    const reason = destroying ? 'destroyed' : !isReady ? 'failed' : spec.command ? 'leaf-exited' : 'init-killed';
    listener.exit(reason, reason === 'destroyed' ? 0 : status, signal ? `unshare was killed by ${signal}` : undefined);
  });

  const killTop = (): void => {
    // SIGKILL to level 1's init takes every level with it; unshare itself ignores SIGTERM while it waits.
    try {
      if (topFd !== undefined) return pidfdSendSignal(topFd, 9);
    } catch {
      // already gone: the anchor's exit follows
    }
    child.kill('SIGKILL');
  };
  return {
    engine: 'unshare',
    anchorPid: child.pid ?? -1,
    ready,
    terminate: () => {
      destroying = true;
      killTop();
    },
    kill: () => void child.kill('SIGKILL'),
  };
}
