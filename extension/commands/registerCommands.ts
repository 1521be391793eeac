// The command table: id → adapter. Each adapter turns what VS Code passes (a tree node, a hover link's
// arguments, nothing) into a call of a typed core function, which the graph bridge calls directly. Handlers
// return their result so that tests (and other extensions) can drive them through executeCommand.
import * as vscode from 'vscode';
import { SHOW_MORE_COMMAND } from '../tree/namespaceTreeProvider';
import type { TreeNode } from '../tree/treeNodes';
import type { CommandContext } from './commandContext';
import { createNested } from './createNested';
import { destroyCreated } from './destroyCreated';
import { goToPid } from './goToPid';
import { openTerminalCommand } from './openTerminal';
import { revealInTree } from './revealInTree';
import { showInGraph } from './showInGraph';
import { killInitCommand, sendSignalCommand } from './signalCommands';
import { copySnapshot, refresh, showLog } from './snapshotCommands';

type Handler = (ctx: CommandContext, ...args: unknown[]) => unknown;

export const COMMANDS: Record<string, Handler> = {
  'pidnsExplorer.createNested': (ctx, arg) => createNested(ctx, arg),
  'pidnsExplorer.destroyCreated': (ctx, arg) => destroyCreated(ctx, arg),
  'pidnsExplorer.refresh': (ctx) => refresh(ctx),
  'pidnsExplorer.openTerminal': (ctx, arg) => openTerminalCommand(ctx, arg),
  'pidnsExplorer.copySnapshot': (ctx) => copySnapshot(ctx),
  'pidnsExplorer.showLog': (ctx) => showLog(ctx),
  'pidnsExplorer.killInit': (ctx, arg) => killInitCommand(ctx, arg),
  'pidnsExplorer.sendSignal': (ctx, arg, choice) => sendSignalCommand(ctx, arg, choice),
  'pidnsExplorer.revealInTree': (ctx, pid, startTime) => revealInTree(ctx, pid, startTime),
  'pidnsExplorer.showInGraph': (ctx, arg, startTime) => showInGraph(ctx, arg, startTime),
  'pidnsExplorer.goToPid': (ctx, query) => goToPid(ctx, query),
  [SHOW_MORE_COMMAND]: (ctx, node) => ctx.tree.showMore(node as TreeNode),
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(ctx, ...args);
      } catch (e) {
        // Every failure reaches the user with the helper's message; the log has the details.
        ctx.log.error(`${id} failed: ${(e as Error).stack ?? String(e)}`);
        // Not rethrown: VS Code would show a second, less helpful notification.
        void vscode.window.showErrorMessage(`${(e as Error).message}`, 'Show Helper Log').then((a) => a && ctx.log.show());
        return undefined;
      }
    }),
  );
}
