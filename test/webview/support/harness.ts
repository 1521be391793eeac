// Runs the graph webview on its own in Debian's Chromium: an HTTP server hands out the same HTML and
// CSP the extension host builds (extension/graph/graphHtml.ts), the real bundle and stylesheet; only
// the acquireVsCodeApi bridge is faked (postMessage collected, state kept in sessionStorage so it
// survives a reload the way VS Code keeps it across hide/show).

import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { graphHtml } from '../../../extension/graph/graphHtml';
import type { HostToWebview, WebviewToHost } from '../../../shared/webviewProtocol';
import { CHROMIUM_ARGS } from '../../support/browser';
import { CHROMIUM } from '../../support/paths';
import { THEMES, type ThemeName } from './themes';

/** The checkout: out/test/webview when run as a test, dist/ when bundled into the bench. */
function findRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'media', 'graph.css'))) return dir;
  throw new Error(`no checkout above ${__dirname}`);
}
const ROOT = findRoot();

const FILES: Record<string, [string, string]> = {
  '/dist/webview.js': ['dist/webview.js', 'text/javascript'],
  '/dist/webview.js.map': ['dist/webview.js.map', 'application/json'],
};

export interface GraphEnv {
  browser: Browser;
  origin: string;
  close(): Promise<void>;
}

/**
 * One environment for a whole test file: started before its first test, closed after its last. Call at the
 * top level of the file; the returned function gives the environment inside a test.
 */
export function useGraphEnv(): () => GraphEnv {
  let env: GraphEnv | undefined;
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    await env?.close();
  });
  return () => {
    if (env === undefined) throw new Error('the graph environment is used before it started');
    return env;
  };
}

/** Start the server and the browser; the caller must close() (use t.after / after). */
export async function startEnv(): Promise<GraphEnv> {
  const home = mkdtempSync(join(tmpdir(), 'pidns-webview-'));
  let server: Server | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    rmSync(home, { recursive: true, force: true });
  };
  try {
    server = createServer((req, res) => serve(req.url ?? '/', originOf(server!), res));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const env = {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_CACHE_HOME: join(home, 'cache'),
      XDG_DATA_HOME: join(home, 'data'),
    };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env });
    return { browser, origin: originOf(server), close };
  } catch (err) {
    await close();
    throw err;
  }
}

function originOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function serve(url: string, origin: string, res: import('node:http').ServerResponse): void {
  const path = url.split('?')[0];
  if (path === '/' || path === '/index.html') {
    const html = graphHtml({
      cspSource: origin,
      script: readFileSync(join(ROOT, 'dist', 'webview.js'), 'utf8'),
      style: readFileSync(join(ROOT, 'media', 'graph.css'), 'utf8'),
      sourceMapUri: `${origin}/dist/webview.js.map`,
    });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    return;
  }
  if (path === '/favicon.ico') return void res.writeHead(204).end();
  const file = FILES[path];
  if (!file) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': file[1] }).end(readFileSync(join(ROOT, file[0])));
}

export interface GraphPage {
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
  /** Deliver a host message the way VS Code does (a window message event); returns ms spent handling it, including style and layout. */
  send(message: HostToWebview): Promise<number>;
  /** Like send, but timed until the next frame has been painted. */
  sendUntilPainted(message: HostToWebview): Promise<number>;
  posted(): Promise<WebviewToHost[]>;
}

/** `state`: what getState returns at first load, as if VS Code restored a hidden panel. */
export async function openGraph(
  env: GraphEnv,
  theme: ThemeName = 'dark',
  viewport = { width: 1400, height: 900 },
  state?: unknown,
): Promise<GraphPage> {
  const page = await env.browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.exposeFunction('__cspViolation', (text: string) => problems.push(`CSP: ${text}`));
  await page.addInitScript(fakeVsCodeApi, { ...THEMES[theme], state: state === undefined ? null : JSON.stringify(state) });
  await page.goto(`${env.origin}/`);
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  return {
    page,
    problems,
    send: (message) => page.evaluate(deliver, message),
    sendUntilPainted: (message) => page.evaluate(deliverUntilPainted, message),
    posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewToHost[] }).__posted),
  };
}

/** Runs in the page before its scripts: the acquireVsCodeApi bridge, the theme, the CSP listener. */
function fakeVsCodeApi(theme: { bodyClass: string; vars: Record<string, string>; state: string | null }): void {
  const w = window as unknown as Record<string, unknown>;
  // Seed the state once per tab: a reload must see what the page saved, not the seed again.
  if (theme.state !== null && sessionStorage.getItem('seeded') === null) {
    sessionStorage.setItem('vscodeState', theme.state);
    sessionStorage.setItem('seeded', '1');
  }
  const posted: unknown[] = [];
  w.__posted = posted;
  w.acquireVsCodeApi = () => ({
    postMessage: (m: unknown) => posted.push(m),
    getState: () => JSON.parse(sessionStorage.getItem('vscodeState') ?? 'null'),
    setState: (s: unknown) => sessionStorage.setItem('vscodeState', JSON.stringify(s)),
  });
  document.addEventListener('securitypolicyviolation', (e) => {
    (w.__cspViolation as (t: string) => void)(`${e.violatedDirective} blocked ${e.blockedURI}`);
  });
  // Like VS Code: variables on <html>, the theme kind as a class on <body>. The init script runs before
  // <html> exists, so apply both once the document is parsed (before any host message arrives).
  document.addEventListener('DOMContentLoaded', () => {
    for (const [k, v] of Object.entries(theme.vars)) document.documentElement.style.setProperty(k, v);
    document.body.classList.add(theme.bodyClass);
  });
}

function deliver(message: unknown): number {
  const t0 = performance.now();
  window.dispatchEvent(new MessageEvent('message', { data: message }));
  // Reading layout forces style and layout now, so the time includes what the frame would cost.
  void document.body.offsetHeight;
  return performance.now() - t0;
}

async function deliverUntilPainted(message: unknown): Promise<number> {
  const t0 = performance.now();
  window.dispatchEvent(new MessageEvent('message', { data: message }));
  // A task queued from a rAF callback runs after that frame's paint.
  await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return performance.now() - t0;
}
