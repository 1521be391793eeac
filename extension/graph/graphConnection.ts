// Binds one graph webview (in an editor panel or in the panel area) to the snapshot source and the
// extension's actions. The webview's DOM is thrown away whenever it is hidden, so the connection
// forgets that it was ready on hide and sends a full snapshot on the next `ready`; diffs are only
// sent on top of a snapshot that webview instance has seen.

import * as vscode from 'vscode';
import type { SnapshotChange, SnapshotSource } from '../snapshotSource';
import type { Snapshot } from '../../shared/core/types';
import {
  DEFAULT_GRAPH_CONFIG,
  isWebviewToHost,
  WEBVIEW_PROTOCOL_VERSION,
  type GraphConfig,
  type GraphTarget,
  type HostToWebview,
  type NsRef,
  type WebviewToHost,
} from '../../shared/webviewProtocol';
import { graphHtml } from './graphHtml';
import { OFFERED_SIGNALS, type GraphActions } from './graphActions';

export class GraphConnection implements vscode.Disposable {
  private ready = false;
  /** The created-here set last sent, so that a diff carries it only when it changed. */
  private sentCreated = '';
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly webview: vscode.Webview,
    extensionUri: vscode.Uri,
    private readonly viewId: string,
    private readonly source: SnapshotSource,
    private readonly actions: GraphActions,
  ) {
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    webview.html = graphHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'graph.css')).toString(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      source.onDidChange((c) => this.onChange(c)),
    );
  }

  /** The view was shown or hidden; polling runs only while some view is visible. */
  setVisible(visible: boolean): void {
    if (!visible) this.ready = false;
    this.source.setViewVisible(this.viewId, visible);
  }

  reveal(target: GraphTarget): void {
    if (this.ready) this.post({ type: 'reveal', target });
  }

  dispose(): void {
    this.source.setViewVisible(this.viewId, false);
    this.disposables.forEach((d) => d.dispose());
  }

  private post(m: HostToWebview): void {
    void this.webview.postMessage(m);
  }

  private onChange(change: SnapshotChange): void {
    if (!this.ready) return;
    const created = this.created(change.snapshot);
    const key = JSON.stringify(created);
    const changed = key !== this.sentCreated;
    this.sentCreated = key;
    this.post(
      change.diff
        ? { type: 'diff', diff: change.diff, ...(changed ? { created } : {}) }
        : { type: 'snapshot', snapshot: change.snapshot, created },
    );
  }

  private onMessage(m: unknown): void {
    if (!isWebviewToHost(m)) return;
    void this.handle(m).catch((err: unknown) => this.actions.log?.('error', `graph action failed: ${String(err)}`));
  }

  private async handle(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.onReady();
      case 'revealInTree':
        return this.actions.revealInTree(m.target);
      case 'openTerminal':
        return this.actions.openTerminal(m.ns);
      case 'killInit':
        return this.killInit(m);
      case 'sendSignal':
        return this.sendSignal(m);
      case 'log':
        return this.actions.log?.(m.level, `graph webview: ${m.message}`);
      case 'replayControl':
        return; // only the trace editor's graph has a timeline (extension/trace/traceEditor.ts)
    }
  }

  private onReady(): void {
    this.ready = true;
    this.post({ type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: readConfig() });
    const snapshot = this.source.current();
    if (snapshot) {
      const created = this.created(snapshot);
      this.sentCreated = JSON.stringify(created);
      this.post({ type: 'snapshot', snapshot, created });
    } else this.post({ type: 'status', message: 'Waiting for the first snapshot from the helper…', severity: 'info' });
  }

  /** The namespaces of the snapshot this window created, by (dev, inode). */
  private created(snapshot: Snapshot): NsRef[] {
    const inodes = this.actions.createdInodes?.() ?? new Set<number>();
    return snapshot.namespaces.filter((ns) => inodes.has(ns.inode)).map((ns) => ({ dev: ns.dev, inode: ns.inode }));
  }

  private async killInit(m: Extract<WebviewToHost, { type: 'killInit' }>): Promise<void> {
    const answer = await vscode.window.showWarningMessage(
      `Kill PID 1 of pid:[${m.ns.inode}]? The kernel then kills every process in that namespace and below it.`,
      { modal: true },
      'Kill init',
    );
    if (answer === 'Kill init') await this.actions.killInit(m.ns);
  }

  private async sendSignal(m: Extract<WebviewToHost, { type: 'sendSignal' }>): Promise<void> {
    const signal = m.signal ?? (await vscode.window.showQuickPick(OFFERED_SIGNALS, { title: `Send a signal to process ${m.proc.pid}` }));
    if (signal) await this.actions.sendSignal(m.proc, signal);
  }
}

function readConfig(): GraphConfig {
  const c = vscode.workspace.getConfiguration('pidnsExplorer.graph');
  return {
    collapseAbove: c.get<number>('collapseAbove', DEFAULT_GRAPH_CONFIG.collapseAbove),
    maxRowsPerCard: c.get<number>('maxRowsPerCard', DEFAULT_GRAPH_CONFIG.maxRowsPerCard),
    animate: c.get<boolean>('animate', DEFAULT_GRAPH_CONFIG.animate),
  };
}
