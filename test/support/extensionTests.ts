// runExtensionTests: an @vscode/test-electron style suite (a CommonJS module exporting
// run(): Promise<void>, e.g. a mocha runner) run inside code-server's real extension host.
// The workbench reports the suite's console through window.codeAutomationLog and its result
// through window.codeAutomationExit, both exposed to the page by Playwright.
import { format } from 'node:util';
import { launchBrowser } from './browser';
import { startCodeServer } from './codeServer';
import { chownTree, lookupUser, makeTempDir, removeDir } from './processTree';
import { openWorkbench } from './workbench';

export interface ExtensionTestOptions {
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  /** Run code-server (and so the extension host) as this non-root user. */
  user?: string;
  /** Folder to open; a fresh temp folder by default. */
  workspace?: string;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Whole run, server start included; on expiry the run REJECTS with the logs so far. Default 300 s (a hang guard, not a speed limit: a loaded 2-core VM took 40 s for a 2-test suite). */
  timeoutMs?: number;
  /**
   * Rejects `ms` after the first log line matching `line`, if the run has not finished by then: a limit that
   * starts when the suite is known to run, so a slow server start on a loaded machine does not count against it.
   */
  finishWithin?: { after: RegExp; ms: number };
}

export interface ExtensionTestResult {
  exitCode: number;
  log: string;
}

// The extension host forwards console calls as (format, ...values), e.g. mocha's ('%d passing (%s)', 2, '84ms').
function formatArgs(args: unknown[]): string {
  return format(...args);
}

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

export async function runExtensionTests(opts: ExtensionTestOptions): Promise<ExtensionTestResult> {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const owner = opts.user ? lookupUser(opts.user) : undefined;
  const tempWorkspace = opts.workspace ? undefined : makeTempDir('pidns-workspace-');
  if (tempWorkspace && owner) chownTree(tempWorkspace, owner);
  const server = await startCodeServer({
    user: opts.user,
    workspace: opts.workspace ?? (tempWorkspace as string),
    settings: opts.settings,
    env: opts.env,
  });
  const lines: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let finishTimer: NodeJS.Timeout | undefined;
  try {
    const browser = await launchBrowser();
    try {
      const exitCode = await new Promise<number>((resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `extension tests did not finish within ${timeoutMs} ms\n--- test log ---\n${tail(lines.join('\n'))}\n--- code-server log ---\n${tail(server.logs())}`,
              ),
            ),
          timeoutMs,
        );
        openWorkbench(browser, server, {
          extensionDevelopmentPath: opts.extensionDevelopmentPath,
          extensionTestsPath: opts.extensionTestsPath,
          onLog: (type, args) => {
            const line = type === 'log' || type === 'info' ? formatArgs(args) : `[${type}] ${formatArgs(args)}`;
            lines.push(line);
            const w = opts.finishWithin;
            if (w && !finishTimer && w.after.test(line)) {
              finishTimer = setTimeout(
                () =>
                  reject(
                    new Error(`extension tests did not finish within ${w.ms} ms of "${line}"\n--- test log ---\n${tail(lines.join('\n'))}`),
                  ),
                w.ms,
              );
            }
          },
          onExit: resolve,
          waitReady: false,
        }).then((page) => page.on('pageerror', (e) => lines.push(`[pageerror] ${e.message}`)), reject);
      });
      return { exitCode, log: lines.join('\n') };
    } finally {
      await browser.close();
    }
  } finally {
    clearTimeout(timer);
    clearTimeout(finishTimer);
    await server.stop();
    if (tempWorkspace) removeDir(tempWorkspace);
  }
}
