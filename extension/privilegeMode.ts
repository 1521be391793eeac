// The one place that reads, switches and reacts to `pidnsExplorer.privilegeMode`: the status-bar click, the
// advice notifications' buttons and the settings editor all end in `setPrivilegeMode`, and only the
// configuration listener here restarts the helper, so a switch restarts it exactly once whoever made it.
import * as vscode from 'vscode';
import type { PrivilegeRequest } from '../helper-native/src/launch/privilegeTypes';
import type { HelperSession } from './helperSession';
import { explainMode, type Advice, type AdviceAction } from './privilegeAdvice';
import { INSTALL_COMMAND } from './systemHelperInstall';

/** The modes a user can choose (package.json's enum; `root` is what `auto` becomes, never asked for). */
const CHOOSABLE = ['auto', 'pkexec', 'sudo', 'none'] as const;
type ChoosableMode = (typeof CHOOSABLE)[number];

const MODE_BUTTON: Record<ChoosableMode, string> = {
  auto: 'Use auto',
  pkexec: 'Use pkexec',
  sudo: 'Use sudo',
  none: 'Use none (unprivileged)',
};

const ADVICE_BUTTON: Record<AdviceAction, string> = {
  showLog: 'Show Helper Log',
  useSudo: MODE_BUTTON.sudo,
  usePkexec: MODE_BUTTON.pkexec,
  useNone: MODE_BUTTON.none,
  retry: 'Retry',
  installHelper: 'Install the System Helper…',
};

const ADVICE_MODE: Partial<Record<AdviceAction, ChoosableMode>> = { useSudo: 'sudo', usePkexec: 'pkexec', useNone: 'none' };

export function readPrivilegeMode(): PrivilegeRequest {
  return vscode.workspace.getConfiguration('pidnsExplorer').get<PrivilegeRequest>('privilegeMode', 'auto');
}

/** Writes the setting (user scope); the listener from `watchPrivilegeMode` restarts the helper. */
export async function setPrivilegeMode(mode: ChoosableMode): Promise<void> {
  await vscode.workspace.getConfiguration('pidnsExplorer').update('privilegeMode', mode, vscode.ConfigurationTarget.Global);
}

/** Restarts the helper whenever the mode setting changes, from whatever source. */
export function watchPrivilegeMode(session: HelperSession, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (!e.affectsConfiguration('pidnsExplorer.privilegeMode')) return;
    log.info(`privilege mode changed: restarting the helper (now ${readPrivilegeMode()})`);
    void session.restart().catch(() => undefined);
  });
}

/** The status bar's click: explain the running mode, offer the other modes and a restart. */
export async function explainPrivilege(session: HelperSession): Promise<void> {
  const setting = readPrivilegeMode();
  const others = CHOOSABLE.filter((m) => m !== setting);
  const restart = 'Restart Helper';
  const choice = await vscode.window.showInformationMessage(
    `${explainMode(session.privilege, session.hello?.actingForUid)} (setting: ${setting})`,
    { modal: false },
    ...others.map((m) => MODE_BUTTON[m]),
    restart,
  );
  if (choice === restart) await session.restart();
  const mode = others.find((m) => MODE_BUTTON[m] === choice);
  if (mode) await setPrivilegeMode(mode);
}

/** A notification with the advice's buttons, each carried out here. */
export function showAdvice(advice: Advice, log: vscode.LogOutputChannel, session: HelperSession): void {
  log.warn(advice.message);
  const labels = advice.actions.map((a) => ADVICE_BUTTON[a]);
  void vscode.window.showWarningMessage(advice.message, ...labels).then(async (choice) => {
    const action = advice.actions[labels.indexOf(choice ?? '')] as AdviceAction | undefined;
    if (action === undefined) return;
    const mode = ADVICE_MODE[action];
    if (mode) return setPrivilegeMode(mode);
    if (action === 'showLog') log.show();
    else if (action === 'retry') await session.restart().catch(() => undefined);
    else if (action === 'installHelper') await vscode.commands.executeCommand(INSTALL_COMMAND);
  });
}
