// The tree's grouping (by namespace or by container) and its text filter, as the title bar and the palette
// offer them: commands, the context keys that pick which title-bar button shows, the view's description that
// says what is active, and the grouping kept per workspace.
import * as vscode from 'vscode';
import type { NamespaceTreeProvider } from './namespaceTreeProvider';
import type { TreeNode } from './treeNodes';
import type { GroupBy } from './treeShape';
import { traceTreeMessage, type FollowedSource } from '../trace/followedSource';

export const GROUP_BY_CONTAINER = 'pidnsExplorer.groupByContainer';
export const GROUP_BY_NAMESPACE = 'pidnsExplorer.groupByNamespace';
export const FILTER_COMMAND = 'pidnsExplorer.filter';
export const CLEAR_FILTER_COMMAND = 'pidnsExplorer.clearFilter';
/** Context keys: the grouping (`namespace`/`container`) and whether a filter is set. */
const GROUP_BY_KEY = 'pidnsExplorer.groupBy';
const FILTERED_KEY = 'pidnsExplorer.filtered';
/** workspaceState key of the grouping. */
const STATE_KEY = 'pidnsExplorer.tree.groupBy';
/** A playing trace moves every 100 ms: the message's moment is rewritten at most this often. */
const TRACE_MESSAGE_INTERVAL_MS = 250;

export function savedGroupBy(state: vscode.Memento): GroupBy {
  return state.get<string>(STATE_KEY) === 'container' ? 'container' : 'namespace';
}

/** The view's description: what grouping and filter are active. */
export function treeDescription(groupBy: GroupBy, filter: string): string {
  const parts = groupBy === 'container' ? ['by container'] : [];
  if (filter !== '') parts.push(`filter: ${filter}`);
  return parts.join(' · ');
}

/** The line above the rows while a filter is set. */
export function filterMessage(filter: string, empty: boolean): string | undefined {
  if (filter === '') return undefined;
  return empty
    ? `Nothing matches the filter “${filter}” (namespace, container, pod or command).`
    : `Filtered: only what matches “${filter}”.`;
}

export function registerTreeViewMode(
  state: vscode.Memento,
  tree: NamespaceTreeProvider,
  treeView: vscode.TreeView<TreeNode>,
  /** While the tree shows a trace, the message says which and when first (trace/followedSource.ts). */
  followed?: FollowedSource,
): vscode.Disposable[] {
  const show = (): void => {
    void vscode.commands.executeCommand('setContext', GROUP_BY_KEY, tree.groupBy);
    void vscode.commands.executeCommand('setContext', FILTERED_KEY, tree.filter !== '');
    treeView.description = treeDescription(tree.groupBy, tree.filter) || undefined;
    updateMessage();
  };
  // The filter is also said above the rows: with one view in its container VS Code shows no description.
  // Whether anything matches is looked at again as snapshots arrive (cheap: the shape is cached per snapshot).
  const updateMessage = (): void => {
    const lines = [traceLine, filterMessage(tree.filter, tree.currentShape()?.empty === true)];
    const message = lines.filter((l) => l !== undefined).join(' ') || undefined;
    if (treeView.message !== message) treeView.message = message;
  };
  // The trace's moment, rewritten at most every TRACE_MESSAGE_INTERVAL_MS while it plays; at once when the
  // tree starts or stops showing a trace.
  let traceLine: string | undefined;
  let lastTraceLine = 0;
  let traceTimer: NodeJS.Timeout | undefined;
  const updateTraceLine = (): void => {
    traceTimer = undefined;
    lastTraceLine = Date.now();
    const moment = followed?.followed;
    traceLine = moment && traceTreeMessage(moment);
    updateMessage();
  };
  const onMoment = (): void => {
    if (followed?.followed === undefined || traceLine === undefined) {
      clearTimeout(traceTimer);
      updateTraceLine();
    } else traceTimer ??= setTimeout(updateTraceLine, Math.max(0, lastTraceLine + TRACE_MESSAGE_INTERVAL_MS - Date.now()));
  };
  const setGroupBy = async (groupBy: GroupBy): Promise<GroupBy> => {
    tree.setGroupBy(groupBy);
    await state.update(STATE_KEY, groupBy);
    return groupBy;
  };
  show();
  return [
    ...(followed ? [followed.onDidChangeMoment(onMoment), { dispose: () => clearTimeout(traceTimer) }] : []),
    tree.onDidChangeShape(show),
    (tree.viewProvider.onDidChangeTreeData as vscode.Event<unknown>)(updateMessage),
    vscode.commands.registerCommand(GROUP_BY_CONTAINER, () => setGroupBy('container')),
    vscode.commands.registerCommand(GROUP_BY_NAMESPACE, () => setGroupBy('namespace')),
    // Arg: the text (a test may pass it), or nothing (asks, with the current filter to edit).
    vscode.commands.registerCommand(FILTER_COMMAND, async (arg?: unknown) => {
      const text =
        typeof arg === 'string'
          ? arg
          : await vscode.window.showInputBox({
              title: 'Filter the PID Namespaces tree',
              prompt: 'Keep namespaces, containers and processes whose name, container, pod or command contains this (empty: clear)',
              placeHolder: 'web, shop/web-0, nginx, pid:[4026532184]',
              value: tree.filter,
            });
      if (text === undefined) return tree.filter;
      tree.setFilter(text);
      return tree.filter;
    }),
    vscode.commands.registerCommand(CLEAR_FILTER_COMMAND, () => {
      tree.setFilter('');
      return tree.filter;
    }),
  ];
}
