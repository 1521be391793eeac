// The init semantics the seed's last sections name, as operations: signal a process from an ancestor
// namespace or from inside its own (a PID 1 drops, from inside, every signal it has no handler for, even
// SIGKILL), and start an orphan inside a level so that level's init adopts and reaps it.
import { spawn } from 'node:child_process';
import type { OrphanRequest, SignalRequest } from '../../../shared/helperProtocol';
import { HelperError } from '../helperError';
import { closePidfd, pidfdOpen, pidfdSendSignal, PidfdError } from '../sys/pidfd';
import { runAsArgs, runAsFor } from '../identity/runAs';
import type { ChainManager } from './chainManager';
import { readIdentity, signalNumber } from './processCheck';
import { canCreateDirectly } from './runtime';

const ESRCH = 3;
const TOOL_TIMEOUT_MS = 5000;

/** Signal `req.pid` if we created it or it belongs (real and effective uid) to the acting user. */
export async function signalProcess(
  manager: ChainManager,
  req: Omit<SignalRequest, 'id' | 'op'>,
  actingUid: number,
): Promise<{ pid: number; signal: number }> {
  const sig = signalNumber(req.signal);
  const { fd, owner } = openChecked(manager, req.pid, req.startTime, actingUid);
  try {
    if (req.from === 'inside') await killFromInside(manager, fd, owner, sig, actingUid);
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
function openChecked(manager: ChainManager, pid: number, startTime: number | undefined, actingUid: number): { fd: number; owner: number } {
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch {
    throw new HelperError('not-found', `no process ${pid}`);
  }
  try {
    const who = readIdentity(pid);
    if (startTime !== undefined && who.startTime !== startTime) {
      throw new HelperError(
        'not-found',
        `process ${pid} is not the one meant (start time ${who.startTime}, expected ${startTime}): the PID was reused`,
      );
    }
    const owned = who.realUid === actingUid && who.effectiveUid === actingUid;
    if (!owned && !manager.created(pid, who.startTime)) {
      throw new HelperError(
        'not-permitted',
        `process ${pid} belongs to uid ${who.realUid}, and was not created by this helper: only uid ${actingUid}'s processes may be signalled`,
      );
    }
    return { fd, owner: who.realUid };
  } catch (err) {
    closePidfd(fd);
    throw err;
  }
}

/** The most a tool may print (it prints one short line); more is a broken tool, refused (limit tool-output). */
const MAX_TOOL_OUTPUT = 4096;

/**
 * Run the native init in one of its tool modes with the checked pidfd as its fd 3, and return its stdout.
 * The pidfd is what the tool acts on: the target is never looked up again by number.
 */
function runTool(path: string, args: string[], pidfd: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe', pidfd], timeout: TOOL_TIMEOUT_MS });
    let out = '';
    let err = '';
    const take = (add: string, into: string): string => {
      if (into.length + add.length > MAX_TOOL_OUTPUT) child.kill('SIGKILL');
      return (into + add).slice(0, MAX_TOOL_OUTPUT);
    };
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out = take(d, out)));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err = take(d, err)));
    child.on('error', (e) => reject(new HelperError('failed', `could not start ${path}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(out);
      const why = (err.trim().split('\n')[0] || (signal ? `killed by ${signal}` : `exit ${code}`)).slice(0, 300);
      reject(new HelperError('failed', `${path} ${args[0]} failed: ${why}`));
    });
  });
}

function nativeOrUnsupported(manager: ChainManager, what: string): string {
  if (manager.nativeInit === null)
    throw new HelperError('unsupported', `${what} needs the native init (dist/native/pidns-init), which is not available`);
  return manager.nativeInit;
}

/**
 * Signal the process behind `fd` from a process inside its own PID namespace. Root acting for a user signals
 * the user's own processes as the user, and only the processes it created itself (a chain's inits) as root.
 */
async function killFromInside(manager: ChainManager, fd: number, owner: number, sig: number, actingUid: number): Promise<void> {
  const path = nativeOrUnsupported(manager, 'a signal from inside the namespace');
  const runAs = owner === actingUid ? runAsFor(actingUid) : null;
  // Without CAP_SYS_ADMIN the target's namespaces belong to a user namespace of the user's: enter it too.
  const userns = !canCreateDirectly();
  const args = [
    'kill-inside',
    '--pidfd',
    '3',
    '--signal',
    String(sig),
    ...(userns ? ['--userns'] : []),
    ...(runAs ? runAsArgs(runAs) : []),
  ];
  const out = await runTool(path, args, fd);
  const m = /^sent (-?\d+) (\d+)/m.exec(out);
  if (!m || m[1] !== '0') throw new HelperError('failed', `kill from inside the namespace failed (errno ${m?.[2] ?? '?'})`);
}

/** Start an orphan in `level` of a chain; it is re-parented to that level's init, which reaps it when it exits. */
export async function makeOrphan(
  manager: ChainManager,
  req: Omit<OrphanRequest, 'id' | 'op'>,
  actingUid: number,
): Promise<{ pid: number; level: number }> {
  const chain = manager.chainState(req.chainId);
  if (!chain) throw new HelperError('not-found', `no chain '${req.chainId}'`);
  const level = chain.info.levels.find((l) => l.level === req.level);
  if (!level)
    throw new HelperError('not-found', `chain '${req.chainId}' has no live level ${req.level} (levels 1..${chain.info.levels.length})`);
  const path = nativeOrUnsupported(manager, 'creating an orphan');
  manager.checkOrphanRoom(req.chainId);
  const runAs = runAsFor(actingUid);
  const { fd } = openChecked(manager, level.init, manager.startTimeOf(req.chainId, level.init), actingUid);
  let out: string;
  try {
    const args = [
      'orphan',
      '--pidfd',
      '3',
      '--lifetime',
      String(req.lifetimeMs ?? 2000),
      ...(chain.userns ? ['--userns'] : []),
      ...(runAs ? runAsArgs(runAs) : []),
    ];
    out = await runTool(path, args, fd);
  } finally {
    closePidfd(fd);
  }
  const m = /^orphan (\d+)$/m.exec(out);
  if (!m) throw new HelperError('failed', `the orphan did not report its PID`);
  const pid = Number(m[1]);
  manager.adoptOrphan(req.chainId, pid);
  return { pid, level: req.level };
}
