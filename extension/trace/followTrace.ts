// The tree follows the trace editor that is the active editor (issue 12): its source shows that editor's
// moment (the tree's message says so: treeViewMode.ts), and a context key hides the tree's commands that act
// on live processes (package.json `when` clauses; the commands refuse too: commands/traceGuard.ts).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FollowedSource, TraceMoment } from './followedSource';
import type { TraceEditorProvider } from './traceEditor';

export const TREE_SHOWS_TRACE_KEY = 'pidnsExplorer.treeShowsTrace';

export function followTraceInTree(
  editors: TraceEditorProvider,
  followed: FollowedSource,
  /** The tree went from live to a trace or back (the status bar says what it shows). */
  onSwitch: () => void,
): vscode.Disposable {
  let pending = false;
  const apply = (): void => {
    pending = false;
    // Newest last: of two editors of one trace, the one just opened.
    const e = [...editors.editors].reverse().find((s) => s.active && s.shown);
    const moment: TraceMoment | undefined = e?.shown
      ? { uri: e.document.uri.toString(), file: path.basename(e.document.uri.path), t: e.t, snapshot: e.shown }
      : undefined;
    const was = followed.followed !== undefined;
    followed.follow(moment);
    if (was !== (moment !== undefined)) {
      void vscode.commands.executeCommand('setContext', TREE_SHOWS_TRACE_KEY, moment !== undefined);
      onSwitch();
    }
  };
  return editors.onDidChangeEditor(() => {
    // VS Code reports one editor's leaving before the next one's arrival, in one go: decide once after both,
    // so that going from one trace to another does not show the live model in between.
    if (pending) return;
    pending = true;
    queueMicrotask(apply);
  });
}
