// Entry of the graph webview (bundled to dist/webview.js as a browser IIFE). Builds the page from
// the skeleton the host's HTML provides, talks to the host only through the typed messages of
// shared/webviewProtocol.ts, and reports its own errors to the host's log.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { isHostToWebview, WEBVIEW_PROTOCOL_VERSION, type HostToWebview, type WebviewToHost } from '../shared/webviewProtocol';
import { GraphView } from './graphView';
import { ReplayTimeline } from './replay';
import { SearchBox } from './searchBox';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

function byId<T extends Element = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`graph page lacks #${id}`);
  return e as unknown as T;
}

/**
 * When each step of opening happened (performance.timeOrigin + now(), one clock across frames), read by the
 * e2e bench to say where "Show Namespace Graph → cards drawn" goes.
 */
const marks: Record<string, number> = {};
const mark = (name: string): number => (marks[name] ??= performance.timeOrigin + performance.now());
(window as unknown as { __pidnsGraph: Record<string, number> }).__pidnsGraph = marks;

function start(): void {
  mark('script');
  const vscode = acquireVsCodeApi();
  const post = (m: WebviewToHost): void => vscode.postMessage(m);
  const view = new GraphView(
    {
      viewport: byId('viewport'),
      world: byId('world'),
      edges: byId<SVGSVGElement>('edges'),
      tooltip: byId('tooltip'),
      details: byId('details'),
      banner: byId('banner'),
      minimap: byId<SVGSVGElement>('minimap'),
      minimapToggle: byId<HTMLElement>('minimap-toggle'),
    },
    vscode,
    post,
  );
  byId('fit').addEventListener('click', () => view.fit());
  const search = new SearchBox(
    {
      field: byId<HTMLElement & { value: string }>('search'),
      count: byId('search-count'),
      prev: byId('search-prev'),
      next: byId('search-next'),
    },
    { model: view.model, show: (hit) => view.showHit(hit), leave: () => view.focusGraph(), find: (q) => view.find(q, true) },
  );
  view.onModelChange = () => search.refresh();
  window.addEventListener('message', (ev: MessageEvent) => {
    if (!isHostToWebview(ev.data)) return;
    try {
      dispatch(view, ev.data, post);
    } catch (err) {
      post({ type: 'log', level: 'error', message: `graph: ${(err as Error).stack ?? String(err)}` });
    }
  });
  window.addEventListener('error', (ev) => post({ type: 'log', level: 'error', message: `graph: ${ev.message}` }));
  post({ type: 'ready', protocol: WEBVIEW_PROTOCOL_VERSION });
  mark('ready');
}

/** The trace editor's timeline, made on its first `replay` message (the live graph never gets one). */
let replay: ReplayTimeline | undefined;

function dispatch(view: GraphView, m: HostToWebview, post: (m: WebviewToHost) => void): void {
  switch (m.type) {
    case 'config':
      if (m.protocol !== WEBVIEW_PROTOCOL_VERSION)
        view.setBanner(`Graph protocol mismatch (host ${m.protocol}, view ${WEBVIEW_PROTOCOL_VERSION}): reload the window.`, 'error');
      view.setConfig(m.config);
      return;
    case 'snapshot':
      mark('snapshotIn');
      view.setSnapshot(m.snapshot, m.created, m.held, m.counts);
      mark('snapshotDone');
      requestAnimationFrame(() => mark('snapshotFrame'));
      return;
    case 'diff':
      return view.applyDiff(m.diff, m.created, m.counts, m.jump === true);
    case 'rows':
      mark('rowsIn');
      view.addProcesses(m.held, m.processes);
      requestAnimationFrame(() => mark('rowsFrame'));
      return;
    case 'found':
      return view.addProcesses([], m.processes);
    case 'reveal':
      return view.reveal(m.target);
    case 'status':
      return view.setBanner(m.message, m.severity);
    case 'highlight':
      return view.highlight(m.highlight);
    case 'replay':
      return (replay ??= new ReplayTimeline(document.body, post)).load(m);
    case 'replayAt':
      return replay?.setPosition(m);
  }
}

start();
