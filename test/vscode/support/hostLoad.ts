// Load on the host where a code-server runs, as a busy host has it: processes forking and PID namespaces coming
// and going beside the server's own churn. Each loop runs in its own process group and is killed with its
// children when the test ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { killTree, makeTempDir, removeDir } from '../../support';

/** Runs argv where the server runs: in its PID namespace (through nsenter) or, with no prefix, right here. */
export function startWhereServerRuns(prefix: readonly string[], argv: readonly string[], stdio: 'ignore' | 'pipe'): ChildProcess {
  const all = [...prefix, ...argv];
  return spawn(all[0], all.slice(1), { stdio: ['ignore', stdio, 'inherit'], detached: true });
}

export interface ForkLoadOptions {
  /** Where the server runs (see startWhereServerRuns); here by default. */
  prefix?: readonly string[];
  /**
   * One of each five forks is left behind by a shell that exits, as daemons and `cmd &` in scripts do: it is
   * re-parented to the namespace's init (this machine's PID 1, which the helper cannot read). Not where the
   * server is PID 1 of its own namespace: node does not reap children it did not start, so they would pile up
   * as zombies.
   */
  orphans?: boolean;
}

/**
 * About 20 forks a second in the host namespace: a shell loop starting five `sleep 0.22` at a time (a loop of one
 * `sleep 0.05`, or two `sleep 0.1`, reached only about 13 a second on a loaded 2-core machine). Returns the rate
 * so far, in forks per second.
 */
export function startForkLoad(t: TestContext, opts: ForkLoadOptions = {}): () => number {
  const dir = makeTempDir('pidns-forkload-');
  t.after(() => removeDir(dir));
  const counter = join(dir, 'count');
  const loop = startWhereServerRuns(
    opts.prefix ?? [],
    [
      'bash',
      '-c',
      opts.orphans === true
        ? `i=0; while :; do for k in 1 2 3 4; do sleep 0.22 & done; sh -c 'sleep 0.22 &'; wait; i=$((i+6)); echo $i > ${counter}; done`
        : `i=0; while :; do for k in 1 2 3 4 5; do sleep 0.22 & done; wait; i=$((i+5)); echo $i > ${counter}; done`,
    ],
    'ignore',
  );
  const started = Date.now();
  t.after(() => killTree(loop.pid as number, 500));
  return () => {
    let n = 0;
    try {
      n = Number(readFileSync(counter, 'utf8').trim() || 0);
    } catch {
      // No round finished yet.
    }
    return n / ((Date.now() - started) / 1000);
  };
}

/**
 * About 4 PID namespaces a second appear and vanish where the server runs (each `unshare --pid --fork sleep 0.5`,
 * one every 0.25 s), as containers and sandboxes come and go on a busy host: the top namespace's list of child
 * namespaces changes all the time. The loop's shell reaps every unshare, so nothing is left to the namespace's init.
 */
export function startNamespaceChurn(t: TestContext, prefix: readonly string[] = []): void {
  const loop = startWhereServerRuns(prefix, ['bash', '-c', 'while :; do unshare --pid --fork sleep 0.5 & sleep 0.25; done'], 'ignore');
  t.after(() => killTree(loop.pid as number, 500));
}
