// The init semantics the seed's last sections name, as operations: signal a process from an ancestor
// namespace or from inside its own (a PID 1 drops, from inside, every signal it has no handler for, even
// SIGKILL), and start an orphan inside a level so that level's init adopts and reaps it.
import { execFile } from 'node:child_process';
import type { OrphanRequest, SignalRequest } from '../../../shared/helperProtocol';
import { HelperError } from '../helperError';
import { closePidfd, pidfdOpen, pidfdSendSignal, PidfdError } from '../sys/pidfd';
import type { ChainManager } from './chainManager';
import { readIdentity, signalNumber } from './processCheck';
import { accountOf, canCreateDirectly } from './runtime';

const ESRCH = 3;
const TOOL_TIMEOUT_MS = 5000;

/** Signal `req.pid` if we created it or it belongs (real and effective uid) to the acting user. */
export async function signalProcess(manager: ChainManager, req: Omit<SignalRequest, 'id' | 'op'>, actingUid: number): Promise<{ pid: number; signal: number }> {
  const sig = signalNumber(req.signal);
  const fd = openChecked(manager, req.pid, req.startTime, actingUid);
  try {
    if (req.from === 'inside') await killFromInside(manager, req.pid, sig);
    else pidfdSendSignal(fd, sig);
  } catch (err) {
    if (err instanceof PidfdError && err.errno === ESRCH) throw new HelperError('not-found', `process ${req.pid} has exited`);
    throw err;
  } finally {
    closePidfd(fd);
  }
  return { pid: req.pid, signal: sig };
}

/**
 * A pidfd for `pid` after the permission check. The pidfd is opened first and the identity read after it:
 * if the PID was reused in between, the start time read belongs to the new process and fails the guard,
 * and if the old process died the pidfd cannot reach anyone else.
 */
function openChecked(manager: ChainManager, pid: number, startTime: number | undefined, actingUid: number): number {
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch {
    throw new HelperError('not-found', `no process ${pid}`);
  }
  try {
    const who = readIdentity(pid);
    if (startTime !== undefined && who.startTime !== startTime) {
      throw new HelperError('not-found', `process ${pid} is not the one meant (start time ${who.startTime}, expected ${startTime}): the PID was reused`);
    }
    const owned = who.realUid === actingUid && who.effectiveUid === actingUid;
    if (!owned && !manager.created(pid, who.startTime)) {
      throw new HelperError('not-permitted', `process ${pid} belongs to uid ${who.realUid}, and was not created by this helper: only uid ${actingUid}'s processes may be signalled`);
    }
    return fd;
  } catch (err) {
    closePidfd(fd);
    throw err;
  }
}

function runTool(path: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, args, { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new HelperError('failed', `${path} ${args[0]} failed: ${(stderr || err.message).trim().split('\n')[0]}`));
      else resolve(stdout);
    });
  });
}

function nativeOrUnsupported(manager: ChainManager, what: string): string {
  if (manager.nativeInit === null) throw new HelperError('unsupported', `${what} needs the native init (dist/native/pidns-init), which is not available`);
  return manager.nativeInit;
}

async function killFromInside(manager: ChainManager, pid: number, sig: number): Promise<void> {
  // Unprivileged, the target's namespaces belong to a user namespace we own: enter it too.
  const userns = !canCreateDirectly();
  if (manager.nativeInit === null) {
    // Fallback: util-linux nsenter forks into the target's PID namespace and runs procps kill there.
    const inner = readIdentity(pid).nspid.at(-1) ?? pid;
    const args = ['-t', String(pid), '-p', ...(userns ? ['-U', '--preserve-credentials'] : []), '--', 'kill', '-s', String(sig), String(inner)];
    await runTool('nsenter', args);
    return;
  }
  const args = ['kill-inside', '--target', String(pid), '--signal', String(sig), ...(userns ? ['--userns'] : [])];
  const out = await runTool(manager.nativeInit, args);
  const m = /^sent (-?\d+) (\d+)/m.exec(out);
  if (!m || m[1] !== '0') throw new HelperError('failed', `kill from inside the namespace failed (errno ${m?.[2] ?? '?'})`);
}

/** Start an orphan in `level` of a chain; it is re-parented to that level's init, which reaps it when it exits. */
export async function makeOrphan(manager: ChainManager, req: Omit<OrphanRequest, 'id' | 'op'>, actingUid: number): Promise<{ pid: number; level: number }> {
  const chain = manager.chainState(req.chainId);
  if (!chain) throw new HelperError('not-found', `no chain '${req.chainId}'`);
  const level = chain.info.levels.find((l) => l.level === req.level);
  if (!level) throw new HelperError('not-found', `chain '${req.chainId}' has no live level ${req.level} (levels 1..${chain.info.levels.length})`);
  const path = nativeOrUnsupported(manager, 'creating an orphan');
  const args = ['orphan', '--target', String(level.init), '--lifetime', String(req.lifetimeMs ?? 2000)];
  if (chain.userns) args.push('--userns');
  else if (actingUid !== (process.geteuid?.() ?? 0)) {
    const account = accountOf(actingUid);
    args.push('--uid', String(actingUid), '--gid', String(account.gid));
    if (account.groups.length > 0) args.push('--groups', account.groups.slice(0, 64).join(','));
  }
  const out = await runTool(path, args);
  const m = /^orphan (\d+)$/m.exec(out);
  if (!m) throw new HelperError('failed', `the orphan did not report its PID`);
  const pid = Number(m[1]);
  manager.adopt(req.chainId, pid);
  return { pid, level: req.level };
}
