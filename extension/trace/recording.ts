// "Start Recording" / "Stop Recording": the session's live stream (the helper's snapshot, then its diffs)
// written through the same TraceRecorder and sink as `pidns record`, so a trace from VS Code and one from
// a server read alike. While recording, the stream stays subscribed (as if a view were visible) and the
// status bar says so, with the time and the file's size; stopping writes the end record and offers to open it.
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import * as vscode from 'vscode';
import { diffSnapshots, isEmptyDiff } from '../../shared/core/diff';
import type { Snapshot } from '../../shared/core/types';
import { TraceRecorder, type RecordingStats } from '../../helper-native/src/record/recorder';
import { defaultTraceName, openTraceSink } from '../../helper-native/src/record/traceFile';
import type { HelperSession } from '../helperSession';
import { TRACE_EDITOR_VIEW_TYPE } from './traceEditor';

export const START_RECORDING = 'pidnsExplorer.startRecording';
export const STOP_RECORDING = 'pidnsExplorer.stopRecording';
/** Context key for the menus: true while recording. */
const RECORDING_KEY = 'pidnsExplorer.recording';
/** The "view" whose visibility keeps the helper streaming while recording. */
const RECORDING_VIEW = 'pidnsExplorer.recording';

interface Active {
  uri: vscode.Uri;
  recorder: TraceRecorder;
  startedAt: number;
  /** The state the trace holds so far (the last snapshot or diff written); null before the first. */
  last: Snapshot | null;
  subscription: vscode.Disposable;
  ticker: NodeJS.Timeout;
  failure: Error | null;
}

export interface StoppedRecording {
  uri: vscode.Uri;
  stats: RecordingStats;
}

function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function formatBytes(n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export class TraceRecording implements vscode.Disposable {
  private active: Active | undefined;
  private readonly item = vscode.window.createStatusBarItem('pidnsExplorer.recording', vscode.StatusBarAlignment.Left, 9);

  constructor(
    private readonly session: HelperSession,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item.name = 'PID Namespaces: recording';
    this.item.command = STOP_RECORDING;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    void vscode.commands.executeCommand('setContext', RECORDING_KEY, false);
  }

  get recording(): boolean {
    return this.active !== undefined;
  }

  /** What the status bar item says (tests read it: the item is not readable through the API). */
  get statusText(): string | undefined {
    return this.active ? this.item.text : undefined;
  }

  /**
   * Start recording to `target`, or to a file the user picks (a save dialog proposing
   * pidns-<time>.trace.jsonl.gz); undefined when the user cancelled. A name ending in .gz is compressed.
   */
  async start(target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    if (this.active) {
      void vscode.window.showInformationMessage(`Already recording to ${this.active.uri.fsPath}.`);
      return this.active.uri;
    }
    let uri = target;
    if (uri === undefined) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
      uri = await vscode.window.showSaveDialog({
        title: 'Record the PID namespaces to a trace file',
        defaultUri: vscode.Uri.joinPath(folder, defaultTraceName(true)),
        filters: { 'PID namespace traces': ['gz', 'jsonl'] },
        saveLabel: 'Record',
      });
      if (uri === undefined) return undefined;
      // The dialog asked before replacing a file; the sink itself never overwrites one.
      if (existsSync(uri.fsPath)) unlinkSync(uri.fsPath);
    }
    const path = uri.fsPath;
    const sink = openTraceSink(path, path.endsWith('.gz'));
    const hello = await this.session.ensureStarted().then(
      () => this.session.hello,
      () => undefined,
    );
    const recorder = new TraceRecorder(sink, {
      hostname: hostname(),
      kernel: hello?.kernel ?? '',
      uid: hello?.uid ?? process.getuid?.() ?? 0,
      intervalMs: this.session.intervalMs,
    });
    const active: Active = {
      uri,
      recorder,
      startedAt: Date.now(),
      last: null,
      subscription: this.session.onDidChange((c) => this.onChange(active, c.snapshot, c.diff)),
      ticker: setInterval(() => this.paint(), 1000),
      failure: null,
    };
    sink.onError((err) => {
      active.failure ??= err;
      void this.stop().then(() => vscode.window.showErrorMessage(`Recording to ${path} stopped: ${err.message}`));
    });
    this.active = active;
    // Already streaming: the model is current, and it is where the trace starts. Otherwise subscribing
    // (below) brings a fresh snapshot, which starts it.
    const current = this.session.polling ? this.session.current() : undefined;
    this.session.setViewVisible(RECORDING_VIEW, true);
    if (current) this.onChange(active, current, undefined);
    void vscode.commands.executeCommand('setContext', RECORDING_KEY, true);
    this.log.info(`recording to ${path}`);
    this.paint();
    this.item.show();
    return uri;
  }

  /** Stop, write the end record, and offer to open the trace; undefined when nothing was recording. */
  async stop(reason = 'stopped'): Promise<StoppedRecording | undefined> {
    const active = this.active;
    if (!active) return undefined;
    this.active = undefined;
    active.subscription.dispose();
    clearInterval(active.ticker);
    this.session.setViewVisible(RECORDING_VIEW, false);
    this.item.hide();
    void vscode.commands.executeCommand('setContext', RECORDING_KEY, false);
    const stats = await active.recorder.stop(reason);
    const what = `${formatBytes(stats.bytes)}, ${(stats.durationMs / 1000).toFixed(1)} s, ${stats.diffs} change${stats.diffs === 1 ? '' : 's'}`;
    this.log.info(`recording stopped (${reason}): ${active.uri.fsPath}, ${what}`);
    if (!active.failure) {
      void vscode.window.showInformationMessage(`Recorded ${active.uri.fsPath} (${what}).`, 'Open Trace').then((answer) => {
        if (answer === 'Open Trace') void vscode.commands.executeCommand('vscode.openWith', active.uri, TRACE_EDITOR_VIEW_TYPE);
      });
    }
    return { uri: active.uri, stats };
  }

  dispose(): void {
    // Deactivating (window closing): finish the file so that it stays a complete trace.
    void this.stop('window closed');
    this.item.dispose();
  }

  private onChange(active: Active, snapshot: Snapshot, diff: Parameters<typeof isEmptyDiff>[0] | undefined): void {
    if (this.active !== active) return;
    try {
      if (active.last === null) {
        active.recorder.onEvent({ type: 'event', event: 'snapshot', seq: 0, snapshot });
      } else {
        // A full replacement (helper restarted, resynchronised) is recorded as what changed.
        const d = diff ?? diffSnapshots(active.last, snapshot);
        if (!isEmptyDiff(d)) active.recorder.onEvent({ type: 'event', event: 'diff', seq: 0, diff: d });
      }
      active.last = snapshot;
    } catch (err) {
      active.failure ??= err as Error;
      this.log.error(`recording failed: ${(err as Error).message}`);
      void this.stop('error');
    }
  }

  private paint(): void {
    const active = this.active;
    if (!active) return;
    let size = 0;
    try {
      size = statSync(active.uri.fsPath).size;
    } catch {
      // not there yet
    }
    const waiting = active.last === null ? ' · waiting for the first scan' : '';
    this.item.text = `$(record) REC ${formatElapsed(Date.now() - active.startedAt)} · ${formatBytes(size)}${waiting}`;
    this.item.tooltip = `Recording the PID namespaces to ${active.uri.fsPath}. Click to stop.`;
  }
}
