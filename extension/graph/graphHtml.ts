// The graph webview's HTML. Pure (no vscode import) so that the webview tests serve exactly this page,
// with exactly this Content Security Policy, to Chromium.
//
// CSP: nothing by default; scripts only with this page's nonce; styles only from the extension
// (cspSource) or with the nonce. Lit (inside @vscode-elements) styles its shadow roots through
// constructable stylesheets, which CSP does not govern, so no 'unsafe-inline' is needed.

import { randomBytes } from 'node:crypto';

export interface GraphHtmlParts {
  /** webview.cspSource */
  cspSource: string;
  /** asWebviewUri of dist/webview.js */
  scriptUri: string;
  /** asWebviewUri of media/graph.css */
  styleUri: string;
  nonce?: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function graphCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function graphHtml(parts: GraphHtmlParts): string {
  const nonce = parts.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${graphCsp(parts.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${parts.styleUri}">
<title>PID Namespace Graph</title>
</head>
<body>
<div id="toolbar" role="toolbar" aria-label="Graph controls">
  <vscode-button id="fit" secondary aria-label="Fit the whole tree into view (F)">Fit to view</vscode-button>
  <div id="find" role="search">
    <vscode-textfield id="search" placeholder="Find namespace, process, container" aria-label="Find a namespace (inode), process (name or PID at any level) or container (name, id, image, pod); Enter next, Shift+Enter previous, Escape clears (Ctrl+F)" aria-describedby="search-count"></vscode-textfield>
    <span id="search-count" aria-live="polite"></span>
    <vscode-button id="search-prev" secondary disabled aria-label="Previous match (Shift+Enter)" title="Previous match (Shift+Enter)">↑</vscode-button>
    <vscode-button id="search-next" secondary disabled aria-label="Next match (Enter)" title="Next match (Enter)">↓</vscode-button>
  </div>
  <vscode-button id="minimap-toggle" secondary aria-pressed="false" aria-label="Show or hide the minimap: the whole drawing in the corner, click or drag it to move">Minimap</vscode-button>
  <span class="legend">Columns L0, L1, … hold a process's PID as seen from each level. Keys: arrows move, Enter selects, E expands, R enters rows.</span>
</div>
<div id="banner" role="status" hidden></div>
<div id="viewport" role="tree" aria-label="PID namespaces: each card is a namespace, its rows are its processes with their PID at every level" tabindex="-1">
  <div id="world">
    <svg id="edges" aria-hidden="true" width="1" height="1"></svg>
  </div>
  <svg id="minimap" aria-hidden="true" width="1" height="1" hidden></svg>
</div>
<div id="tooltip" role="tooltip" hidden></div>
<div id="details" aria-live="polite"></div>
<script nonce="${nonce}" src="${parts.scriptUri}"></script>
</body>
</html>`;
}
