// Host side of "Show Namespace Graph": one editor panel (created or brought to front), restored after a
// window reload by a WebviewPanelSerializer, and optionally the same view in the panel area.
//
// The extension registers it like this (in activate):
//
//   context.subscriptions.push(
//     GraphPanel.registerSerializer(context, source, actions),
//     vscode.commands.registerCommand('pidnsExplorer.showGraph', () => GraphPanel.createOrShow(context, source, actions)),
//     // optional, with a `webview` view `pidnsExplorer.graphView` contributed in package.json:
//     GraphViewProvider.register(context, source, actions),
//   );
//
// and package.json needs `"onWebviewPanel:pidnsExplorer.graph"` in activationEvents (implicit since
// VS Code 1.74 for contributed views, but not for serializers of panels opened by a command).

import * as vscode from 'vscode';
import type { SnapshotSource } from '../snapshotSource';
import type { GraphTarget } from '../../shared/webviewProtocol';
import { GraphConnection } from './graphConnection';
import type { GraphActions } from './graphActions';

export class GraphPanel implements vscode.Disposable {
  static readonly viewType = 'pidnsExplorer.graph';
  private static current: GraphPanel | undefined;
  private readonly connection: GraphConnection;
  private readonly disposables: vscode.Disposable[] = [];

  static createOrShow(context: vscode.ExtensionContext, source: SnapshotSource, actions: GraphActions): GraphPanel {
    if (GraphPanel.current) {
      GraphPanel.current.panel.reveal();
      return GraphPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(GraphPanel.viewType, 'PID Namespace Graph', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    });
    return (GraphPanel.current = new GraphPanel(panel, context, source, actions));
  }

  /** Brings panels back after a reload; the webview's zoom, collapse and selection come back from its setState. */
  static registerSerializer(context: vscode.ExtensionContext, source: SnapshotSource, actions: GraphActions): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(GraphPanel.viewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        GraphPanel.current?.dispose();
        GraphPanel.current = new GraphPanel(panel, context, source, actions);
      },
    });
  }

  /** "Show in Graph" from the tree: select and centre the node if the graph is open. */
  static reveal(target: GraphTarget): boolean {
    if (!GraphPanel.current) return false;
    GraphPanel.current.panel.reveal(undefined, true);
    GraphPanel.current.connection.reveal(target);
    return true;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    source: SnapshotSource,
    actions: GraphActions,
  ) {
    this.connection = new GraphConnection(panel.webview, context.extensionUri, GraphPanel.viewType, source, actions);
    this.connection.setVisible(panel.visible);
    this.disposables.push(
      this.connection,
      panel.onDidChangeViewState((e) => this.connection.setVisible(e.webviewPanel.visible)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  dispose(): void {
    if (GraphPanel.current === this) GraphPanel.current = undefined;
    this.disposables.splice(0).forEach((d) => d.dispose());
    this.panel.dispose();
  }
}

/** The same graph as a view in the panel area (bottom), for a `webview` view contributed as `pidnsExplorer.graphView`. */
export class GraphViewProvider implements vscode.WebviewViewProvider {
  static readonly viewId = 'pidnsExplorer.graphView';

  static register(context: vscode.ExtensionContext, source: SnapshotSource, actions: GraphActions): vscode.Disposable {
    return vscode.window.registerWebviewViewProvider(GraphViewProvider.viewId, new GraphViewProvider(context, source, actions));
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly source: SnapshotSource,
    private readonly actions: GraphActions,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    const connection = new GraphConnection(view.webview, this.context.extensionUri, GraphViewProvider.viewId, this.source, this.actions);
    connection.setVisible(view.visible);
    const visibility = view.onDidChangeVisibility(() => connection.setVisible(view.visible));
    const disposed = view.onDidDispose(() => {
      visibility.dispose();
      connection.dispose();
      disposed.dispose();
    });
  }
}
