// Host side of the graph's two places: the editor panel ("Show Namespace Graph": one panel, created or
// brought to front, and restored after a window reload by a WebviewPanelSerializer, which is why package.json
// lists `onWebviewPanel:pidnsExplorer.graph` in activationEvents) and the `webview` view
// `pidnsExplorer.graphView` in the panel area. Each open one is in the GraphRegistry while it is open.

import * as vscode from 'vscode';
import type { SnapshotSource } from '../snapshotSource';
import { GraphConnection } from './graphConnection';
import type { GraphActions } from './graphActions';
import type { GraphRegistry, GraphViewKind, OpenGraphView } from './graphRegistry';

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
  return new GraphView(panelSurface(panel), host);
}

/** Brings the panel back after a reload; the webview's zoom, collapse and selection come back from its setState. */
export function registerGraphPanelSerializer(host: GraphHost): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(GRAPH_PANEL_TYPE, {
    deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
      host.registry.panel?.dispose();
      new GraphView(panelSurface(panel), host);
    },
  });
}

/** The same graph as a view in the panel area; it polls only while that view is visible. */
export function registerGraphView(host: GraphHost): vscode.Disposable {
  return vscode.window.registerWebviewViewProvider(GRAPH_VIEW_ID, {
    resolveWebviewView: (view: vscode.WebviewView) => void new GraphView(areaSurface(view), host),
  });
}

/** What differs between the two places: the webview, how it shows, tells visibility, and goes away. */
interface Surface {
  kind: GraphViewKind;
  webview: vscode.Webview;
  viewType: string;
  visible(): boolean;
  onDidChangeVisibility(listener: () => void): vscode.Disposable;
  onDidDispose(listener: () => void): vscode.Disposable;
  show(preserveFocus: boolean): void;
  /** The editor panel is ours to close; VS Code owns the panel-area view, so only our side of it goes. */
  close(): void;
}

function panelSurface(panel: vscode.WebviewPanel): Surface {
  return {
    kind: 'panel',
    webview: panel.webview,
    viewType: GRAPH_PANEL_TYPE,
    visible: () => panel.visible,
    onDidChangeVisibility: (listener) => panel.onDidChangeViewState(listener),
    onDidDispose: (listener) => panel.onDidDispose(listener),
    show: (preserveFocus) => panel.reveal(undefined, preserveFocus),
    close: () => panel.dispose(),
  };
}

function areaSurface(view: vscode.WebviewView): Surface {
  return {
    kind: 'view',
    webview: view.webview,
    viewType: GRAPH_VIEW_ID,
    visible: () => view.visible,
    onDidChangeVisibility: (listener) => view.onDidChangeVisibility(listener),
    onDidDispose: (listener) => view.onDidDispose(listener),
    show: (preserveFocus) => view.show(preserveFocus),
    close: () => undefined,
  };
}

/** An open graph in either place: its connection streams while the place is visible; in the registry while open. */
class GraphView implements OpenGraphView {
  readonly kind: GraphViewKind;
  readonly connection: GraphConnection;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly surface: Surface,
    host: GraphHost,
  ) {
    this.kind = surface.kind;
    this.connection = new GraphConnection(surface.webview, host.extensionUri, surface.viewType, host.source, host.actions);
    this.connection.setVisible(surface.visible());
    this.disposables = [
      host.registry.add(this),
      this.connection,
      surface.onDidChangeVisibility(() => this.connection.setVisible(surface.visible())),
      surface.onDidDispose(() => this.dispose()),
    ];
  }

  get visible(): boolean {
    return this.surface.visible();
  }

  show(preserveFocus = true): void {
    this.surface.show(preserveFocus);
  }

  dispose(): void {
    this.disposables.splice(0).forEach((d) => d.dispose());
    this.surface.close();
  }
}
