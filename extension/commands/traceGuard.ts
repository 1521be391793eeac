// While the tree shows a trace (trace/followedSource.ts), its rows are the past: a PID there may be another
// process now, or none. The commands that act on live processes refuse a row then (their context-menu entries
// are hidden too: `pidnsExplorer.treeShowsTrace` in package.json), and look up what they act on in the live
// model, never in the tree's.
import * as vscode from 'vscode';
import { modelIndexOf, type ModelIndex } from '../../shared/core/modelIndex';
import { formatTracePosition } from '../trace/followedSource';
import type { CommandContext } from './commandContext';

/** True (and a warning says why) when the tree shows a trace: `what` must not act on its rows. */
export function refusedOnTrace(ctx: CommandContext, what: string): boolean {
  const m = ctx.followed.followed;
  if (!m) return false;
  void vscode.window.showWarningMessage(
    `${what}: the tree shows the trace ${m.file} at ${formatTracePosition(m.t)}, not the live machine; its PIDs are from the past. Leave the trace editor, then try again.`,
  );
  return true;
}

/** The index over the live model (the helper's latest snapshot), whatever the tree shows. */
export function liveView(ctx: CommandContext): ModelIndex | undefined {
  const snap = ctx.session.current();
  return snap && modelIndexOf(snap);
}
