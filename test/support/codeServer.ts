// startCodeServer: one isolated code-server (a real VS Code 1.100 server) per call.
// Everything it writes (user data, extensions, XDG dirs, HOME, TMPDIR) lives in one temp folder
// that stop() deletes; its whole process tree (extension hosts and pty hosts outlive browser
// sessions) is killed on stop(), and on process exit if a test forgot or crashed.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { codeServerBinary } from './paths';
import {
  chownTree,
  cmdline,
  descendants,
  freePort,
  killTree,
  killTreeNow,
  lookupUser,
  makeTempDir,
  removeDir,
  type UserInfo,
} from './processTree';

export interface CodeServerOptions {
  /** Run as this local non-root user (root by default). Workspace and extension paths must be readable by them. */
  user?: string;
  /** Folder the workbench opens; created if missing. */
  workspace: string;
  /** Extra user settings, merged over the quiet defaults below. */
  settings?: Record<string, unknown>;
  /**
   * Extension folder(s) to INSTALL (symlinked into the extensions dir as publisher.name-version),
   * for tests of the installed product. For development mode use openWorkbench's option instead.
   */
  extensionDevelopmentPath?: string | string[];
  /** .vsix file(s) to install (code-server --install-extension) before the server starts: the packaged product. */
  vsix?: string | string[];
  /** Extra environment for the server and its extension hosts. */
  env?: Record<string, string>;
  /**
   * Run the server under this command, e.g. `['unshare', '--pid', '--fork', '--mount-proc', '--kill-child']`
   * (root only): the server, its extension hosts and the helper then see only that new PID namespace.
   */
  launcher?: string[];
}

export interface CodeServer {
  url: string;
  port: number;
  /** The server's pid, also its process group id. */
  pid: number;
  /** The --user-data-dir (its User/settings.json holds the settings). */
  userDataDir: string;
  /** The --extensions-dir (installed .vsix files unpack here). */
  extensionsDir: string;
  workspace: string;
  stop(): Promise<void>;
  /** Everything the server printed so far (stdout and stderr interleaved). */
  logs(): string;
}

// Settings that keep the workbench quiet and fast to drive: nothing opens by itself,
// nothing phones home. Hover delays stay VS Code's defaults: a test must meet hovers as a person does.
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'chat.commandCenter.enabled': false,
  'chat.disableAIFeatures': true,
  'window.restoreWindows': 'none',
  'git.enabled': false,
};

const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) killTreeNow(pid);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const pid of live) killTreeNow(pid);
      process.kill(process.pid, sig); // the once-handler is gone: default action now
    });
  }
}

interface Layout {
  base: string;
  home: string;
  userData: string;
  extensions: string;
  xdg: string;
  tmp: string;
}

function makeLayout(): Layout {
  const base = makeTempDir('pidns-code-server-');
  const l = {
    base,
    home: join(base, 'home'),
    userData: join(base, 'user-data'),
    extensions: join(base, 'extensions'),
    xdg: join(base, 'xdg'),
    tmp: join(base, 'tmp'),
  };
  for (const d of [
    l.home,
    l.userData,
    join(l.userData, 'User'),
    l.extensions,
    join(l.xdg, 'config'),
    join(l.xdg, 'data'),
    join(l.xdg, 'cache'),
    l.tmp,
  ])
    mkdirSync(d, { recursive: true });
  return l;
}

/** Installs a folder as publisher.name-version in the extensions dir, the name VS Code scans for. */
function linkExtension(extensionsDir: string, folder: string): void {
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  symlinkSync(folder, join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`));
}

function serverEnv(l: Layout, user: UserInfo | undefined, extra: Record<string, string> | undefined): Record<string, string> {
  // A clean environment: the test runner's NODE_TEST_CONTEXT / NODE_OPTIONS / VSCODE_* must not leak
  // into the server's node, and every XDG dir points into the temp folder.
  return {
    PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: l.home,
    USER: user?.name ?? 'root',
    LOGNAME: user?.name ?? 'root',
    SHELL: '/bin/bash',
    LANG: process.env.LANG ?? 'C.UTF-8',
    TMPDIR: l.tmp,
    XDG_CONFIG_HOME: join(l.xdg, 'config'),
    XDG_DATA_HOME: join(l.xdg, 'data'),
    XDG_CACHE_HOME: join(l.xdg, 'cache'),
    ...extra,
  };
}

/** Installs a .vsix the way a user would, as the user the server runs as, into this server's extensions dir. */
function installVsix(bin: string, vsix: string, l: Layout, env: Record<string, string>, user: UserInfo | undefined): void {
  try {
    execFileSync(process.execPath, [bin, '--install-extension', vsix, '--user-data-dir', l.userData, '--extensions-dir', l.extensions], {
      cwd: l.home,
      env,
      uid: user?.uid,
      gid: user?.gid,
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 120_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    removeDir(l.base);
    throw new Error(`code-server --install-extension ${vsix} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

async function waitHealthy(port: number, exited: () => string | undefined, logs: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const why = exited();
    if (why) throw new Error(`code-server exited before it was ready (${why}):\n${logs()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer /healthz on port ${port} within ${timeoutMs} ms:\n${logs()}`);
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const bin = codeServerBinary();
  const user = opts.user ? lookupUser(opts.user) : undefined;
  if (user && user.uid === 0) throw new Error(`user ${opts.user} is root; omit user to run as root`);
  const l = makeLayout();
  if (!existsSync(opts.workspace)) mkdirSync(opts.workspace, { recursive: true });
  writeFileSync(join(l.userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...opts.settings }, null, 2));
  for (const folder of [opts.extensionDevelopmentPath ?? []].flat()) linkExtension(l.extensions, folder);
  if (user) chownTree(l.base, user);
  const env = serverEnv(l, user, opts.env);
  for (const vsix of [opts.vsix ?? []].flat()) {
    installVsix(bin, vsix, l, env, user);
  }

  const port = await freePort();
  const args = [
    bin,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    l.userData,
    '--extensions-dir',
    l.extensions,
    opts.workspace,
  ];
  const launcher = opts.launcher ?? [];
  const child = spawn(launcher[0] ?? process.execPath, launcher.length > 0 ? [...launcher.slice(1), process.execPath, ...args] : args, {
    cwd: l.home,
    env,
    detached: true, // its own process group, so stop() reaches every process it starts
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: user?.uid,
    gid: user?.gid,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('code-server did not start');
  installExitHook();
  live.add(pid);
  let output = '';
  child.stdout.on('data', (b: Buffer) => {
    output += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    output += b.toString();
  });
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, sig) => {
      exitReason = `code ${code}, signal ${sig}`;
      resolve();
    }),
  );

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await killTree(pid);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    live.delete(pid);
    removeDir(l.base);
  };
  try {
    await waitHealthy(
      port,
      () => exitReason,
      () => output,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    pid,
    userDataDir: l.userData,
    extensionsDir: l.extensions,
    workspace: opts.workspace,
    stop,
    logs: () => output,
  };
}

/** The extension's log files (its "PID Namespaces" output channel, one per extension host) under a user-data dir. */
export function extensionLogFiles(userDataDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'PID Namespaces.log') out.push(p);
    }
  };
  walk(join(userDataDir, 'logs'));
  return out;
}

/** The extension hosts a code-server forked (`--type=extensionHost`, one per window), in /proc's order. */
export function extensionHosts(serverPid: number): number[] {
  return descendants(serverPid).filter((p) => /--type=extensionHost/.test(cmdline(p)));
}

/** The extension's helpers (`pidns.js helper`) under `pid`: an extension host, or a whole server. */
export function helpersUnder(pid: number): number[] {
  return descendants(pid).filter((p) => /pidns\.js helper/.test(cmdline(p)));
}

/** A one-window server's extension host and the helper it started; throws until both exist. */
export function productProcesses(serverPid: number): { host: number; helper: number } {
  const [host] = extensionHosts(serverPid);
  if (host === undefined) throw new Error('no extension host under code-server');
  const [helper] = helpersUnder(host);
  if (helper === undefined) throw new Error('the extension started no helper');
  return { host, helper };
}
