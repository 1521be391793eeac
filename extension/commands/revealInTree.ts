// "Reveal in Tree": select a process (from an editor hover link, with [pid, startTime]) or a namespace in
// the sidebar, expanding its ancestors; also used after a create to show the new chain.
import * as vscode from 'vscode';
import type { NamespaceInfo, ProcessInfo } from '../../shared/core/types';
import type { ChainInfo } from '../../shared/helperProtocol';
import type { TreeNode } from '../tree/treeNodes';
import type { CommandContext } from './commandContext';
import { pickProcess } from './pickers';
import { nsName } from '../../shared/core/nsName';

export async function revealChain(ctx: CommandContext, chain: ChainInfo): Promise<void> {
  const snap = await ctx.session.refresh();
  const leafNs = chain.levels[chain.levels.length - 1]?.ns;
  const ns = snap.namespaces.find((n) => n.inode === leafNs);
  if (!ns) {
    ctx.log.warn(`new chain's leaf namespace ${nsName(leafNs)} is not in the snapshot yet`);
    return;
  }
  ctx.tree.refreshNow();
  // Select the leaf process itself: that opens every level above it and puts the new process on screen.
  const leaf = ctx.tree.currentView()?.process(chain.leaf);
  const node = leaf ? ctx.tree.processNode(leaf) : undefined;
  await revealNode(ctx, node ?? ctx.tree.namespaceNode(ns), false, true);
}

/**
 * Reveal and select, retrying while the selection has not arrived: a refresh of the tree (the next diff,
 * or the first snapshot after the view became visible) can land while VS Code is still expanding the
 * ancestors, and that reveal is then silently lost.
 */
export async function revealNode(ctx: CommandContext, node: TreeNode, focus: boolean, expand: boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 4; attempt++) {
    await ctx.treeView.reveal(node, { select: true, focus, expand });
    if (await selectionArrives(ctx, node, 750)) return true;
  }
  ctx.log.warn(`could not reveal ${node.id} in the tree`);
  return false;
}

function selectionArrives(ctx: CommandContext, node: TreeNode, ms: number): Promise<boolean> {
  if (ctx.treeView.selection.includes(node)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(ctx.treeView.selection.includes(node));
    }, ms);
    const sub = ctx.treeView.onDidChangeSelection((e) => {
      if (!e.selection.includes(node)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(true);
    });
  });
}

/** Command adapter. Args: (pid, startTime?) from a command link, or nothing (asks). */
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
  return revealProcessInTree(ctx, p);
}

/** Show the sidebar and select the process there. */
export async function revealProcessInTree(ctx: CommandContext, p: ProcessInfo): Promise<boolean> {
  const node = ctx.tree.processNode(p);
  if (!node) return false;
  await vscode.commands.executeCommand('pidnsExplorer.tree.focus');
  return revealNode(ctx, node, true, false);
}

/** Select the namespace in the sidebar, expanded. */
export function revealNamespaceInTree(ctx: CommandContext, ns: NamespaceInfo): Promise<boolean> {
  return revealNode(ctx, ctx.tree.namespaceNode(ns), true, true);
}
