// A fork/exit storm (thousands of short-lived processes a second, some in nested PID namespaces that come
// and go several times a second) watched by the real helper's subscription for about a minute. Every diff
// is checked against the model it applies to and against /proc; at the end the diff chain must equal a
// cold scan exactly, and the helper's memory must not have grown with the number of polls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDiff } from '../../shared/core/diff';
import type { Snapshot } from '../../shared/core/types';
import type { HelperEvent } from '../../shared/helperProtocol';
import { diffProblems, modelProblems, phantomProblems } from './support/modelChecks';
import { openStormArena, rssKiB, type StormArena } from './support/storm';

const STORM_SECONDS = Number(process.env.PIDNS_CHURN_SECONDS ?? 60);
const INTERVAL_MS = 200;
/** Allowed helper RSS growth between the end of warm-up and the end of the storm. */
const RSS_GROWTH_LIMIT_KIB = 24 * 1024;
/** The README's "at least 3,000 forks/s": the storm's own forks, counted by the storm (it aims at ~4,000). */
const CLAIMED_FORK_RATE = 3000;
/**
 * Added processes still alive when their diff arrived, checked against /proc (start time and namespace).
 * Most of the storm's processes live for microseconds and are gone by then; the nested chains' inits (~300 ms
 * each) are not. On this VM a run checks about 20 a second (392 and 411 in two 20 s runs); under a quarter
 * of that, the "no phantom" check has too little to stand on.
 */
const MIN_VERIFIED = 5 * STORM_SECONDS;

/** State letters flicker between R and S on every scheduling decision and are refreshed only by rotation (poller.ts), so they are left out of the exact comparison. */
function comparable(s: Snapshot): unknown {
  return {
    namespaces: s.namespaces,
    processes: s.processes.map((p) => ({ ...p, state: undefined })),
    unreadable: s.unreadable,
  };
}

/** The storm's own fork count and clock (its "forks N MS" line on SIGUSR2): the arena's forks, not the host's. */
async function stormForks(arena: StormArena): Promise<{ forks: number; ms: number }> {
  process.kill(arena.stormPid, 'SIGUSR2');
  const m = /^forks (\d+) (\d+)$/.exec(await arena.waitForLine(/^forks /, 10_000));
  if (!m) throw new Error('the storm did not report its forks');
  return { forks: Number(m[1]), ms: Number(m[2]) };
}

test(
  'fork/exit storm: no phantom, no duplicate, no stale namespace, flat memory, exact convergence',
  { timeout: (STORM_SECONDS + 40) * 1000 },
  async (t) => {
    const arena = await openStormArena({ plain: 3, nested: 2, rate: 800, sleepers: 20 });
    t.after(() => arena.close());
    const watcher = await arena.startHelper();
    const cold = await arena.startHelper();
    const errors: string[] = [];
    watcher.client.onStderr((line) => {
      if (/\[error\]|Error|exception/i.test(line)) errors.push(line);
    });
    let model: Snapshot | null = null;
    const problems: string[] = [];
    let diffs = 0;
    let added = 0;
    let verified = 0;
    // Counted per arrival, not per inode: the kernel hands a dead namespace's inode to the next new one, so
    // on a quiet machine a few inodes cycle through hundreds of namespaces.
    let nsArrivals = 0;
    watcher.client.onEvent((e: HelperEvent) => {
      if (e.type !== 'event') return;
      if (e.event === 'snapshot') model = e.snapshot;
      if (e.event !== 'diff' || model === null) return;
      diffs++;
      added += e.diff.addedProcesses.length;
      nsArrivals += e.diff.addedNamespaces.length;
      problems.push(...diffProblems(model, e.diff).map((p) => `diff ${e.seq}: ${p}`));
      const ph = phantomProblems(arena.procRoot, e.diff.addedProcesses);
      verified += ph.verified;
      problems.push(...ph.problems.map((p) => `diff ${e.seq}: ${p}`));
      model = applyDiff(model, e.diff);
      problems.push(...modelProblems(model).map((p) => `after diff ${e.seq}: ${p}`));
    });

    const forks0 = await stormForks(arena);
    await watcher.client.request('subscribe', { intervalMs: INTERVAL_MS });
    const warmup = Math.min(10, STORM_SECONDS / 4) * 1000;
    await new Promise((r) => setTimeout(r, warmup));
    const rssAfterWarmup = rssKiB(watcher.hostPid);
    await new Promise((r) => setTimeout(r, STORM_SECONDS * 1000 - warmup));
    const rssAtEnd = rssKiB(watcher.hostPid);
    const forks1 = await stormForks(arena);
    const forkRate = Math.round(((forks1.forks - forks0.forks) * 1000) / (forks1.ms - forks0.ms));

    // "stopped" comes once every worker and everything under it is gone and reaped: the arena is quiet.
    process.kill(arena.stormPid, 'SIGUSR1');
    await arena.waitForLine(/^stopped/, 10_000);
    t.diagnostic(
      `${diffs} diffs, ${added} processes added (${verified} checked alive against /proc), ${nsArrivals} namespaces arrived, storm fork rate ${forkRate}/s`,
    );
    t.diagnostic(`helper RSS ${Math.round(rssAfterWarmup / 1024)} MiB after warm-up, ${Math.round(rssAtEnd / 1024)} MiB at the end`);

    // The first answers after the storm stopped: the stream's model, the watcher's own answer and a cold scan
    // by another helper must agree exactly. No second try: a diff chain that needs one has lost something.
    const coldScan = await cold.client.request('snapshot', {});
    const fromStream = await watcher.client.request('snapshot', {}); // sends the pending diff first
    assert.ok(model !== null, 'a snapshot event arrived');
    const views = [comparable(model), comparable(fromStream), comparable(coldScan)].map((v) => JSON.stringify(v));
    assert.ok(views[0] === views[1] && views[1] === views[2], `stream model, watcher and cold scan differ:\n${views.join('\n')}`);

    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`);
    assert.deepEqual(errors, [], 'the helper logged errors');
    assert.equal(watcher.client.hasExited, false, 'the helper is still running');
    assert.ok(diffs >= STORM_SECONDS * (1000 / INTERVAL_MS) * 0.5, `only ${diffs} diffs in ${STORM_SECONDS} s: the storm was not seen`);
    assert.ok(
      forkRate >= CLAIMED_FORK_RATE,
      `the storm reached only ${forkRate} forks/s of its own, not the README's ${CLAIMED_FORK_RATE}`,
    );
    assert.ok(verified >= MIN_VERIFIED, `only ${verified} added processes could be checked against /proc`);
    assert.ok(nsArrivals >= 10, `only ${nsArrivals} namespaces came and went`);
    assert.ok(rssAtEnd - rssAfterWarmup < RSS_GROWTH_LIMIT_KIB, `helper RSS grew by ${rssAtEnd - rssAfterWarmup} KiB`);
    // The persistent chain survives the storm: 2 levels below the arena, 20 sleepers plus its init innermost.
    const final = model as unknown as Snapshot;
    assert.ok(
      final.namespaces.some((n) => n.level === 2 && n.pids.length === 21),
      "the sleepers' namespace is in the model",
    );
  },
);
