// "PID Namespaces: Install the System Helper…" and the question asked before the ladder would run the
// extension's own, user-writable files as root. Installing runs scripts/install-system-helper.sh from this
// extension once through pkexec (by absolute path, like the launcher): it copies the bundle, the native
// init and koffi into root-owned /usr/local/lib/pidns-explorer and audits the result, so that later starts
// elevate only that copy and need no trust in files the user (or any other extension) can change.
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findElevationTool } from '../helper-native/src/launch/elevationTools';
import type { UntrustedHelperAnswer, UntrustedHelperInfo } from '../helper-native/src/launch/launchHelper';

export const INSTALL_COMMAND = 'pidnsExplorer.installSystemHelper';
const INSTALL = 'Install the System Helper…';
const RUN_ONCE = 'Run Once Anyway';
/** A person may take a while in the polkit dialog. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** The modal question of the ladder's confirmUntrustedHelper (launchHelper.ts): install, run once, or cancel. */
export async function confirmUntrustedHelper(
  extensionPath: string,
  info: UntrustedHelperInfo,
  log: vscode.LogOutputChannel,
): Promise<UntrustedHelperAnswer> {
  const where = tilde(extensionPath);
  const detail =
    `No root-owned system helper is installed (${info.installedProblem ?? `${info.installedHelper} is missing`}). ` +
    `The helper files under ${where} are writable by you and by other extensions; running them as root lets any of them run their own code as root. ` +
    `"${INSTALL}" copies them once into a root-owned folder (an administrator authenticates), and later starts use that copy. ` +
    `"${RUN_ONCE}" runs the writable files as root this one time. Cancel keeps the helper unprivileged.`;
  const choice = await vscode.window.showWarningMessage(
    'PID Namespaces: run the helper as root from files other extensions can change?',
    { modal: true, detail },
    INSTALL,
    RUN_ONCE,
  );
  if (choice === RUN_ONCE) return 'run-once';
  if (choice !== INSTALL) return 'cancel';
  return (await installSystemHelper(extensionPath, log)) ? 'installed' : 'cancel';
}

/** Runs the installer through pkexec; true when it installed and passed its own audit. Errors are shown. */
export async function installSystemHelper(extensionPath: string, log: vscode.LogOutputChannel): Promise<boolean> {
  const pkexec = findElevationTool('pkexec');
  const bash = findElevationTool('bash');
  const script = path.join(extensionPath, 'scripts', 'install-system-helper.sh');
  const manual = `sudo bash ${script} --allow-user-source`;
  if (pkexec.state !== 'found' || bash.state !== 'found') {
    const why =
      pkexec.state === 'unsafe'
        ? pkexec.problem
        : bash.state === 'unsafe'
          ? bash.problem
          : 'pkexec is not installed in /usr/bin, /bin, /usr/sbin or /sbin';
    log.error(`install the system helper: ${why}`);
    void vscode.window.showErrorMessage(`The system helper cannot be installed from here: ${why}. As an administrator, run: ${manual}`);
    return false;
  }
  // --allow-user-source: this extension's folder belongs to its user (the installer accepts that user's
  // files only through pkexec/sudo, where the administrator's authentication is the consent).
  const argv = ['--disable-internal-agent', bash.path, script, '--allow-user-source'];
  log.info(`install the system helper: ${pkexec.path} ${argv.join(' ')}`);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'PID Namespaces: installing the system helper (pkexec)…' },
    () =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        execFile(pkexec.path, argv, { timeout: INSTALL_TIMEOUT_MS, cwd: '/', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
          resolve({ code, output: `${stdout}${stderr}`.trim() });
        });
      }),
  );
  for (const line of result.output.split('\n')) if (line) log.info(`[install] ${line}`);
  if (result.code === 0) {
    void vscode.window.showInformationMessage(`PID Namespaces: the system helper is installed (${result.output.split('\n').pop() ?? ''}).`);
    return true;
  }
  const last = result.output
    .split('\n')
    .filter((l) => l.length > 0)
    .slice(-2)
    .join(' ');
  void vscode.window
    .showErrorMessage(
      `Installing the system helper failed (exit ${result.code ?? 'signal'}): ${last} As an administrator you can run: ${manual}`,
      'Show Helper Log',
    )
    .then((a) => a && log.show());
  return false;
}

function tilde(p: string): string {
  const home = homedir();
  return home && p.startsWith(home + path.sep) ? `~${p.slice(home.length)}` : p;
}
