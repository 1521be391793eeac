// "Open Terminal in Namespace": a VS Code terminal whose shell lives in the chosen namespace as the user.
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { NamespaceInfo } from '../../shared/core/types';
import type { CommandContext } from './commandContext';
import { namespaceFromNode } from './commandContext';
import { pickNamespace } from './pickers';
import { liveView, refusedOnTrace } from './traceGuard';
import { terminalCommand, type TerminalPrivilege } from './terminalArgv';
import { nsName } from '../../shared/core/nsName';

/** Command adapter. Args: a namespace node, or nothing (asks). */
export async function openTerminalCommand(ctx: CommandContext, node?: unknown): Promise<vscode.Terminal | undefined> {
  if (node !== undefined && refusedOnTrace(ctx, 'Open Terminal in Namespace')) return undefined;
  const view = liveView(ctx);
  if (!view) return undefined;
  const ns = namespaceFromNode(view, node) ?? (await pickNamespace(view, 'Open a terminal in which namespace?', (n) => n.init !== null));
  return ns ? openTerminal(ctx, ns) : undefined;
}

export function openTerminal(ctx: CommandContext, ns: NamespaceInfo): vscode.Terminal | undefined {
  if (ns.init === null) {
    void vscode.window.showWarningMessage(`${nsName(ns.inode)} has no init process to enter through.`);
    return undefined;
  }
  const info = os.userInfo();
  const user = { uid: info.uid, gid: info.gid, name: info.username, home: info.homedir, shell: info.shell ?? '/bin/bash' };
  const how: TerminalPrivilege = info.uid === 0 ? 'root' : terminalPrivilege(ctx.session.privilege);
  const cmd = terminalCommand(ns.init, user, how);
  ctx.log.info(`terminal in ${nsName(ns.inode)} (level ${ns.level}) via ${how}: ${cmd.shellPath} ${cmd.shellArgs.join(' ')}`);
  const terminal = vscode.window.createTerminal({
    name: `${nsName(ns.inode)} L${ns.level}`,
    shellPath: cmd.shellPath,
    shellArgs: cmd.shellArgs,
    iconPath: new vscode.ThemeIcon('symbol-namespace'),
  });
  terminal.show();
  return terminal;
}

/** A non-root window enters through the tool its helper climbed with; sudo when the helper runs without root. */
function terminalPrivilege(helper: string): TerminalPrivilege {
  if (helper === 'pkexec') return 'pkexec';
  if (helper === 'sudo' || helper === 'root') return 'sudo';
  return 'unprivileged';
}
