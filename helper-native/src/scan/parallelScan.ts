// A cold scan on two threads. Almost all of a cold scan is reading procfs (four syscalls per process,
// the kernel formatting stat and status), which is independent per PID: a worker thread reads half the
// PIDs while the main thread reads the other half, then the main thread parses and builds the model.
// lsns is single-threaded; this is how a one-shot `pidns snapshot` stays ahead of it on a host with
// thousands of processes. Below PARALLEL_MIN processes a worker's start-up (50-150 ms measured on a
// busy 2-core VM) costs more than it saves: at 3,400 processes one thread won, at 6,700 two did.
//
// The worker runs this same file (the bundle, dist/pidns.js, or its transpiled copy under out/): the
// check at the bottom turns it into a reader when loaded with our workerData.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { buildModel } from '../../../shared/core/buildModel';
import type { ProcessInfo, Snapshot } from '../../../shared/core/types';
import { NsGraph } from './nsGraph';
import { takeSnapshot } from './poller';
import { listPids, statIdentity } from './procFiles';
import { interpretRaw, readRaw, type RawRead } from './readProcess';

export const PARALLEL_MIN = 5000;

/** How the last takeSnapshotParallel ran, for tests and the benchmark: a failed worker falls back silently. */
export const lastParallelScan = { usedWorker: false };

interface WorkerJob {
  pidnsScanWorker: true;
  procRoot: string;
  pids: number[];
}

function isJob(data: unknown): data is WorkerJob {
  return typeof data === 'object' && data !== null && (data as WorkerJob).pidnsScanWorker === true;
}

/**
 * The script the worker runs: this module's own file when it is the CLI bundle or the transpiled module,
 * else the CLI bundle next to the running one (dist/bench.js and dist/extension.js would otherwise load
 * their whole bundle, suites and all, into the worker).
 */
function workerScript(): string {
  const name = basename(__filename);
  if (name === 'pidns.js' || name === 'parallelScan.js') return __filename;
  const sibling = join(dirname(__filename), 'pidns.js');
  return existsSync(sibling) ? sibling : __filename;
}

/** Read `pids` on a worker thread; resolves null if the worker could not run (the caller reads them itself). */
function readOnWorker(procRoot: string, pids: number[]): Promise<RawRead[] | null> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      const job: WorkerJob = { pidnsScanWorker: true, procRoot, pids };
      worker = new Worker(workerScript(), { workerData: job, stdout: false, stderr: true });
    } catch {
      resolve(null);
      return;
    }
    worker.once('message', (raws: RawRead[]) => resolve(raws));
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
}

/** Like takeSnapshot, reading /proc on two threads when there are enough processes to be worth it. */
export async function takeSnapshotParallel(procRoot = '/proc', minProcesses = PARALLEL_MIN): Promise<Snapshot> {
  const pids = listPids(procRoot);
  lastParallelScan.usedWorker = false;
  if (pids.length < minProcesses) return takeSnapshot(procRoot);
  const self = statIdentity(`${procRoot}/self/ns/pid`);
  if (!self.ok) throw new Error(`cannot read ${procRoot}/self/ns/pid (${self.why})`);
  const half = pids.length >> 1;
  const onWorker = readOnWorker(procRoot, pids.slice(0, half));
  const mine = pids.slice(half).map((pid) => readRaw(procRoot, pid));
  const fromWorker = await onWorker;
  lastParallelScan.usedWorker = fromWorker !== null;
  const theirs = fromWorker ?? pids.slice(0, half).map((pid) => readRaw(procRoot, pid));
  const graph = new NsGraph();
  const processes: ProcessInfo[] = [];
  let unreadable = 0;
  for (const raw of [...theirs, ...mine]) {
    const r = interpretRaw(procRoot, raw, self.value.dev, graph);
    if (r.kind === 'ok') processes.push(r.info);
    else if (r.kind === 'denied') unreadable++;
  }
  return buildModel({ self: self.value, processes, graph: graph.nodes, unreadable, scannedAsUid: process.geteuid?.() ?? -1, takenAt: Date.now() });
}

if (!isMainThread && isJob(workerData) && parentPort) {
  const job = workerData;
  parentPort.postMessage(job.pids.map((pid) => readRaw(job.procRoot, pid)));
}
