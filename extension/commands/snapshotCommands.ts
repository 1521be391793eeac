// Refresh, Copy Snapshot as JSON, Show Helper Log: the small read-only commands.
import * as vscode from 'vscode';
import type { Snapshot } from '../../shared/core/types';
import type { CommandContext } from './commandContext';
import { formatTracePosition } from '../trace/followedSource';

export async function refresh(ctx: CommandContext): Promise<Snapshot | undefined> {
  try {
    // A helper that gave up restarting is started again: Refresh is the obvious thing a user tries.
    if (!ctx.session.hello) await ctx.session.restart();
    const snap = await ctx.session.refresh();
    ctx.tree.refreshNow();
    return snap;
  } catch (e) {
    void vscode.window.showErrorMessage(`Refresh failed: ${(e as Error).message}`, 'Show Helper Log').then((a) => a && ctx.log.show());
    return undefined;
  }
}

/** Copies the same JSON as `pidns snapshot --json`; returns it too (for tests and other extensions). */
export async function copySnapshot(ctx: CommandContext): Promise<string | undefined> {
  // While the tree shows a trace, what it shows: the trace's state at the editor's moment.
  const trace = ctx.followed.followed;
  const snap = trace?.snapshot ?? (await ctx.session.fresh(1000));
  if (!snap) return undefined;
  const json = JSON.stringify(snap, null, 2);
  await vscode.env.clipboard.writeText(json);
  const of = trace ? ` (the trace ${trace.file} at ${formatTracePosition(trace.t)})` : '';
  void vscode.window.showInformationMessage(
    `Copied a snapshot of ${snap.namespaces.length} PID namespaces and ${snap.processes.length} processes${of} as JSON.`,
  );
  return json;
}

export function showLog(ctx: CommandContext): void {
  ctx.log.show(true);
}
