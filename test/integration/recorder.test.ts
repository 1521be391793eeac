// The recorder on the real kernel. In-process: the DiscoveryStream that `pidns helper` serves feeds both the
// TraceRecorder and the test's own copy of the live state (the snapshot, then each diff applied, as a client
// holds it) while `pidns create --depth 3` comes and goes; the file read back must give, at every diff's
// time, exactly the state the stream had then. Through the CLI: `pidns record` stopped by SIGINT, then
// `pidns replay --at` inside the chain's life shows its 3 levels; truncated, corrupted and future-version
// files are refused with exit 2 and one clear line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { applyDiff } from '../../shared/core/diff';
import { diffTimes, stateAt } from '../../shared/core/trace';
import type { Snapshot } from '../../shared/core/types';
import type { HelperEvent } from '../../shared/helperProtocol';
import { hostInfo, TraceRecorder } from '../../helper-native/src/record/recorder';
import { openTraceSink, readTraceFile } from '../../helper-native/src/record/traceFile';
import { DiscoveryStream } from '../../helper-native/src/server/discovery';
import { runCreate, waitFor, type ReadyLine } from './support/chains';
import { processKey } from '../../shared/core/identity';
import { PIDNS_JS, requireBuilt } from './support/discovery';

const INTERVAL_MS = 200;

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pidns-recorder-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function hasNamespaces(s: Snapshot, inodes: number[]): boolean {
  return inodes.every((inode) => s.namespaces.some((n) => n.inode === inode && !n.hidden));
}

/**
 * The chain's processes (its inits and leaf) in `s`, by (pid, start time). "Gone" is judged by these, not
 * by namespace inodes: other tests on this machine create namespaces that may reuse our inodes at once.
 */
function chainKeys(s: Snapshot, ready: ReadyLine): string[] {
  const pids = chainPids(ready);
  return s.processes.filter((p) => pids.has(p.pid)).map((p) => processKey(p));
}

/** Each level's init; the leaf is the last one (PID 1 of the innermost level) unless a COMMAND was given. */
function chainPids(ready: ReadyLine): Set<number> {
  return new Set([...ready.levels.map((l) => l.init), ready.leaf]);
}

test('in-process: the trace replays to exactly the stream’s live state at every diff while a depth-3 chain comes and goes', async (t) => {
  requireBuilt();
  const file = join(tempDir(t), 'live.trace.jsonl');
  // Small keyframe spacing so that a few seconds of recording seek across several keyframes: the chain's
  // going is diffed at least 800 ms after the first snapshot, so it is followed by a second keyframe however few
  // diffs the host makes (a quiet CI host made 4 in all, where 1,500 ms and 4 diffs left it to chance).
  const recorder = new TraceRecorder(openTraceSink(file, false), hostInfo(INTERVAL_MS), { everyMs: 500, everyDiffs: 4 });
  let live: Snapshot | null = null;
  const states: Snapshot[] = [];
  const stream = new DiscoveryStream((event: HelperEvent) => {
    recorder.onEvent(event);
    if (event.event === 'snapshot') live = event.snapshot;
    else if (event.event === 'diff') {
      assert.ok(live, 'a diff after the snapshot');
      live = applyDiff(live, event.diff);
    } else return;
    states.push(live);
  });
  t.after(() => stream.unsubscribe());
  stream.subscribe({ intervalMs: INTERVAL_MS });
  await waitFor('the first snapshot', () => live !== null, 30_000);

  const chain = runCreate(t, ['--depth', '3']);
  const ready = await chain.ready;
  const inodes = ready.levels.map((l) => l.ns);
  await waitFor(
    'the chain in the stream',
    () => live !== null && hasNamespaces(live, inodes) && chainKeys(live, ready).length === chainPids(ready).size,
    10_000,
  );
  const keys = chainKeys(live!, ready);
  const gone = (s: Snapshot): boolean => !chainKeys(s, ready).some((k) => keys.includes(k));
  await sleep(800);
  chain.child.kill('SIGTERM');
  assert.equal((await chain.exited).code, 0);
  await waitFor('the chain gone from the stream', () => live !== null && gone(live), 10_000);
  await sleep(400);
  stream.unsubscribe();
  const stats = await recorder.stop('test');

  const trace = readTraceFile(file);
  const times = diffTimes(trace);
  assert.equal(times.length, states.length - 1, 'one diff record per diff event');
  assert.equal(stats.diffs, times.length);
  assert.ok(trace.keyframes.length >= 2, `${trace.keyframes.length} keyframes: seeking crossed keyframes`);
  assert.deepEqual(stateAt(trace, 0), states[0]);
  let withChain = 0;
  for (let i = 0; i < times.length; i++) {
    // Two diffs in the same millisecond: the state at that time is after the later one.
    let j = i;
    while (j + 1 < times.length && times[j + 1] === times[i]) j++;
    const replayed = stateAt(trace, times[i]);
    assert.deepEqual(replayed, states[j + 1], `diff ${i} at t ${times[i]} ms`);
    if (hasNamespaces(replayed, inodes)) withChain++;
  }
  assert.ok(withChain > 0, 'the chain is in the replayed states');
  t.diagnostic(
    `${states[0].processes.length} processes, ${times.length} diffs, ${trace.keyframes.length} keyframes, ${withChain} states with the chain`,
  );
  assert.ok(gone(stateAt(trace, trace.endT)), 'and gone at the end');
  assert.equal(trace.end?.reason, 'test');
});

function replay(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [PIDNS_JS, 'replay', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The file's refusal: exit 2, one line on stderr naming the file and the reason, no stack trace. */
function assertRefused(file: string, reason: RegExp): void {
  const r = replay([file, '--at', '0']);
  assert.equal(r.status, 2, `exit 2 for ${file}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(
    lines[0],
    new RegExp(`^pidns: replay: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a readable trace: ${reason.source}`),
  );
}

test('CLI: pidns record (gzip, stopped by SIGINT) and pidns replay --at inside the chain’s life shows its 3 levels', async (t) => {
  requireBuilt();
  const dir = tempDir(t);
  const file = join(dir, 'cli.trace.jsonl.gz');
  const rec = spawn(process.execPath, [PIDNS_JS, 'record', '-o', file, '--interval', String(INTERVAL_MS)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  t.after(() => {
    if (rec.exitCode === null && rec.signalCode === null) process.kill(-rec.pid!, 'SIGKILL');
  });
  let stderr = '';
  rec.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => rec.on('close', (code) => resolve(code)));
  await waitFor('the recorder to start', () => stderr.includes('Recording to'), 30_000);
  await sleep(2 * INTERVAL_MS);

  const chain = runCreate(t, ['--depth', '3']);
  const ready = await chain.ready;
  // What the recorder has written so far (it flushes its gzip after each scan): wait until it has the leaf.
  const written = (): string => gunzipSync(readFileSync(file), { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
  await waitFor('the recorder to write the chain', () => written().includes(`"pid":${ready.leaf},`), 20_000);
  await sleep(500);
  const during = new Date().toISOString();
  await sleep(500);
  chain.child.kill('SIGTERM');
  assert.equal((await chain.exited).code, 0);
  await waitFor('the recorder to write the leaf gone', () => written().includes(`{"pid":${ready.leaf},"startTime":`), 20_000);
  rec.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /Stopped \(SIGINT\): .*cli\.trace\.jsonl\.gz, \d+ bytes/);
  assert.deepEqual([...readFileSync(file).subarray(0, 2)], [0x1f, 0x8b], 'gzip');

  const info = replay([file]);
  assert.equal(info.status, 0, info.stderr);
  assert.match(info.stdout, /ended: SIGINT/);

  // By ISO time and by seconds from the start: the chain's three levels, nested, the leaf at PID 1.
  const startedAt = Date.parse(
    (JSON.parse(gunzipSync(readFileSync(file)).toString('utf8').split('\n')[0]) as { startedAt: string }).startedAt,
  );
  const seconds = ((Date.parse(during) - startedAt) / 1000).toFixed(3);
  for (const at of [during, seconds]) {
    const r = replay([file, '--at', at, '--width', '120']);
    assert.equal(r.status, 0, r.stderr);
    for (const l of ready.levels) {
      assert.match(
        r.stdout,
        new RegExp(`^(?:[│ ]  )*[├└]─ pid:\\[${l.ns}\\]  level ${l.level} · init ${l.init}`, 'm'),
        `level ${l.level} at ${at}:\n${r.stdout}`,
      );
    }
    assert.match(r.stdout, new RegExp(`pidns-sleep +${ready.leaf} / 3 / 2 / 1`), `the leaf at ${at}`);
  }
  const end = /for ([\d.]+) s/.exec(info.stdout);
  assert.ok(end, info.stdout);
  const atStart = replay([file, '--at', '0', '--json']);
  const atEnd = replay([file, '--at', end[1], '--json']);
  assert.equal(atEnd.status, 0, atEnd.stderr);
  const keys = chainKeys(JSON.parse(replay([file, '--at', seconds, '--json']).stdout) as Snapshot, ready);
  assert.equal(keys.length, chainPids(ready).size, 'the chain’s inits and leaf during its life');
  for (const [name, r] of [
    ['start', atStart],
    ['end', atEnd],
  ] as const) {
    assert.ok(!chainKeys(JSON.parse(r.stdout) as Snapshot, ready).some((k) => keys.includes(k)), `the chain is not there at the ${name}`);
  }

  // Bad times: exit 2 with the trace's range.
  const late = replay([file, '--at', '99999']);
  assert.equal(late.status, 2);
  assert.match(late.stderr, /^pidns: replay: --at 99999 is outside the trace, which runs from 0 to [\d.]+ s \(/);
  const junk = replay([file, '--at', 'noon']);
  assert.equal(junk.status, 2);
  assert.match(junk.stderr, /--at needs seconds from the start of the trace/);
});

test('CLI: truncated, corrupted, future-version and killed-recorder traces are refused with exit 2 and the line at fault', async (t) => {
  requireBuilt();
  const dir = tempDir(t);
  const file = join(dir, 'short.trace.jsonl');
  const r = spawnSync(process.execPath, [PIDNS_JS, 'record', '-o', file, '--duration', '1', '--interval', String(INTERVAL_MS)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Stopped \(duration\)/);
  const text = readFileSync(file, 'utf8');
  assert.equal(replay([file, '--at', '0.5']).status, 0);
  const again = spawnSync(process.execPath, [PIDNS_JS, 'record', '-o', file, '--duration', '1'], { encoding: 'utf8' });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /^pidns: record: .*short\.trace\.jsonl exists already: remove it or choose another -o\n$/);
  assert.equal(readFileSync(file, 'utf8'), text, 'an existing trace is never overwritten');
  const badDuration = spawnSync(process.execPath, [PIDNS_JS, 'record', '--duration', '-3'], { encoding: 'utf8' });
  assert.equal(badDuration.status, 2);
  assert.match(badDuration.stderr, /^pidns: record: --duration needs a number of seconds > 0, got '-3'\n$/);
  const lines = text.split('\n').slice(0, -1);

  const truncated = join(dir, 'truncated.jsonl');
  writeFileSync(truncated, text.slice(0, text.length - 7));
  assertRefused(truncated, new RegExp(`line ${lines.length}: truncated`));

  const cutKeyframe = join(dir, 'cut-keyframe.jsonl');
  writeFileSync(cutKeyframe, text.slice(0, lines[0].length + 1 + Math.floor(lines[1].length / 2)));
  assertRefused(cutKeyframe, /line 2: truncated/);

  const truncatedGz = join(dir, 'truncated.jsonl.gz');
  const gz = gzipSync(text);
  writeFileSync(truncatedGz, gz.subarray(0, gz.length - 100));
  assertRefused(truncatedGz, /truncated: the gzip stream ends early/);

  const corrupted = join(dir, 'corrupted.jsonl');
  const flipped = [...lines];
  flipped[1] = flipped[1].replace('"processes":[', '"processes":[}');
  writeFileSync(corrupted, flipped.join('\n') + '\n');
  assertRefused(corrupted, /line 2: not valid JSON/);

  const wrongType = join(dir, 'wrong-type.jsonl');
  const typed = [...lines];
  typed[1] = typed[1].replace(/"pid":(\d+)/, '"pid":"$1"');
  writeFileSync(wrongType, typed.join('\n') + '\n');
  assertRefused(wrongType, /line 2: snapshot\.processes\[0\]\.pid: expected a non-negative integer, got "\d+"/);

  const corruptedGz = join(dir, 'corrupted.jsonl.gz');
  const bad = Buffer.from(gz);
  for (let i = 20; i < 60; i++) bad[i] ^= 0xff;
  writeFileSync(corruptedGz, bad);
  assertRefused(corruptedGz, /corrupted gzip data|truncated|line \d+: /);

  const future = join(dir, 'future.jsonl');
  const header = JSON.parse(lines[0]) as Record<string, unknown>;
  writeFileSync(future, [JSON.stringify({ ...header, version: 2 }), ...lines.slice(1)].join('\n') + '\n');
  assertRefused(future, /line 1: trace format version 2 is newer than this pidns reads \(version 1\); use a newer pidns/);

  const notATrace = join(dir, 'snapshot.json');
  writeFileSync(notATrace, spawnSync(process.execPath, [PIDNS_JS, 'snapshot', '--json'], { encoding: 'utf8' }).stdout);
  assertRefused(notATrace, /line 1: not a pidns trace/);

  // A recorder killed outright: its gzip has no trailer and is refused as truncated, but what it wrote up
  // to its last scan is decodable (a sync flush per scan): header, keyframe, whole lines.
  const killedFile = join(dir, 'killed.jsonl.gz');
  const killed = spawn(process.execPath, [PIDNS_JS, 'record', '-o', killedFile, '--interval', String(INTERVAL_MS)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  t.after(() => killed.kill('SIGKILL'));
  let killedErr = '';
  killed.stderr.on('data', (d: Buffer) => (killedErr += d.toString()));
  await waitFor('the recorder to start', () => killedErr.includes('Recording to'), 30_000);
  await sleep(1500);
  killed.kill('SIGKILL');
  await new Promise((resolve) => killed.on('close', resolve));
  assertRefused(killedFile, /truncated: the gzip stream ends early/);
  const salvaged = gunzipSync(readFileSync(killedFile), { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
  const whole = salvaged.slice(0, salvaged.lastIndexOf('\n') + 1);
  const salvageFile = join(dir, 'salvaged.jsonl');
  writeFileSync(salvageFile, whole);
  const info = replay([salvageFile]);
  assert.equal(info.status, 0, info.stderr);
  assert.match(info.stdout, /no end record: the recorder was stopped abruptly/);

  const missing = replay([join(dir, 'nope.jsonl'), '--at', '0']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^pidns: replay: cannot read .*nope\.jsonl: ENOENT/);
});
