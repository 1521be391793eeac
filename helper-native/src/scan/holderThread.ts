// The per-process half of a full holder pass (nsHolders.ts: every process's fds and mount namespace) shared
// with a second thread, beside the process pass. A cold snapshot is both passes over every /proc/PID, one
// after the other; the holder half is about 40% of it (57 of 135 ms at 3,400 processes here) and `lsns -t
// pid`, the anchor, makes only the process half. The two need nothing from each other until the end, so a
// full pass starts the worker on the holder half and then makes the process pass; when that is done the
// caller takes what is left of the holder half too, in chunks (an atomic cursor over the job's PIDs): the
// pass ends when both threads are out of chunks. With the second core free that is the longer of the two
// halves; with the worker slow (still starting, or its core busy with other work) the caller reads what it
// has not reached, so the pass is never much slower than in one thread.
//
// The worker is the module's own file (in a bundle, the bundle: dist/pidns.js), run again with a role in its
// workerData; no other file is loaded, so a root helper runs nothing the installed-path check has not seen.
// The entry that enables it (enableHolderThread) must not start its main program on a worker thread.
// The API stays synchronous (Poller.poll, takeSnapshot): the caller blocks in Atomics.wait for the worker's
// last chunk and takes its answer with receiveMessageOnPort. Whatever goes wrong (the worker failed or hung)
// the caller reads what it lacks itself, so the result never depends on the thread.
import { MessageChannel, type MessagePort, Worker, isMainThread, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { readRefs, type ProcRefs } from './nsHolders';
import { listPids } from './procFiles';

const ROLE = 'pidns-holder-refs';
/**
 * Below this many processes the holder half is under ~25 ms, and a thread's start (~50 ms to load
 * dist/pidns.js and koffi again) and hand-off do not pay for themselves.
 */
export const PARALLEL_MIN_PROCESSES = 1500;
/** An idle worker ends after this long: it costs a V8 isolate's memory while it lives. */
const IDLE_MS = 30_000;
/** A worker that has not answered after this long is given up (and ended); the caller reads the refs itself. */
const JOIN_TIMEOUT_MS = 5_000;

/** PIDs a thread takes from the cursor at a time: ~0.5 ms of reads, so the last chunk keeps no one waiting. */
const CHUNK = 32;

interface Job {
  id: number;
  procRoot: string;
  skipPid: number;
  /** Shared: [0] the cursor (next index to take), [1…] the PIDs. */
  work: Int32Array;
}

/** Reads chunks of the job's PIDs until the cursor passes the end; the refs into `out`. */
function takeChunks(job: Job, out: ProcRefs): void {
  const n = job.work.length - 1;
  for (;;) {
    const at = Atomics.add(job.work, 0, CHUNK);
    if (at >= n) return;
    addRefs(out, readRefs(job.procRoot, job.work.subarray(1 + at, 1 + Math.min(n, at + CHUNK)), job.skipPid));
  }
}

function addRefs(to: ProcRefs, from: ProcRefs): void {
  for (const pid of from.pids) to.pids.push(pid);
  for (const m of from.mnt) to.mnt.push(m);
  for (const x of from.fdRefs) to.fdRefs.push(x);
  to.fds += from.fds;
}

function noRefs(): ProcRefs {
  return { pids: [], mnt: [], fdRefs: [], fds: 0 };
}

type Answer = { id: number; refs: ProcRefs } | { id: number; error: string };

/** Shared with the worker: [0] the id of the last job it answered; [1] the last job claimed, +id by the worker, -id by the caller (claim). */
const ANSWERED = 0;
const CLAIMED = 1;

/**
 * Job `id` for the worker (`who` 1) or the caller (-1): true for the first to ask, false once either has it.
 * Job ids only grow, so a claim of a later job also settles every earlier one (a stale job is skipped).
 */
function claim(state: Int32Array, id: number, who: 1 | -1): boolean {
  for (;;) {
    const cur = Atomics.load(state, CLAIMED);
    if (Math.abs(cur) >= id) return false;
    if (Atomics.compareExchange(state, CLAIMED, cur, who * id) === cur) return true;
  }
}

class HolderThread {
  private readonly state = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private readonly answers: MessagePort;
  private nextId = 1;
  private idle: NodeJS.Timeout | undefined;
  dead = false;
  /** True once the worker serves, false if it failed or ended first. */
  readonly ready: Promise<boolean>;

  constructor(
    file: string,
    private readonly joinTimeoutMs: number,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.answers = port1;
    this.answers.unref(); // read with receiveMessageOnPort only: it must not keep a CLI's process alive
    this.worker = new Worker(file, { workerData: { role: ROLE, state: this.state, port: port2 }, transferList: [port2] });
    this.worker.unref();
    this.ready = new Promise((resolve) => {
      this.worker.once('message', () => resolve(true));
      this.worker.once('error', () => resolve(false));
      this.worker.once('exit', () => resolve(false));
    });
    this.worker.on('error', () => this.end());
    this.worker.on('exit', () => this.end());
    this.idleFromNow();
  }

  private idleFromNow(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.end(), IDLE_MS);
    this.idle.unref();
  }

  begin(procRoot: string, skipPid: number, pids: readonly number[]): Job {
    clearTimeout(this.idle);
    const work = new Int32Array(new SharedArrayBuffer(4 * (pids.length + 1)));
    work.set(pids, 1);
    const job: Job = { id: this.nextId++, procRoot, skipPid, work };
    this.worker.postMessage(job);
    return job;
  }

  /**
   * The job's refs: the caller reads the chunks the worker has not taken, then adds the worker's. What is
   * missing when the worker failed or hung (the chunks it took) the holder pass reads itself.
   */
  join(job: Job): ProcRefs {
    try {
      const own = noRefs();
      takeChunks(job, own);
      // The worker never began it (still starting, most often): it skips the job when it gets to it.
      if (claim(this.state, job.id, -1)) return own;
      // It began: it is reading its last chunk, or done.
      const deadline = performance.now() + this.joinTimeoutMs;
      for (let seen = Atomics.load(this.state, ANSWERED); seen < job.id; seen = Atomics.load(this.state, ANSWERED)) {
        const left = deadline - performance.now();
        if (left <= 0) {
          this.end();
          return own;
        }
        Atomics.wait(this.state, ANSWERED, seen, left);
      }
      for (let m = receiveMessageOnPort(this.answers); m !== undefined; m = receiveMessageOnPort(this.answers)) {
        const a = m.message as Answer;
        if (a.id !== job.id) continue; // a job it skipped or that was given up on
        if ('refs' in a) {
          addRefs(own, a.refs);
          own.byWorker = a.refs.pids.length;
        }
        break;
      }
      return own;
    } finally {
      this.idleFromNow();
    }
  }

  end(): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.idle);
    this.answers.close();
    void this.worker.terminate();
  }
}

export interface HolderThreadOptions {
  /** The script the worker runs: this module's own file by default (see the top). */
  file?: string;
  /** Passes over fewer processes read their refs themselves (PARALLEL_MIN_PROCESSES by default). */
  minProcesses?: number;
  /** How long a pass waits for a serving worker's answer before it reads the refs itself. */
  joinTimeoutMs?: number;
}

let enabled: Required<HolderThreadOptions> | undefined;
let thread: HolderThread | undefined;

/**
 * Lets full passes use a worker thread (off unless called: only an entry that keeps its main program off
 * worker threads may, see the top). A worker already running is ended: the next pass starts one as told.
 */
export function enableHolderThread(opts: HolderThreadOptions = {}): void {
  enabled = {
    file: opts.file ?? __filename,
    minProcesses: opts.minProcesses ?? PARALLEL_MIN_PROCESSES,
    joinTimeoutMs: opts.joinTimeoutMs ?? JOIN_TIMEOUT_MS,
  };
  if (thread !== undefined) {
    thread.end();
    thread = undefined;
  }
}

/** Back to reading in the caller's thread (tests); ends the worker. */
export function disableHolderThread(): void {
  enabled = undefined;
  thread?.end();
  thread = undefined;
}

/** A job begun beside a pass; `join` gives its refs or null (read them yourself). */
export interface PendingRefs {
  /** Blocks until every PID's refs are read (by either thread, or missing where the worker failed). */
  join(): ProcRefs;
}

/**
 * Starts the worker if enabled and not running, so that the next full pass finds it serving; resolves true
 * once it serves, false when it is not enabled or failed to start.
 */
export function warmHolderThread(): Promise<boolean> {
  return running()?.ready ?? Promise.resolve(false);
}

/**
 * Starts the worker now when `procRoot` shows enough processes for a full pass to use it: the helper calls
 * this as it starts, so that its first full pass (when a client subscribes) finds the worker serving
 * rather than starting (~50 ms of the worker's start beside a 3,400-process pass of ~80).
 */
export function warmHolderThreadFor(procRoot: string): void {
  if (enabled === undefined) return;
  try {
    if (listPids(procRoot).length >= enabled.minProcesses) void warmHolderThread();
  } catch {
    // /proc not listable: the pass itself will say so.
  }
}

/** The worker, started if enabled and not running; undefined when disabled or it cannot be made. */
function running(): HolderThread | undefined {
  if (enabled === undefined) return undefined;
  try {
    if (thread === undefined || thread.dead) thread = new HolderThread(enabled.file, enabled.joinTimeoutMs);
    return thread;
  } catch {
    thread = undefined;
    return undefined;
  }
}

/**
 * Starts reading `pids`' refs on the worker when it is enabled and the pass is big enough; null when the
 * caller should read them itself.
 */
export function beginHolderRefs(procRoot: string, skipPid: number, pids: readonly number[]): PendingRefs | null {
  if (enabled === undefined || pids.length < enabled.minProcesses) return null;
  const t = running();
  if (t === undefined) return null;
  const job = t.begin(procRoot, skipPid, pids);
  return { join: () => t.join(job) };
}

/** The worker's side: take chunks of each job it gets to first, and answer with what it read. */
function serve(state: Int32Array, port: MessagePort): void {
  parentPort?.on('message', (job: Job) => {
    let answer: Answer;
    if (!claim(state, job.id, 1)) return;
    try {
      const refs = noRefs();
      takeChunks(job, refs);
      answer = { id: job.id, refs };
    } catch (err) {
      answer = { id: job.id, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(answer);
    Atomics.store(state, ANSWERED, job.id);
    Atomics.notify(state, ANSWERED);
  });
  parentPort?.postMessage('ready');
}

/** On a worker started by HolderThread: serve (a bundle's other modules only define things on load). */
export function isHolderWorker(): boolean {
  return !isMainThread && (workerData as { role?: unknown } | null)?.role === ROLE;
}

if (isHolderWorker()) {
  const data = workerData as { state: Int32Array; port: MessagePort };
  serve(data.state, data.port);
}
