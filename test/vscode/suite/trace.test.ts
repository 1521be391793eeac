// The recorder and the trace editor inside a real extension host: "Start Recording" / "Stop Recording"
// write a trace (through the same writer as `pidns record`) that holds a process this test started and
// ended, the trace editor opens it and its webview loads and says ready; a truncated, a corrupted and a
// future-version file open in the editor with the reader's message, and the editor keeps working.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as vscode from 'vscode';
import type { PidnsExplorerApi } from '../../../extension/extension';
import type { StoppedRecording } from '../../../extension/trace/recording';
import type { TraceEditorState } from '../../../extension/trace/traceEditor';
import { parseTrace, stateAt } from '../../../shared/core/trace';
import { waitFor, type Probe } from '../../support/poll';

const EXTENSION_ID = 'pidns-explorer.pidns-explorer';
/** The webview's bundle loading in code-server's Chromium on a loaded 2-core VM. */
const EDITOR_WAIT_MS = 30_000;

/** waitFor with this suite's defaults: EDITOR_WAIT_MS, every 100 ms. */
function eventually<T>(what: string, probe: Probe<T>, timeoutMs = EDITOR_WAIT_MS): Promise<T> {
  return waitFor(what, probe, timeoutMs, 100);
}

suite('Recording and the trace editor', () => {
  let api: PidnsExplorerApi;
  let dir = '';

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<PidnsExplorerApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    await api.session.ensureStarted();
    dir = mkdtempSync(join(tmpdir(), 'pidns-trace-suite-'));
  });

  suiteTeardown(async () => {
    await api?.trace.recording.stop('suite teardown');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens `file` in the trace editor and waits until its webview has loaded and said ready. */
  async function openInEditor(file: string): Promise<TraceEditorState> {
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'pidnsExplorer.trace');
    return eventually(`the trace editor of ${file} to be ready`, () =>
      api.trace.editors.editors.find((e) => e.document.uri.fsPath === uri.fsPath && e.ready),
    );
  }

  test('Start/Stop Recording write a trace holding a process started and ended meanwhile; the trace editor opens it', async () => {
    const file = join(dir, 'suite.trace.jsonl.gz');
    const started = await vscode.commands.executeCommand<vscode.Uri | undefined>('pidnsExplorer.startRecording', vscode.Uri.file(file));
    assert.equal(started?.fsPath, file);
    assert.equal(api.trace.recording.recording, true);
    await eventually('the status bar to say REC', () => (api.trace.recording.statusText?.includes('REC') ? true : undefined), 5000);
    // Wait for the first scan, then start and end a process of our own.
    await eventually('the first snapshot', () => api.session.current(), 10_000);
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pid = sleeper.pid!;
    await eventually('the sleeper in the model', () => api.session.current()?.processes.find((p) => p.pid === pid), 10_000);
    sleeper.kill('SIGKILL');
    await eventually(
      'the sleeper to leave the model',
      () => (api.session.current()?.processes.some((p) => p.pid === pid) ? undefined : true),
      10_000,
    );
    const stopped = await vscode.commands.executeCommand<StoppedRecording | undefined>('pidnsExplorer.stopRecording');
    assert.ok(stopped, 'stop returns what it wrote');
    assert.equal(api.trace.recording.recording, false);
    assert.ok(stopped.stats.diffs >= 2, `at least the start and the end of the sleeper, got ${stopped.stats.diffs} diffs`);

    // The file is a complete trace: the end record, and the sleeper is in it at some moment but not at the end.
    const trace = parseTrace(gunzipSync(readFileSync(file)).toString('utf8'));
    assert.equal(trace.end?.reason, 'stopped');
    const times = [0, ...trace.entries.map((e) => e.t)];
    assert.ok(
      times.some((t) => stateAt(trace, t).processes.some((p) => p.pid === pid && p.comm === 'sleep')),
      'the sleeper is in the trace',
    );
    assert.ok(!stateAt(trace, trace.endT).processes.some((p) => p.pid === pid), 'and gone at its end');

    const editor = await openInEditor(file);
    assert.equal(editor.document.error, null);
    assert.equal(editor.banner, null);
    assert.ok(editor.player, 'a player for a readable trace');
    editor.player.control({ type: 'replayControl', action: 'next' });
    assert.ok(editor.player.t > 0, 'next change moves forward');
  });

  test('a truncated, a corrupted and a future-version trace open with the reader’s message, and the editor keeps working', async () => {
    const good = join(dir, 'suite.trace.jsonl.gz');
    const text = gunzipSync(readFileSync(good)).toString('utf8');
    const cases: [string, Buffer, RegExp][] = [
      ['truncated.trace.jsonl.gz', readFileSync(good).subarray(0, Math.floor(readFileSync(good).length / 2)), /truncated/],
      ['cut.trace.jsonl', Buffer.from(text.slice(0, text.length - 10)), /truncated: the last line has no end/],
      [
        'corrupt.trace.jsonl',
        Buffer.from(text.replace(/"t":\d+,"diff"/, '"t":"x","diff"')),
        /line \d+: t: expected a non-negative integer/,
      ],
      ['future.trace.jsonl.gz', gzipSync(text.replace('"version":1', '"version":99')), /version 99 is newer than this pidns reads/],
    ];
    for (const [name, bytes, reason] of cases) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const editor = await openInEditor(file);
      assert.equal(editor.player, null, `${name}: no replay`);
      assert.match(editor.banner ?? '', /^This file cannot be replayed: /, `${name}: the editor says so`);
      assert.match(editor.banner ?? '', reason, `${name}: and why`);
    }
    // After all of them, a good trace still opens in the same window.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const again = await openInEditor(good);
    assert.ok(again.player);
  });
});
