// Lost kernel events: a host helper whose event socket has a tiny receive buffer (PIDNS_EVENTS_RCVBUF)
// watches a fork storm with nested namespaces coming and going, so the kernel drops events (ENOBUFS). The
// helper must count every overflow, say so, resynchronise from /proc, keep every diff consistent, and after
// the storm stops its streamed model must equal a cold scan exactly. The storm runs in a sealed PID
// namespace (support/storm.ts), so the comparison covers that namespace and everything below it, where nothing
// else on the host can interfere.
import { readFileSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { takeSnapshot } from '../../helper-native/src/scan/poller';
import { startWatchedHelper } from './support/events';
import { arenaView, openStormArena } from './support/storm';

const STORM_SECONDS = Number(process.env.PIDNS_OVERFLOW_SECONDS ?? 10);

test('ENOBUFS: lost events are counted, said, and resynchronised exactly', { timeout: (STORM_SECONDS + 60) * 1000 }, async (t) => {
  const arena = await openStormArena({ plain: 3, nested: 2, rate: 800, sleepers: 20 });
  t.after(() => arena.close());
  const h = await startWatchedHelper({ env: { PIDNS_EVENTS_RCVBUF: '1' } });
  t.after(() => h.close());
  const r = await h.client.request('subscribe', { intervalMs: 30_000, reconcileMs: 30_000 });
  assert.equal(r.source?.kind, 'kernel-events', r.source?.why);
  await h.until(() => true, 'the first snapshot');
  const cpuMs = (): number => {
    const f = readFileSync(`/proc/${h.hello.pid}/stat`, 'utf8')
      .slice(readFileSync(`/proc/${h.hello.pid}/stat`, 'utf8').lastIndexOf(')') + 2)
      .split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, USER_HZ 100
  };
  const cpu0 = cpuMs();
  const arenaNs = Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${arena.stormPid}/ns/pid`))?.[1]);

  await new Promise((res) => setTimeout(res, STORM_SECONDS * 1000));
  const helperCore = (cpuMs() - cpu0) / (STORM_SECONDS * 1000);
  process.kill(arena.stormPid, 'SIGUSR1');
  await arena.waitForLine(/^stopped/, 10_000);
  const stoppedAt = performance.now();

  // Quiet inside the arena now: the streamed model (diffs only, no snapshot request) must converge on a cold scan.
  let last = '';
  let convergedMs = -1;
  for (let attempt = 0; attempt < 20; attempt++) {
    const model = h.model();
    assert.ok(model !== null);
    const streamed = arenaView(model, arenaNs);
    const cold = arenaView(takeSnapshot(), arenaNs);
    if (streamed === cold) {
      convergedMs = performance.now() - stoppedAt;
      last = '';
      break;
    }
    last = `streamed and cold views of the arena differ:\n${streamed}\n${cold}`;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(last, '', last);
  const overflows = Math.max(0, ...h.sources.map((s) => s.overflows));
  t.diagnostic(
    `${h.diffs()} diffs, ${overflows} overflows (ENOBUFS) reported, converged ${convergedMs.toFixed(0)} ms after the storm stopped; helper used ${(helperCore * 100).toFixed(0)}% of a core during the storm`,
  );
  assert.ok(overflows >= 1, 'the kernel dropped events and the helper reported it');
  assert.ok(
    h.stderr.some((l) => /dropped process events \(ENOBUFS, \d+ so far\): resynchronising/.test(l)),
    'the helper log says so',
  );
  assert.ok(h.sources.length <= STORM_SECONDS + 5, `liveSource events are rate-limited: ${h.sources.length}`);
  assert.ok(convergedMs < 1000, `converged ${convergedMs} ms after the storm stopped`);
  assert.deepEqual(h.problems.slice(0, 10), [], `${h.problems.length} problems in the stream`);
  assert.equal(h.client.hasExited, false, 'the helper is still running');
});
