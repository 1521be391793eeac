// The graph's page in a webview (the graph views and the trace editor): options and HTML, with the bundle and
// stylesheet read once per extension host and written into the page (graphHtml.ts says why).
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { graphHtml } from './graphHtml';

let assets: { script: string; style: string } | undefined;

function readAssets(extensionUri: vscode.Uri): { script: string; style: string } {
  assets ??= {
    script: readFileSync(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js').fsPath, 'utf8'),
    style: readFileSync(vscode.Uri.joinPath(extensionUri, 'media', 'graph.css').fsPath, 'utf8'),
  };
  return assets;
}

export function setGraphPage(webview: vscode.Webview, extensionUri: vscode.Uri): void {
  const dist = vscode.Uri.joinPath(extensionUri, 'dist');
  // Only the source map is loaded from the extension's files, and only by the webview's developer tools.
  webview.options = { enableScripts: true, localResourceRoots: [dist] };
  webview.html = graphHtml({
    cspSource: webview.cspSource,
    ...readAssets(extensionUri),
    sourceMapUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js.map')).toString(),
  });
}
