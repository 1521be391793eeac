// openSession: the set-up every UI test shares. A temp workspace (owned by `user` when given), code-server
// with the settings, Chromium, and the workbench with this checkout's extension loaded in development mode;
// each part's clean-up is registered with the test (t.after) as soon as the part exists, so a failure half-way
// leaves nothing behind.
import type { TestContext } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import { repoRoot } from './paths';
import { waitFor } from './poll';
import { lookupUser, makeTempDir, removeDir } from './processTree';
import { activityItem, openWorkbench } from './workbench';

export interface SessionOptions {
  /** Prefix of the temp workspace folder's name. */
  workspacePrefix: string;
  /** Run code-server as this non-root user (root by default); the workspace is theirs. */
  user?: string;
  /** User settings over the quiet defaults. */
  settings?: Record<string, unknown>;
  /** Run code-server under this command (see CodeServerOptions.launcher). */
  launcher?: string[];
  theme?: 'dark' | 'light';
  /** Runs in the server's clean-up, right after it stopped (e.g. to check that nothing it started is left). */
  afterStop?: () => void;
}

export interface Session {
  workspace: string;
  server: CodeServer;
  browser: Browser;
  page: Page;
}

type Cleanups = Pick<TestContext, 'after'>;

/** The workspace and code-server, their clean-up registered with `t`. */
export async function startServer(t: Cleanups, opts: SessionOptions): Promise<{ workspace: string; server: CodeServer }> {
  const workspace = makeTempDir(opts.workspacePrefix, opts.user ? lookupUser(opts.user) : undefined);
  t.after(() => removeDir(workspace));
  const server = await startCodeServer({ workspace, user: opts.user, settings: opts.settings, launcher: opts.launcher });
  t.after(async () => {
    await server.stop();
    opts.afterStop?.();
  });
  return { workspace, server };
}

/** Chromium showing the workbench of `server` with this checkout's extension; the browser closes with the test. */
export async function openPage(
  t: Cleanups,
  server: CodeServer,
  theme: 'dark' | 'light' = 'dark',
): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await openWorkbench(browser, server, { extensionDevelopmentPath: repoRoot(), theme });
  return { browser, page };
}

/** startServer then openPage. */
export async function openSession(t: Cleanups, opts: SessionOptions): Promise<Session> {
  const { workspace, server } = await startServer(t, opts);
  const { browser, page } = await openPage(t, server, opts.theme);
  return { workspace, server, browser, page };
}

/** Opens the PID Namespaces view from the activity bar; returns its Namespaces tree pane. */
export async function openNamespacesView(page: Page): Promise<Locator> {
  await activityItem(page, 'PID Namespaces').click();
  return namespacesTree(page);
}

/** The PID Namespaces view's tree pane. */
export function namespacesTree(page: Page): Locator {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Namespaces' }) });
}

/** The first row of `tree` with this text, once it is visible. */
export async function waitForRow(tree: Locator, hasText: string | RegExp, timeoutMs = 30_000): Promise<Locator> {
  const row = tree.locator('.monaco-list-row', { hasText }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  return row;
}

/** The extension's status bar item ("PID ns …"). */
export function statusItem(page: Page): Locator {
  return page.locator('.statusbar-item', { hasText: 'PID ns' }).first();
}

/** Waits until the status bar item's text includes `text` (the privilege mode: pkexec, sudo, root, unprivileged). */
export async function waitForStatus(page: Page, text: string, timeoutMs = 30_000): Promise<void> {
  const status = statusItem(page);
  await waitFor(`the status bar to say ${text}`, async () => (await status.innerText()).includes(text), timeoutMs);
}
