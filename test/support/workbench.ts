// openWorkbench: a page showing code-server's workbench, optionally with an extension loaded
// UNINSTALLED (development mode) and/or an extension test module to run.
// code-server rejects --extensionDevelopmentPath on its command line, but its workbench reads
// developmentOptions from the JSON in #vscode-workbench-web-configuration[data-settings]; an init
// script patches that JSON as the workbench reads it, before any workbench code runs.
import type { Browser, Frame, Page } from 'playwright-core';
import { resolve } from 'node:path';
import type { CodeServer } from './codeServer';

export interface WorkbenchOptions {
  /** Extension folder(s) on the server's machine to load in development mode. */
  extensionDevelopmentPath?: string | string[];
  /** A module exporting run(): Promise<void> (the @vscode/test-electron convention) to run in the extension host. */
  extensionTestsPath?: string;
  theme?: 'dark' | 'light';
  /** Receives the workbench's automation log (extension host console included when tests run). */
  onLog?: (type: string, args: unknown[]) => void;
  /** Receives the exit code of an extensionTestsPath run. */
  onExit?: (code: number) => void;
  /** Resolve only when the workbench has rendered (default true). */
  waitReady?: boolean;
  timeoutMs?: number;
}

interface Patch {
  extensions: string[];
  testsPath?: string;
  defaults: Record<string, unknown>;
}

/** Runs in the page before any of its scripts; must be self-contained (it is serialised). */
function patchWorkbenchConfiguration(patch: Patch): void {
  const original = Element.prototype.getAttribute;
  Element.prototype.getAttribute = function (this: Element, name: string): string | null {
    const value = original.call(this, name);
    if (name !== 'data-settings' || this.id !== 'vscode-workbench-web-configuration' || !value) return value;
    const config = JSON.parse(value);
    const uri = (path: string) => ({ scheme: 'vscode-remote', authority: config.remoteAuthority, path });
    const dev = { ...(config.developmentOptions ?? {}) };
    if (patch.extensions.length > 0) dev.extensions = patch.extensions.map(uri);
    if (patch.testsPath) dev.extensionTestsPath = uri(patch.testsPath);
    config.developmentOptions = dev;
    config.configurationDefaults = { ...(config.configurationDefaults ?? {}), ...patch.defaults };
    return JSON.stringify(config);
  };
}

const THEMES = { dark: 'Default Dark Modern', light: 'Default Light Modern' } as const;

export async function openWorkbench(browser: Browser, server: CodeServer, opts: WorkbenchOptions = {}): Promise<Page> {
  const dev = opts.extensionDevelopmentPath;
  const patch: Patch = {
    extensions: (Array.isArray(dev) ? dev : dev ? [dev] : []).map((p) => resolve(p)),
    testsPath: opts.extensionTestsPath ? resolve(opts.extensionTestsPath) : undefined,
    defaults: opts.theme ? { 'workbench.colorTheme': THEMES[opts.theme] } : {},
  };
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const onLog = opts.onLog;
  const onExit = opts.onExit;
  if (onLog) await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => onLog(type, args));
  if (onExit) await page.exposeFunction('codeAutomationExit', (code: number) => onExit(code));
  await page.addInitScript(patchWorkbenchConfiguration, patch);
  await page.goto(`${server.url}?folder=${encodeURIComponent(server.workspace)}`);
  if (opts.waitReady ?? true) await waitForWorkbench(page, opts.timeoutMs);
  return page;
}

/** The workbench has rendered its activity bar and status bar. */
export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
}

/** An activity-bar entry by its aria-label (the view container's title); it appears once the extension is registered. */
export function activityItem(page: Page, label: string) {
  return page.locator(`.activitybar .action-item a[aria-label^="${label}"], .activitybar .action-item[aria-label^="${label}"]`).first();
}

/** Runs a command from the palette (F1) by its title as listed, e.g. "PID Namespaces: Refresh". */
export async function runCommand(page: Page, title: string, timeoutMs = 15_000): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await page.keyboard.press('Enter');
}

/** Opens a workspace file in the editor through Quick Open (Ctrl+P), as a person does. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

/** The labels of the open context menu (VS Code draws it in a shadow root; Playwright's locators pierce it). */
export async function menuLabels(page: Page): Promise<string[]> {
  const items = page.locator('.monaco-menu .action-item .action-label');
  await items.first().waitFor({ state: 'visible', timeout: 10_000 });
  return (await items.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
}

/** The document of the last ready webview (the graph's): a webview is two iframes deep in the workbench. */
export async function webviewFrame(page: Page): Promise<Frame> {
  const outer = await page.locator('iframe.webview.ready').last().elementHandle({ timeout: 30_000 });
  const inner = await (await outer!.contentFrame())!.locator('#active-frame').elementHandle({ timeout: 30_000 });
  return (await inner!.contentFrame())!;
}
