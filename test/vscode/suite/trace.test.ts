// The recorder and the trace editor inside a real extension host: "Start Recording" / "Stop Recording"
// write a trace (through the same writer as `pidns record`) that holds a process this test started and
// ended, the trace editor opens it and its webview loads and says ready; a truncated, a corrupted and a
// future-version file open in the editor with the reader's message, and the editor keeps working. While a trace
// editor is the active editor, the tree shows the trace at its moment and refuses live actions on its rows.
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
import { formatTracePosition } from '../../../extension/trace/followedSource';
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
  /** The process the recording test started and ended (0 until it ran). */
  let sleeperPid = 0;

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
    sleeperPid = pid;
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

  test('while a trace editor is active the tree shows its moment, says so, and refuses live actions on its rows; live again after', async () => {
    assert.ok(sleeperPid > 0, 'the recording test ran first (it records the trace used here)');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await eventually('the tree to show the live model', () => (api.followed.followed === undefined ? true : undefined), 10_000);
    const file = join(dir, 'suite.trace.jsonl.gz');
    const trace = parseTrace(gunzipSync(readFileSync(file)).toString('utf8'));
    const t = [0, ...trace.entries.map((e) => e.t)].find((at) =>
      stateAt(trace, at).processes.some((p) => p.pid === sleeperPid && p.comm === 'sleep'),
    );
    assert.ok(t !== undefined, 'a moment when the sleeper ran (after its exec: before it, it is a fork of node)');
    const then = stateAt(trace, t);

    // Switching repaints the tree once (a refresh of its root), each way; the rest are the calm, per-row refreshes.
    const rootRefreshes: string[] = [];
    const sub = api.tree.viewProvider.onDidChangeTreeData!((e) => {
      if (e === undefined) rootRefreshes.push(api.followed.followed ? 'trace' : 'live');
    });
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1000));

    const editor = await openInEditor(file);
    assert.ok(editor.player);
    editor.player.control({ type: 'replayControl', action: 'seek', t });
    const sleeper = await eventually('the tree to show the sleeper at that moment', () => api.tree.currentView()?.process(sleeperPid));
    assert.equal(sleeper.comm, 'sleep');
    assert.ok(!api.session.current()?.processes.some((p) => p.pid === sleeperPid && p.startTime === sleeper.startTime), 'it is not live');
    const position = formatTracePosition(t);
    await eventually(`the tree's message to name the trace at ${position}`, () =>
      String(api.treeView.message ?? '').startsWith(`Trace suite.trace.jsonl.gz at ${position} `) ? true : undefined,
    );
    assert.match(String(api.treeView.message), /not the live machine/);
    await settle();
    assert.deepEqual(rootRefreshes, ['trace'], 'one repaint to show the trace, then only rows');
    assert.match(api.statusBar.text, /tree: trace/, 'the status bar does not claim the tree is live');
    // Its row is listed, and its tooltip is "as of" the trace's moment.
    const sleeperNode = api.tree.processNode(sleeper);
    assert.ok(sleeperNode, 'the sleeper has a row');
    const resolved = await api.tree.viewProvider.resolveTreeItem!(
      api.tree.viewProvider.getTreeItem(sleeperNode) as vscode.TreeItem,
      sleeperNode,
      new vscode.CancellationTokenSource().token,
    );
    const asOf = new Date(then.takenAt).toTimeString().slice(0, 8);
    assert.match(
      (resolved?.tooltip as vscode.MarkdownString | undefined)?.value ?? '',
      new RegExp(`as of ${asOf}`),
      'the tooltip is as of the trace',
    );

    // Rows of the past: a process that ran then and runs now (this extension host; SIGCONT would be harmless) and
    // the root namespace. Each live-acting command refuses them.
    const hostThen = api.tree.currentView()?.process(process.pid);
    assert.ok(hostThen, 'the extension host is in the trace');
    const hostNode = api.tree.processNode(hostThen);
    assert.ok(hostNode);
    const rootNs = api.tree.currentView()?.root;
    assert.ok(rootNs);
    const rootNode = api.tree.namespaceNode(rootNs);
    const terminals = vscode.window.terminals.length;
    assert.equal(
      await vscode.commands.executeCommand('pidnsExplorer.sendSignal', hostNode, { signal: 'SIGCONT' }),
      false,
      'Send Signal refuses',
    );
    assert.equal(await vscode.commands.executeCommand('pidnsExplorer.openTerminal', rootNode), undefined, 'Open Terminal refuses');
    assert.equal(vscode.window.terminals.length, terminals, 'no terminal opened');
    assert.equal(await vscode.commands.executeCommand('pidnsExplorer.showInGraph', hostNode), false, 'Show in Graph refuses');
    assert.equal(await vscode.commands.executeCommand('pidnsExplorer.killInit', { ...rootNode, force: true }), false, 'Kill Init refuses');
    assert.deepEqual(
      await vscode.commands.executeCommand('pidnsExplorer.destroyCreated', { ...rootNode, force: true }),
      [],
      'Destroy refuses',
    );

    // Another editor becomes the active one: the tree is live again, its message gone.
    const note = join(dir, 'note.txt');
    writeFileSync(note, 'another editor\n');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(note)));
    await eventually('the tree to be live again', () => (api.followed.followed === undefined ? true : undefined));
    await settle();
    sub.dispose();
    assert.deepEqual(rootRefreshes, ['trace', 'live'], 'one repaint back to live');
    assert.equal(api.tree.currentView()?.snapshot, api.session.current(), 'the tree shows the live model');
    assert.equal(api.tree.currentView()?.process(sleeperPid)?.startTime === sleeper.startTime, false, 'the sleeper is not in it');
    assert.doesNotMatch(String(api.treeView.message ?? ''), /Trace/, 'the message is cleared');
    await eventually('the status bar to stop saying trace', () => (/tree: trace/.test(api.statusBar.text) ? undefined : true), 5000);
    // The same command on the same process, live: it goes through now (SIGCONT to a running process does nothing).
    const hostNow = api.tree.currentView()?.process(process.pid);
    assert.ok(hostNow);
    assert.equal(
      await vscode.commands.executeCommand('pidnsExplorer.sendSignal', api.tree.processNode(hostNow), { signal: 'SIGCONT' }),
      true,
    );
  });
});
