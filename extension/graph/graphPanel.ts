// Host side of the graph's two places: the editor panel ("Show Namespace Graph": one panel, created or
// brought to front, and restored after a window reload by a WebviewPanelSerializer, which is why package.json
// lists `onWebviewPanel:pidnsExplorer.graph` in activationEvents) and the `webview` view
// `pidnsExplorer.graphView` in the panel area. Each open one is in the GraphRegistry while it is open.

import * as vscode from 'vscode';
import type { SnapshotSource } from '../snapshotSource';
import { GraphConnection } from './graphConnection';
import type { GraphActions } from './graphActions';
import type { GraphRegistry, OpenGraphView } from './graphRegistry';

export const GRAPH_PANEL_TYPE = 'pidnsExplorer.graph';
export const GRAPH_VIEW_ID = 'pidnsExplorer.graphView';

/** What every graph view is made of: where its files are, the live model, what its buttons do, and the registry. */
export interface GraphHost {
  extensionUri: vscode.Uri;
  source: SnapshotSource;
  actions: GraphActions;
  registry: GraphRegistry;
}

/** The graph panel: the open one brought to front, or a new one in the active column. */
export function showGraphPanel(host: GraphHost, preserveFocus = false): OpenGraphView {
  const open = host.registry.panel;
  if (open) {
    open.show(preserveFocus);
    return open;
  }
  const panel = vscode.window.createWebviewPanel(
    GRAPH_PANEL_TYPE,
    'PID Namespace Graph',
    { viewColumn: vscode.ViewColumn.Active, preserveFocus },
    {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(host.extensionUri, 'dist'), vscode.Uri.joinPath(host.extensionUri, 'media')],
    },
  );
  return new GraphPanel(panel, host);
}

/** Brings the panel back after a reload; the webview's zoom, collapse and selection come back from its setState. */
export function registerGraphPanelSerializer(host: GraphHost): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(GRAPH_PANEL_TYPE, {
    deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
      host.registry.panel?.dispose();
      new GraphPanel(panel, host);
    },
  });
}

/** The same graph as a view in the panel area; it polls only while that view is visible. */
export function registerGraphView(host: GraphHost): vscode.Disposable {
  return vscode.window.registerWebviewViewProvider(GRAPH_VIEW_ID, {
    resolveWebviewView: (view: vscode.WebviewView) => void new GraphAreaView(view, host),
  });
}

class GraphPanel implements OpenGraphView {
  readonly kind = 'panel';
  readonly connection: GraphConnection;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly panel: vscode.WebviewPanel,
    host: GraphHost,
  ) {
    this.connection = new GraphConnection(panel.webview, host.extensionUri, GRAPH_PANEL_TYPE, host.source, host.actions);
    this.connection.setVisible(panel.visible);
    this.disposables = [
      host.registry.add(this),
      this.connection,
      panel.onDidChangeViewState((e) => this.connection.setVisible(e.webviewPanel.visible)),
      panel.onDidDispose(() => this.dispose()),
    ];
  }

  get visible(): boolean {
    return this.panel.visible;
  }

  show(preserveFocus = true): void {
    this.panel.reveal(undefined, preserveFocus);
  }

  dispose(): void {
    this.disposables.splice(0).forEach((d) => d.dispose());
    this.panel.dispose();
  }
}

class GraphAreaView implements OpenGraphView {
  readonly kind = 'view';
  readonly connection: GraphConnection;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly view: vscode.WebviewView,
    host: GraphHost,
  ) {
    this.connection = new GraphConnection(view.webview, host.extensionUri, GRAPH_VIEW_ID, host.source, host.actions);
    this.connection.setVisible(view.visible);
    this.disposables = [
      host.registry.add(this),
      this.connection,
      view.onDidChangeVisibility(() => this.connection.setVisible(view.visible)),
      view.onDidDispose(() => this.dispose()),
    ];
  }

  get visible(): boolean {
    return this.view.visible;
  }

  show(preserveFocus = true): void {
    this.view.show(preserveFocus);
  }

  /** VS Code owns the view itself: only our side of it goes. */
  dispose(): void {
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}
