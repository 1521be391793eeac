// A read-only custom editor for trace files (`pidns record`, "Start Recording"): the namespace graph with a
// timeline under it (webview/replay.ts), played by a TracePlayer over the parsed trace. Like
// js-profile-visualizer's `.cpuprofile` editor, the document is the parsed file and every editor of it
// gets its own webview and position. A file that is not a readable trace (truncated, corrupted, a newer
// version) opens anyway and says why in the editor: the reader names the line at fault.
import * as vscode from 'vscode';
import { TraceError, type Trace } from '../../shared/core/trace';
import { TraceEventReader, type TraceEvents } from '../../shared/core/traceEvents';
import { isWebviewToHost, WEBVIEW_PROTOCOL_VERSION, DEFAULT_GRAPH_CONFIG, type HostToWebview } from '../../shared/webviewProtocol';
import { parseTraceBytesInSlices } from '../../helper-native/src/record/traceFile';
import { setGraphPage } from '../graph/graphPage';
import { TracePlayer } from './tracePlayer';
import { DrawnRelay } from '../graph/drawnFeed';
import type { Snapshot } from '../../shared/core/types';

export const TRACE_EDITOR_VIEW_TYPE = 'pidnsExplorer.trace';

export class TraceDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    readonly trace: Trace | null,
    /** Why the file cannot be replayed; null when it can. */
    readonly error: string | null,
    /** The trace's events, read when the file was opened. */
    readonly events: TraceEvents | null = null,
  ) {}

  dispose(): void {
    // Nothing held but memory.
  }
}

/** One open trace editor, as the tests and the tree see it. */
export interface TraceEditorState {
  document: TraceDocument;
  /** The webview has loaded and said ready at least once. */
  ready: boolean;
  player: TracePlayer | null;
  /** The banner last sent (the error, for a file that cannot be replayed). */
  banner: string | null;
  /** The state the graph shows and the moment it is of (ms from the trace's start); null before the first. */
  shown: Snapshot | null;
  t: number;
  /** Its editor is the active editor (the tree follows it then: followTrace.ts). */
  active: boolean;
}

/** Reads a trace through the workspace file system (local, Remote-SSH, code-server alike). */
export async function openTraceDocument(uri: vscode.Uri): Promise<TraceDocument> {
  try {
    const bytes = await vscode.workspace.fs.readFile(uri);
    // In slices: a big trace must not hold the extension host's thread (every extension's) for seconds.
    const trace = await parseTraceBytesInSlices(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return new TraceDocument(uri, trace, null, await eventsInSlices(trace));
  } catch (err) {
    const reason = err instanceof TraceError ? err.message : err instanceof Error ? err.message : String(err);
    return new TraceDocument(uri, null, `This file cannot be replayed: ${reason}`);
  }
}

/** The trace's events (a pass over every diff: a second or more for an hour) read in ~10 ms slices. */
async function eventsInSlices(trace: Trace, sliceMs = 10): Promise<TraceEvents> {
  const reader = new TraceEventReader(trace);
  while (!reader.done) {
    const until = performance.now() + sliceMs;
    while (!reader.done && performance.now() < until) reader.read(4);
    if (!reader.done) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return reader.result();
}

export class TraceEditorProvider implements vscode.CustomReadonlyEditorProvider<TraceDocument> {
  /** Open editors, newest last. */
  readonly editors: TraceEditorState[] = [];
  private readonly changed = new vscode.EventEmitter<TraceEditorState>();
  /** An editor became active or inactive, moved to another moment, or closed. */
  readonly onDidChangeEditor = this.changed.event;

  static register(
    context: vscode.ExtensionContext,
    log: vscode.LogOutputChannel,
  ): { provider: TraceEditorProvider; disposable: vscode.Disposable } {
    const provider = new TraceEditorProvider(context.extensionUri, log);
    const disposable = vscode.window.registerCustomEditorProvider(TRACE_EDITOR_VIEW_TYPE, provider, {
      // A hidden editor keeps nothing but the parsed trace; its graph is rebuilt from the player's position.
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: true,
    });
    return { provider, disposable: vscode.Disposable.from(disposable, provider.changed) };
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  openCustomDocument(uri: vscode.Uri): Promise<TraceDocument> {
    return openTraceDocument(uri);
  }

  resolveCustomEditor(document: TraceDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    setGraphPage(webview, this.extensionUri);
    // What the webview draws, not the whole model at each moment (issue 13): a far seek changes most processes.
    const relay = new DrawnRelay((m) => void webview.postMessage(m));
    const post = (m: HostToWebview, shown?: Snapshot): void => {
      if (m.type === 'status') state.banner = m.message;
      relay.send(m, shown);
      if (shown) state.shown = shown;
      if (m.type === 'replayAt') {
        state.t = m.t;
        this.changed.fire(state);
      }
    };
    const state: TraceEditorState = {
      document,
      ready: false,
      player: document.trace ? new TracePlayer(document.trace, post, undefined, document.events ?? undefined) : null,
      banner: null,
      shown: null,
      t: 0,
      active: panel.active,
    };
    if (document.error) this.log.warn(`trace ${document.uri.fsPath}: ${document.error}`);
    this.editors.push(state);
    const subs = [
      webview.onDidReceiveMessage((m: unknown) => {
        if (!isWebviewToHost(m)) return;
        try {
          if (relay.answer(m)) return;
          switch (m.type) {
            case 'ready':
              post({ type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: DEFAULT_GRAPH_CONFIG });
              if (state.player) state.player.ready();
              else post({ type: 'status', message: document.error ?? 'This file cannot be replayed.', severity: 'error' });
              state.ready = true;
              return;
            case 'replayControl':
              return state.player?.control(m);
            case 'log':
              return this.log[m.level === 'warn' ? 'warn' : m.level](`trace webview: ${m.message}`);
            default:
              // A trace is history: no terminal, signal or kill on what it shows (the PIDs may be others' now).
              return;
          }
        } catch (err) {
          // A bad moment must not take the editor down: say it in the editor and the log.
          this.log.error(`trace ${document.uri.fsPath}: ${(err as Error).stack ?? String(err)}`);
          post({ type: 'status', message: `Replay failed: ${(err as Error).message}`, severity: 'error' });
        }
      }),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) state.player?.hidden();
        if (state.active !== panel.active) {
          state.active = panel.active;
          this.changed.fire(state);
        }
      }),
    ];
    panel.onDidDispose(() => {
      subs.forEach((s) => s.dispose());
      state.player?.dispose();
      const i = this.editors.indexOf(state);
      if (i >= 0) this.editors.splice(i, 1);
      state.active = false;
      this.changed.fire(state);
    });
  }
}
