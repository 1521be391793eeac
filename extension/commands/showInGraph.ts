// "Show in Graph": select and centre a namespace or process in the graph, from the tree's context menu or an
// editor hover's link. Uses the graph view that is open (one on screen first), or opens the panel; the
// connection holds the reveal until that webview is ready.
import * as vscode from 'vscode';
import type { GraphTarget } from '../../shared/webviewProtocol';
import type { CommandContext } from './commandContext';
import { namespaceFromNode, processFromNode, processFromRef } from './commandContext';
import { pickNamespace } from './pickers';
import { liveView, refusedOnTrace } from './traceGuard';

/** True once the webview has been handed the reveal; false when a newer reveal or closing the view came first. */
export async function revealInGraph(ctx: CommandContext, target: GraphTarget): Promise<boolean> {
  const open = ctx.graphs.preferred();
  const view = open ?? ctx.showGraphPanel(true);
  if (open) open.show(true);
  return view.connection.reveal(target);
}

/**
 * Command adapter. Args: a namespace or process node (context menu), (pid, startTime) (a hover link), or
 * nothing (asks for a namespace).
 */
export async function showInGraph(ctx: CommandContext, arg?: unknown, startTime?: unknown): Promise<boolean> {
  // The graph shows the live model: a row of a trace (the tree while its editor is active) is not in it.
  if (arg !== undefined && typeof arg !== 'number' && refusedOnTrace(ctx, 'Show in Graph')) return false;
  const view = typeof arg === 'number' ? await ctx.session.fresh(2000).then(() => liveView(ctx)) : liveView(ctx);
  if (!view) return false;
  if (typeof arg === 'number') {
    const p = typeof startTime === 'number' ? processFromRef(view, { pid: arg, startTime }) : view.process(arg);
    if (p) return revealInGraph(ctx, { kind: 'process', proc: { pid: p.pid, startTime: p.startTime } });
    void vscode.window.showWarningMessage(`Process ${arg} is no longer running.`);
    return false;
  }
  const p = processFromNode(view, arg);
  if (p) return revealInGraph(ctx, { kind: 'process', proc: { pid: p.pid, startTime: p.startTime } });
  const ns = namespaceFromNode(view, arg) ?? (await pickNamespace(view, 'Show which namespace in the graph?', () => true));
  return ns ? revealInGraph(ctx, { kind: 'namespace', ns: { dev: ns.dev, inode: ns.inode } }) : false;
}
