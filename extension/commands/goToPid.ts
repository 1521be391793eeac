// "Go to PID…": a PID as the host, a container or a namespace sees it ("27416", "7 in web",
// "7 in pid:[4026532184]"), found with the core's translation and revealed in the tree; the status bar
// says where it is ("PID 7 in web (docker) · host 27416").
import * as vscode from 'vscode';
import { PID_QUERY_HINT, parsePidQuery, resolvePidQuery } from '../../shared/core/pidQuery';
import { pidHeadline, type PidReport } from '../../shared/core/pidReport';
import type { CommandContext } from './commandContext';
import { revealNode } from './revealInTree';

/** Arg: the query text (a test or a link may pass it), or nothing (asks). The report of what was revealed, or undefined. */
export async function goToPid(ctx: CommandContext, arg?: unknown): Promise<PidReport | undefined> {
  const text =
    typeof arg === 'string'
      ? arg
      : await vscode.window.showInputBox({
          title: 'Go to PID',
          prompt: `Type ${PID_QUERY_HINT}`,
          placeHolder: '7 in web',
          validateInput: (v) => {
            const q = parsePidQuery(v);
            return typeof q === 'string' && v.trim() !== '' ? q : undefined;
          },
        });
  if (text === undefined || text.trim() === '') return undefined;
  if (!(await ctx.session.fresh(2000))) return undefined;
  const view = ctx.tree.currentView();
  if (!view) return undefined;
  const report = resolvePidQuery(view.snapshot, text);
  if (typeof report === 'string') {
    void vscode.window.showWarningMessage(`Go to PID: ${report}`);
    return undefined;
  }
  const node = ctx.tree.processNode(report.process);
  if (!node) return undefined;
  await vscode.commands.executeCommand('pidnsExplorer.tree.focus');
  if (!(await revealNode(ctx, node, true, false))) return undefined;
  vscode.window.setStatusBarMessage(`$(target) ${pidHeadline(report)}`, 10_000);
  return report;
}
