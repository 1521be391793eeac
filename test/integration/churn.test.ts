// A fork/exit storm (thousands of short-lived processes a second, some in nested PID namespaces that come
// and go several times a second) watched by the real helper's subscription for about a minute. Every diff
// is checked against the model it applies to and against /proc; at the end the diff chain must equal a
// cold scan exactly, and the helper's memory must not have grown with the number of polls.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDiff } from '../../shared/core/diff';
import type { Snapshot } from '../../shared/core/types';
import type { HelperEvent } from '../../shared/helperProtocol';
import { diffProblems, modelProblems, phantomProblems } from './modelChecks';
import { openStormArena, rssKiB } from './stormEnv';

const STORM_SECONDS = Number(process.env.PIDNS_CHURN_SECONDS ?? 60);
const INTERVAL_MS = 200;
/** Allowed helper RSS growth between the end of warm-up and the end of the storm. */
const RSS_GROWTH_LIMIT_KIB = 24 * 1024;

/** State letters flicker between R and S on every scheduling decision and are refreshed only by rotation (poller.ts), so they are left out of the exact comparison. */
function comparable(s: Snapshot): unknown {
  return {
    namespaces: s.namespaces,
    processes: s.processes.map((p) => ({ ...p, state: undefined })),
    unreadable: s.unreadable,
  };
}

function forksSoFar(): number {
  return Number(/^processes (\d+)/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
}

test('fork/exit storm: no phantom, no duplicate, no stale namespace, flat memory, exact convergence', { timeout: (STORM_SECONDS + 40) * 1000 }, async (t) => {
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

  const forks0 = forksSoFar();
  await watcher.client.request('subscribe', { intervalMs: INTERVAL_MS });
  const warmup = Math.min(10, STORM_SECONDS / 4) * 1000;
  await new Promise((r) => setTimeout(r, warmup));
  const rssAfterWarmup = rssKiB(watcher.hostPid);
  await new Promise((r) => setTimeout(r, STORM_SECONDS * 1000 - warmup));
  const rssAtEnd = rssKiB(watcher.hostPid);
  const forkRate = Math.round((forksSoFar() - forks0) / STORM_SECONDS);

  process.kill(arena.stormPid, 'SIGUSR1');
  await arena.waitForLine(/^stopped/, 10_000);
  t.diagnostic(`${diffs} diffs, ${added} processes added (${verified} checked alive against /proc), ${nsArrivals} namespaces arrived, host fork rate ${forkRate}/s`);
  t.diagnostic(`helper RSS ${Math.round(rssAfterWarmup / 1024)} MiB after warm-up, ${Math.round(rssAtEnd / 1024)} MiB at the end`);

  // Quiet now: the stream's model, the watcher's own answer and a cold scan by another helper must agree.
  let last = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const coldScan = await cold.client.request('snapshot', {});
    const fromStream = await watcher.client.request('snapshot', {}); // sends the pending diff first
    assert.ok(model !== null, 'a snapshot event arrived');
    const views = [comparable(model), comparable(fromStream), comparable(coldScan)].map((v) => JSON.stringify(v));
    if (views[0] === views[1] && views[1] === views[2]) {
      last = '';
      break;
    }
    last = `stream model, watcher and cold scan differ:\n${views.join('\n')}`;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(last, '', last);

  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`);
  assert.deepEqual(errors, [], 'the helper logged errors');
  assert.equal(watcher.client.hasExited, false, 'the helper is still running');
  assert.ok(diffs >= STORM_SECONDS * (1000 / INTERVAL_MS) * 0.5, `only ${diffs} diffs in ${STORM_SECONDS} s: the storm was not seen`);
  assert.ok(forkRate >= 1000, `the storm reached only ${forkRate} forks/s`);
  assert.ok(nsArrivals >= 10, `only ${nsArrivals} namespaces came and went`);
  assert.ok(rssAtEnd - rssAfterWarmup < RSS_GROWTH_LIMIT_KIB, `helper RSS grew by ${rssAtEnd - rssAfterWarmup} KiB`);
  // The persistent chain survives the storm: 2 levels below the arena, 20 sleepers plus its init innermost.
  const final = model as unknown as Snapshot;
  assert.ok(final.namespaces.some((n) => n.level === 2 && n.pids.length === 21), 'the sleepers\' namespace is in the model');
});
