// The graph webview's HTML. Pure (no vscode import) so that the webview tests serve exactly this page,
// with exactly this Content Security Policy, to Chromium.
//
// The bundle and the stylesheet are written into the page, not linked: a webview's linked resources come
// through VS Code's service worker, which now and then is not ready for a new webview (in code-server 3 graphs
// in 18 on this VM; the same in the issue trackers of code-server and of other extensions), and the graph then
// stayed an empty page. Inline, the page needs nothing from the service worker (0 in 20 since).
//
// CSP: nothing by default; scripts only with this page's nonce; styles only from the extension
// (cspSource) or with the nonce. Lit (inside @vscode-elements) styles its shadow roots through
// constructable stylesheets, which CSP does not govern, so no 'unsafe-inline' is needed.

import { randomBytes } from 'node:crypto';

export interface GraphHtmlParts {
  /** webview.cspSource */
  cspSource: string;
  /** The text of dist/webview.js */
  script: string;
  /** The text of media/graph.css */
  style: string;
  /** asWebviewUri of dist/webview.js.map, for the webview's developer tools (loaded only when they are open) */
  sourceMapUri?: string;
  nonce?: string;
}

/**
 * Text that cannot end the element it is written into: `</script` or `</style` in a string or comment of the
 * bundle would close the element early. `<\/` means the same inside a JS string, regex or comment and in CSS.
 */
function inElement(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</${tag}`, 'gi'), `<\\/${tag}`);
}

/** The bundle with its source map named by a URL the webview can load (the relative one would not resolve). */
function withSourceMap(script: string, mapUri: string | undefined): string {
  const bare = script.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  return mapUri ? `${bare}//# sourceMappingURL=${mapUri}\n` : bare;
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
<style nonce="${nonce}">
${inElement(parts.style, 'style')}
</style>
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
<script nonce="${nonce}">
${inElement(withSourceMap(parts.script, parts.sourceMapUri), 'script')}
</script>
</body>
</html>`;
}
