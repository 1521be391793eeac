// Owns every chain of nested PID namespaces this process created: builds them (native init, or the
// util-linux fallback), keeps a pidfd on each level's init, tears them down completely and proves it, and
// reports when a chain ends on its own. Used in-process by `pidns create` and by the helper's create ops.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ChainExitedEvent, ChainInfo, ChainLevel } from '../../../shared/helperProtocol';
import { depthProblem, roomBelow, statusText } from '../../../shared/core/chainReport';
import { HelperError } from '../helperError';
import { closePidfd, pidfdExited, pidfdOpen, pidfdSendSignal, pidfdWaitExit } from '../sys/pidfd';
import type { ChainSpec, EngineListener, ExitReason, RunningChain } from './engine';
import { startNativeChain } from './nativeEngine';
import { readIdentity } from './processCheck';
import { runAsFor } from '../identity/runAs';
import { canCreateDirectly, findNativeInit, nativeInitRuns, ownNestingLevel } from './runtime';
import { startUnshareChain } from './unshareEngine';
import { validateCommand } from './validateCommand';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface ChainManagerOptions {
  /** Path of the native init; undefined: look for dist/native/pidns-init; null: always use the fallback. */
  initPath?: string | null;
  leafStdio?: ChainSpec['leafStdio'];
  log?: LogFn;
  /** Chains alive at once (limit chains-per-helper). */
  maxChains?: number;
  /** Orphans alive at once in one chain (limit orphans-per-chain). */
  maxOrphans?: number;
}

export interface CreateParams {
  depth: number;
  mountProc?: boolean;
  command?: string[];
}

export interface Progress {
  chainId: string;
  ready: number;
  depth: number;
}

interface Tracked {
  info: ChainInfo;
  running: RunningChain;
  /** pidfd per level init (index = level - 1), opened once the chain is ready. */
  fds: number[];
  userns: boolean;
  /** Every process we started for this chain (anchor, level inits, orphans): PID → start time. */
  ours: Map<number, number>;
  /** The orphans among them, for the orphans-per-chain limit. */
  orphans: Map<number, number>;
  ended: Promise<void>;
  /** False until create() has taken its snapshot: levels lost before that are applied after it. */
  delivered: boolean;
  pendingGone: [number, number][];
}

const DESTROY_GRACE_MS = 2000;
const MAX_CHAINS = 16;
const MAX_ORPHANS = 32;

export class ChainManager extends EventEmitter<{ chainExited: [ChainExitedEvent, number]; levelsGone: [string, number, number] }> {
  private readonly chains = new Map<string, Tracked>();
  private readonly log: LogFn;
  private readonly initPath: string | null;
  private seq = 0;

  constructor(private readonly opts: ChainManagerOptions = {}) {
    super();
    this.log = opts.log ?? (() => undefined);
    const path = opts.initPath === undefined ? findNativeInit() : opts.initPath;
    this.initPath = path !== null && nativeInitRuns(path) ? path : null;
  }

  /** The native init in use, or null when chains are built with the slower unshare fallback. */
  get nativeInit(): string | null {
    return this.initPath;
  }

  list(): ChainInfo[] {
    return [...this.chains.values()].map((c) => structuredClone(c.info));
  }

  /** Build a chain; resolves once every level is ready. The leaf runs as `actingUid`. */
  async create(params: CreateParams, actingUid: number, onProgress?: (p: Progress) => void): Promise<ChainInfo> {
    const max = this.opts.maxChains ?? MAX_CHAINS;
    if (this.chains.size >= max)
      throw new HelperError('limit', `at most ${max} chains at a time (limit chains-per-helper); destroy one first`);
    const spec = this.specFor(params, actingUid);
    const chainId = `chain-${++this.seq}-${randomBytes(3).toString('hex')}`;
    const levels: ChainLevel[] = [];
    let endedResolve!: () => void;
    const ended = new Promise<void>((r) => (endedResolve = r));
    const listener = this.listenerFor(chainId, levels, spec, endedResolve, onProgress);
    if (this.initPath === null)
      this.log(
        'warn',
        'native init not available: building the chain with util-linux unshare (slower: about 30 ms per level instead of well under 1 ms)',
      );
    const running = this.initPath !== null ? startNativeChain(this.initPath, spec, listener) : startUnshareChain(spec, listener);
    const info: ChainInfo = {
      chainId,
      depth: spec.depth,
      mountProc: spec.mountProc,
      levels,
      leaf: 0,
      uid: spec.runAs?.uid ?? process.geteuid?.() ?? 0,
      engine: running.engine,
    };
    const tracked: Tracked = {
      info,
      running,
      fds: [],
      userns: spec.userns,
      ours: new Map(),
      orphans: new Map(),
      ended,
      delivered: false,
      pendingGone: [],
    };
    this.chains.set(chainId, tracked);
    try {
      info.leaf = await running.ready;
      tracked.fds = this.openLevelFds(levels);
      for (const pid of [running.anchorPid, ...levels.map((l) => l.init)]) this.remember(tracked, pid);
    } catch (err) {
      running.kill();
      await ended;
      throw err;
    }
    const result = structuredClone(info);
    // A leaf that ended at once (e.g. `-- true`) is reported after the ready result, not folded into it.
    tracked.delivered = true;
    setImmediate(() => this.flushGone(tracked));
    return result;
  }

  private flushGone(c: Tracked): void {
    for (const [level, status] of c.pendingGone.splice(0)) this.levelsGone(c.info.chainId, level, status);
  }

  private specFor(params: CreateParams, actingUid: number): ChainSpec {
    const callerLevel = ownNestingLevel();
    const problem = depthProblem(params.depth, callerLevel);
    if (problem !== null) throw new HelperError(params.depth > roomBelow(callerLevel) ? 'limit' : 'bad-request', problem);
    if (params.command !== undefined) validateCommand(params.command);
    // As root for someone else (pkexec/sudo), the leaf runs as that user, never as root: with CAP_SYS_ADMIN
    // the leaf switches after the levels are built; without it the whole chain runs as the user in a user
    // namespace of theirs. runAsFor throws when the user's identity cannot be had in full.
    const runAs = runAsFor(actingUid) ?? undefined;
    return {
      depth: params.depth,
      mountProc: params.mountProc ?? true,
      command: params.command,
      runAs,
      userns: !canCreateDirectly(),
      leafStdio: this.opts.leafStdio ?? 'ignore',
    };
  }

  private listenerFor(
    chainId: string,
    levels: ChainLevel[],
    spec: ChainSpec,
    ended: () => void,
    onProgress?: (p: Progress) => void,
  ): EngineListener {
    return {
      level: (l) => {
        levels.push(l);
        onProgress?.({ chainId, ready: levels.length, depth: spec.depth });
      },
      gone: (level, status) => this.levelsGone(chainId, level, status),
      exit: (reason, status, message) => {
        this.chainEnded(chainId, reason, status, message);
        ended();
      },
      log: (line) => this.log('info', `[${chainId}] ${line}`),
    };
  }

  /** Levels `level`..depth died (someone killed that level's init); the ones above live on. */
  private levelsGone(chainId: string, level: number, status: number): void {
    const c = this.chains.get(chainId);
    if (!c) return;
    if (!c.delivered) {
      c.pendingGone.push([level, status]);
      return;
    }
    c.info.levels = c.info.levels.filter((l) => l.level < level);
    c.info.leaf = 0;
    this.log('info', `[${chainId}] level ${level} and below are gone (its init ended: ${statusText(status)})`);
    this.emit('levelsGone', chainId, level, status);
  }

  private chainEnded(chainId: string, reason: ExitReason, status: number, message?: string): void {
    const c = this.chains.get(chainId);
    if (!c) return;
    if (c.delivered) this.flushGone(c); // in order: levels gone, then the chain
    this.chains.delete(chainId);
    for (const fd of c.fds) closePidfd(fd);
    const text = message ?? (reason === 'leaf-exited' ? `the leaf command ended (${statusText(status)})` : undefined);
    const event: ChainExitedEvent = { type: 'event', event: 'chainExited', chainId, reason };
    if (text !== undefined) event.message = text;
    this.emit('chainExited', event, status); // status: the leaf's exit code (or 128+signal) for 'leaf-exited'
  }

  /**
   * One pidfd per level init, opened right after the init reported itself. A level already gone (a leaf
   * command that ended at once) gets none: it is reaped, so there is nothing left of it to verify.
   */
  private openLevelFds(levels: ChainLevel[]): number[] {
    const fds: number[] = [];
    for (const l of levels) {
      try {
        fds.push(pidfdOpen(l.init));
      } catch {
        this.log('debug', `level ${l.level}'s init ${l.init} ended before it could be watched`);
      }
    }
    return fds;
  }

  /** Tear a chain down and verify that every level's init (hence every process of it) is gone. */
  async destroy(chainId: string): Promise<void> {
    const c = this.chains.get(chainId);
    if (!c) throw new HelperError('not-found', `no chain '${chainId}' (it may have ended already)`);
    // Take the pidfds over from the exit handler: they must outlive the exit to prove the teardown.
    const fds = c.fds;
    c.fds = [];
    try {
      c.running.terminate();
      if (!(await withTimeout(c.ended, DESTROY_GRACE_MS))) {
        this.log('warn', `[${chainId}] no clean exit after ${DESTROY_GRACE_MS} ms: SIGKILL`);
        for (const fd of fds) trySignal(fd, 9);
        c.running.kill();
        await c.ended;
      }
      await verifyGone(chainId, fds);
    } finally {
      for (const fd of fds) closePidfd(fd);
    }
  }

  async destroyAll(): Promise<void> {
    await Promise.all([...this.chains.keys()].map((id) => this.destroy(id).catch((err: Error) => this.log('error', err.message))));
  }

  /** Internal lookup for the signal and orphan operations. */
  chainState(chainId: string): { info: ChainInfo; userns: boolean } | undefined {
    const c = this.chains.get(chainId);
    return c && { info: c.info, userns: c.userns };
  }

  /** The start time we recorded for a process of this chain (its anchor, a level's init, an orphan), if any. */
  startTimeOf(chainId: string, pid: number): number | undefined {
    return this.chains.get(chainId)?.ours.get(pid);
  }

  /** Throws the orphans-per-chain limit when that many orphans of the chain are still alive. */
  checkOrphanRoom(chainId: string): void {
    const c = this.chains.get(chainId);
    if (!c) return;
    for (const [pid, start] of c.orphans) if (!alive(pid, start)) c.orphans.delete(pid);
    const max = this.opts.maxOrphans ?? MAX_ORPHANS;
    if (c.orphans.size >= max) {
      throw new HelperError(
        'limit',
        `chain '${chainId}' already has ${c.orphans.size} orphans alive, at most ${max} (limit orphans-per-chain); wait until they are reaped`,
      );
    }
  }

  /** Note an orphan we started for a chain, by PID and start time. */
  adoptOrphan(chainId: string, pid: number): void {
    const c = this.chains.get(chainId);
    if (!c) return;
    this.remember(c, pid);
    const start = c.ours.get(pid);
    if (start !== undefined) c.orphans.set(pid, start);
  }

  private remember(c: Tracked, pid: number): void {
    try {
      c.ours.set(pid, readIdentity(pid).startTime);
    } catch {
      // already gone: nothing to remember
    }
  }

  /**
   * Whether (pid, startTime) is a process we created: an anchor, a level's init (the leaf is one) or an
   * orphan. The start time keeps a PID that was recycled after ours died from passing as ours.
   */
  created(pid: number, startTime: number): boolean {
    for (const c of this.chains.values()) if (c.ours.get(pid) === startTime) return true;
    return false;
  }
}

/** Is (pid, startTime) still that process? */
function alive(pid: number, startTime: number): boolean {
  try {
    return readIdentity(pid).startTime === startTime;
  } catch {
    return false;
  }
}

function trySignal(fd: number, sig: number): void {
  try {
    pidfdSendSignal(fd, sig);
  } catch {
    // exited meanwhile
  }
}

async function withTimeout(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function verifyGone(chainId: string, fds: number[]): Promise<void> {
  for (const fd of fds) {
    if (pidfdExited(fd)) continue;
    if (!(await pidfdWaitExit(fd, 1000)))
      throw new HelperError('failed', `chain '${chainId}': a level's init is still alive after teardown`);
  }
}
