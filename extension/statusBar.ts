// Status-bar item: namespace count, privilege mode and how the model stays current. Clicking it runs
// EXPLAIN_COMMAND (privilegeMode.ts explainPrivilege: explain the mode, offer to switch or restart).
import * as vscode from 'vscode';
import { describeSource, type HelperSession } from './helperSession';
import { explainMode } from './privilegeAdvice';
import type { TraceMoment } from './trace/followedSource';

export const EXPLAIN_COMMAND = 'pidnsExplorer.explainPrivilege';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pidnsExplorer.status', vscode.StatusBarAlignment.Left, 10);
  private readonly sub: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: HelperSession,
    /** The trace moment the tree shows instead of the live model, if any. */
    private readonly treeShows: () => TraceMoment | undefined = () => undefined,
  ) {
    this.item.name = 'PID Namespaces';
    this.item.command = EXPLAIN_COMMAND;
    // Diffs can come every 100 ms: repaint at most a few times a second.
    this.sub = session.onDidChangeState(() => {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.update();
      }, 200);
    });
    this.update();
    this.item.show();
  }

  /** What the user reads (tests check it, since the item itself is not readable through the API). */
  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : (this.item.tooltip?.value ?? '');
  }

  update(): void {
    const mode = this.session.privilege;
    const count = this.session.current()?.namespaces.length;
    const restart = this.session.restarting;
    if (restart && mode === 'stopped') {
      // The helper died and a new one is on its way: say so, and why, instead of a bare "stopped" — the tree
      // shows the last model until the new helper's first snapshot.
      this.item.text = `$(sync~spin) ${count ?? '–'} PID ns · helper restarting`;
      this.item.tooltip = `PID Namespaces: the helper stopped (${restart.reason}); restarting in ${restart.delayMs / 1000} s (attempt ${restart.attempt} of ${restart.maxAttempts}). The tree shows the last model until then. Click to explain or restart now.`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      return;
    }
    if (mode === 'stopped' && this.session.isStarting) {
      // Before the first hello (and while pkexec or sudo asks for a password) the helper is starting, not
      // stopped: no warning colour on every window start.
      this.item.text = `$(sync~spin) ${count ?? '–'} PID ns · starting`;
      this.item.tooltip =
        'PID Namespaces: starting the helper that reads /proc (as the privilege setting says: root, pkexec, sudo or unprivileged). Click to explain or switch.';
      this.item.backgroundColor = undefined;
      return;
    }
    const icon = mode === 'stopped' ? '$(warning)' : mode === 'unprivileged' ? '$(person)' : '$(shield)';
    // While a view is visible: how the model stays current, and why (events, or why not).
    const streaming = this.session.polling && mode !== 'stopped';
    const source = this.session.source;
    const live = streaming ? ` · ${describeSource(source, this.session.intervalMs)}` : '';
    const why = !streaming
      ? ''
      : source
        ? ` Updates: ${describeSource(source, this.session.intervalMs)}, because ${source.why}${source.reconcileMs ? `; a full rescan every ${source.reconcileMs / 1000} s catches what has no event` : ''}${source.overflows > 0 ? `; the kernel dropped events ${source.overflows} time(s), each followed by a rescan` : ''}.`
        : ' Updates: polling (this helper predates kernel events).';
    // The helper stays live while the tree shows a trace: the item says which the tree shows, not "live" alone.
    const trace = this.treeShows();
    const tree = trace ? ' · tree: trace' : '';
    const treeWhy = trace
      ? ` The tree shows the trace ${trace.file} while its editor is active, not the live machine (its message says which moment).`
      : '';
    this.item.text = `${icon} ${count ?? '–'} PID ns · ${mode}${live}${tree}`;
    this.item.tooltip = `PID Namespaces: ${count ?? 'no'} namespaces visible. ${explainMode(mode, this.session.hello?.actingForUid)}${why}${treeWhy} Click to explain or switch.`;
    this.item.backgroundColor = mode === 'stopped' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.sub.dispose();
    this.item.dispose();
  }
}
