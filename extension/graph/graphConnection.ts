// Binds one graph webview (in an editor panel or in the panel area) to the snapshot source and the
// extension's actions. The webview's DOM is thrown away whenever it is hidden, so the connection
// forgets that it was ready on hide and sends a snapshot on the next `ready`; diffs are only
// sent on top of a snapshot that webview instance has seen. What it is sent is what it draws (drawnFeed.ts):
// namespaces and counts first, the rows of the cards it draws when it asks for them. A reveal ("Show in Graph") waits the same
// way: the latest one is held until the webview is ready and has a snapshot to find the target in.

import * as vscode from 'vscode';
import type { SnapshotChange, SnapshotSource } from '../snapshotSource';
import type { Snapshot } from '../../shared/core/types';
import {
  DEFAULT_GRAPH_CONFIG,
  isWebviewToHost,
  WEBVIEW_PROTOCOL_VERSION,
  type GraphConfig,
  type GraphTarget,
  type Highlight,
  type HostToWebview,
  type NsRef,
  type ProcRef,
  type WebviewToHost,
} from '../../shared/webviewProtocol';
import { setGraphPage } from './graphPage';
import { DrawnFeed } from './drawnFeed';
import type { GraphActions } from './graphActions';

/** A lesson step's highlight and when it lapses (ms since the epoch; Infinity: until cleared). */
export interface HeldHighlight {
  highlight: Highlight;
  until: number;
}

export function holdHighlight(h: Highlight | null): HeldHighlight | undefined {
  return h ? { highlight: h, until: h.untilMs === undefined ? Infinity : Date.now() + h.untilMs } : undefined;
}

/**
 * The held highlight for a view that gets it late: with only the time its outlines have left, or once they
 * lapsed its caption alone (which stays until cleared or dismissed); undefined when nothing is held.
 */
export function stillHeld(held: HeldHighlight | undefined): Highlight | undefined {
  if (!held) return undefined;
  const left = held.until - Date.now();
  if (left === Infinity) return held.highlight;
  if (left > 0) return { ...held.highlight, untilMs: left };
  return { caption: held.highlight.caption, namespaces: [], processes: [] };
}

interface PendingReveal {
  target: GraphTarget;
  settle(delivered: boolean): void;
}

export class GraphConnection implements vscode.Disposable {
  private ready = false;
  /** This webview instance has been sent a snapshot: diffs and reveals make sense to it. */
  private hasModel = false;
  private pendingReveal: PendingReveal | undefined;
  /** The last reveal VS Code delivered to the webview (for tests and the log). */
  private lastRevealed: GraphTarget | undefined;
  /** A guided experiment's highlight: sent again to a webview made anew, while it holds. */
  private highlighted: HeldHighlight | undefined;
  /** The last highlight VS Code delivered to the webview (for tests and the log). */
  private lastHighlighted: Highlight | null = null;
  /** The created-here set last sent, so that a diff carries it only when it changed. */
  private sentCreated = '';
  /** What this webview instance holds of the model. */
  private readonly feed = new DrawnFeed();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly webview: vscode.Webview,
    extensionUri: vscode.Uri,
    private readonly viewId: string,
    private readonly source: SnapshotSource,
    private readonly actions: GraphActions,
  ) {
    setGraphPage(webview, extensionUri);
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      source.onDidChange((c) => this.onChange(c)),
    );
  }

  /** The view was shown or hidden; polling runs only while some view is visible. */
  setVisible(visible: boolean): void {
    if (!visible) this.ready = this.hasModel = false;
    this.source.setViewVisible(this.viewId, visible);
  }

  /**
   * Select and centre `target` in the webview, now if it is ready, else as soon as it is. Only the latest
   * reveal is kept: true once VS Code delivered it, false when a newer reveal or closing the view replaced it.
   */
  reveal(target: GraphTarget): Promise<boolean> {
    this.pendingReveal?.settle(false);
    return new Promise<boolean>((resolve) => {
      this.pendingReveal = { target, settle: resolve };
      this.flushReveal();
    });
  }

  /**
   * Outline what a lesson's step names, with its caption (null clears). It is kept until cleared or until its
   * `untilMs` is over, and sent again after a hide/show, which throws the webview's DOM away.
   */
  highlight(h: Highlight | null): void {
    this.highlighted = holdHighlight(h);
    if (this.ready && this.hasModel) {
      if (h) this.postExtras([...h.processes, ...(h.arrow ? [h.arrow.from, h.arrow.to] : [])]);
      this.postHighlight(h);
    }
  }

  /** Processes about to be pointed at that the webview may not hold (in a card whose rows it does not draw). */
  private postExtras(refs: ProcRef[]): void {
    const s = this.source.current();
    const m = s && refs.length > 0 ? this.feed.extras(s, refs) : undefined;
    if (m) this.post(m);
  }

  get lastHighlight(): Highlight | null {
    return this.lastHighlighted;
  }

  private postHighlight(h: Highlight | null): void {
    void this.webview.postMessage({ type: 'highlight', highlight: h } satisfies HostToWebview).then(
      (delivered) => {
        if (delivered) this.lastHighlighted = h;
      },
      () => undefined,
    );
  }

  private flushHighlight(): void {
    const h = stillHeld(this.highlighted);
    if (!h) return;
    this.postExtras([...h.processes, ...(h.arrow ? [h.arrow.from, h.arrow.to] : [])]);
    this.postHighlight(h);
  }

  get revealed(): GraphTarget | undefined {
    return this.lastRevealed;
  }

  dispose(): void {
    this.pendingReveal?.settle(false);
    this.pendingReveal = undefined;
    this.source.setViewVisible(this.viewId, false);
    this.disposables.splice(0).forEach((d) => d.dispose());
  }

  private flushReveal(): void {
    const pending = this.pendingReveal;
    if (!pending || !this.ready || !this.hasModel) return;
    this.pendingReveal = undefined;
    if (pending.target.kind === 'process') this.postExtras([pending.target.proc]);
    void this.webview.postMessage({ type: 'reveal', target: pending.target } satisfies HostToWebview).then(
      (delivered) => {
        if (delivered) this.lastRevealed = pending.target;
        pending.settle(delivered);
      },
      () => pending.settle(false),
    );
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
      change.diff && this.hasModel
        ? { ...this.feed.diff(change.diff, change.snapshot), ...(changed ? { created } : {}) }
        : { ...this.feed.snapshot(change.snapshot), created },
    );
    if (!this.hasModel) {
      this.hasModel = true;
      this.flushHighlight();
    }
    this.flushReveal();
  }

  private onMessage(m: unknown): void {
    if (!isWebviewToHost(m)) return;
    void this.handle(m).catch((err: unknown) => this.actions.log?.('error', `graph action failed: ${String(err)}`));
  }

  private async handle(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.onReady();
      case 'draw': {
        const s = this.source.current();
        const rows = s && this.hasModel ? this.feed.rows(s, m.namespaces) : undefined;
        if (rows) this.post(rows);
        return;
      }
      case 'find': {
        const s = this.source.current();
        if (s && this.hasModel) this.post(this.feed.find(s, m.id, m.query));
        return;
      }
      case 'revealInTree':
        return this.actions.revealInTree(m.target);
      case 'openTerminal':
        return this.actions.openTerminal(m.ns);
      case 'killInit':
        return this.actions.killInit(m.ns);
      case 'sendSignal':
        return this.actions.sendSignal(m.proc, m.signal);
      case 'log':
        return this.actions.log?.(m.level, `graph webview: ${m.message}`);
      case 'dismissHighlight':
        return this.actions.dismissHighlight?.();
      case 'replayControl':
        return; // only the trace editor's graph has a timeline (extension/trace/traceEditor.ts)
    }
  }

  private onReady(): void {
    this.ready = true;
    this.feed.reset();
    this.post({ type: 'config', protocol: WEBVIEW_PROTOCOL_VERSION, config: readConfig() });
    const snapshot = this.source.current();
    if (snapshot) {
      const created = this.created(snapshot);
      this.sentCreated = JSON.stringify(created);
      const t0 = performance.now();
      const m = this.feed.snapshot(snapshot);
      this.post({ ...m, created });
      this.actions.log?.(
        'info',
        `graph: ready → snapshot posted (${snapshot.namespaces.length} namespaces, ${m.snapshot.processes.length} of ${snapshot.processes.length} processes) in ${(performance.now() - t0).toFixed(1)} ms`,
      );
      this.hasModel = true;
      this.flushHighlight();
      this.flushReveal();
    } else this.post({ type: 'status', message: 'Waiting for the first snapshot from the helper…', severity: 'info' });
  }

  /** The namespaces of the snapshot this window created, by (dev, inode). */
  private created(snapshot: Snapshot): NsRef[] {
    const inodes = this.actions.createdInodes?.() ?? new Set<number>();
    return snapshot.namespaces.filter((ns) => inodes.has(ns.inode)).map((ns) => ({ dev: ns.dev, inode: ns.inode }));
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
