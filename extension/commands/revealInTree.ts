// "Reveal in Tree": select a process (from an editor hover link, with [pid, startTime]) or a namespace in
// the sidebar, expanding its ancestors; also used after a create to show the new chain.
import * as vscode from 'vscode';
import type { ChainInfo } from '../../shared/helperProtocol';
import type { CommandContext } from './commandContext';
import { pickProcess } from './pickers';

export async function revealChain(ctx: CommandContext, chain: ChainInfo): Promise<void> {
  const snap = await ctx.session.refresh();
  const leafNs = chain.levels[chain.levels.length - 1]?.ns;
  const ns = snap.namespaces.find((n) => n.inode === leafNs);
  if (!ns) {
    ctx.log.warn(`new chain's leaf namespace pid:[${leafNs}] is not in the snapshot yet`);
    return;
  }
  ctx.tree.refreshNow();
  await ctx.treeView.reveal(ctx.tree.namespaceNode(ns), { select: true, focus: false, expand: true });
}

/** Args: (pid, startTime?) from a command link, or nothing (asks). */
export async function revealInTree(ctx: CommandContext, pidArg?: unknown, startTimeArg?: unknown): Promise<boolean> {
  // A hover link passes [pid, startTime] as the argument list; a test may pass them the same way.
  if (typeof pidArg !== 'number') pidArg = undefined;
  const snap = await ctx.session.fresh(2000);
  if (!snap) return false;
  const view = ctx.tree.currentView();
  if (!view) return false;
  const p = pidArg === undefined ? await pickProcess(view, 'Reveal which process?') : view.process(pidArg as number);
  if (!p) {
    void vscode.window.showWarningMessage(`Process ${String(pidArg)} is no longer running.`);
    return false;
  }
  if (typeof startTimeArg === 'number' && p.startTime !== startTimeArg) {
    void vscode.window.showWarningMessage(`PID ${p.pid} now belongs to another process (${p.comm}); the one from the hover has exited.`);
    return false;
  }
  const node = ctx.tree.processNode(p);
  if (!node) return false;
  await vscode.commands.executeCommand('pidnsExplorer.tree.focus');
  await ctx.treeView.reveal(node, { select: true, focus: true, expand: false });
  return true;
}
