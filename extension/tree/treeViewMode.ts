// The tree's grouping (by namespace or by container) and its text filter, as the title bar and the palette
// offer them: commands, the context key that says whether a filter is set, the view's description that says
// what is active, and the setting that says what the grouping is.
//
// The grouping is the setting `pidnsExplorer.tree.groupBy`, and nothing else says it. A setting, not
// workspaceState, because it can be read when VS Code loads our module: the tree is made then
// (startEarly.ts), while workspaceState comes with the ExtensionContext, 0.65-3.5 s later as a window loads.
// So the tree's first rows are in the saved grouping, without holding them back until activate (which would
// cost the view's first row that wait, over its 1 s budget; the provisional root row cannot stand in
// meanwhile, since grouped by container the root namespace hangs under "No container", below the
// containers). And the title bar's button reads the same setting in its `when` clause
// (`config.pidnsExplorer.tree.groupBy`), so it is right from the window's first paint, before our module is
// even loaded; a context key set by us offered "Group by Container" for the first 1.5-2 s after a reload
// while the tree was grouped by container. The buttons write the setting where the user keeps it: the
// workspace's settings if they put it there, else their user settings (as VS Code's own toggles, Toggle
// Minimap or Breadcrumbs, do); never a workspace settings.json entry they did not make.
import * as vscode from 'vscode';
import type { NamespaceTreeProvider } from './namespaceTreeProvider';
import type { TreeNode } from './treeNodes';
import type { GroupBy } from './treeShape';
import { traceTreeMessage, type FollowedSource } from '../trace/followedSource';

export const GROUP_BY_CONTAINER = 'pidnsExplorer.groupByContainer';
export const GROUP_BY_NAMESPACE = 'pidnsExplorer.groupByNamespace';
export const FILTER_COMMAND = 'pidnsExplorer.filter';
export const CLEAR_FILTER_COMMAND = 'pidnsExplorer.clearFilter';
/** Context key: whether a filter is set. */
const FILTERED_KEY = 'pidnsExplorer.filtered';
/** The grouping's setting, in the `pidnsExplorer` section (package.json's menus read it as a `config.` key). */
const SECTION = 'pidnsExplorer';
const GROUP_BY_SETTING = 'tree.groupBy';
/** A playing trace moves every 100 ms: the message's moment is rewritten at most this often. */
const TRACE_MESSAGE_INTERVAL_MS = 250;

/** The grouping the setting says (anything but `container` groups by namespace, as the title bar's `when` does). */
export function configuredGroupBy(): GroupBy {
  return vscode.workspace.getConfiguration(SECTION).get<string>(GROUP_BY_SETTING) === 'container' ? 'container' : 'namespace';
}

/**
 * Write the grouping where the user keeps it: the workspace's settings if it is set there (a value in the user
 * settings would be overridden by it), else the user settings; there, the default is written as no entry.
 */
async function saveGroupBy(groupBy: GroupBy): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const where = config.inspect<string>(GROUP_BY_SETTING);
  if (where?.workspaceValue !== undefined) await config.update(GROUP_BY_SETTING, groupBy, vscode.ConfigurationTarget.Workspace);
  else await config.update(GROUP_BY_SETTING, groupBy === where?.defaultValue ? undefined : groupBy, vscode.ConfigurationTarget.Global);
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
  tree: NamespaceTreeProvider,
  treeView: vscode.TreeView<TreeNode>,
  /** While the tree shows a trace, the message says which and when first (trace/followedSource.ts). */
  followed?: FollowedSource,
): vscode.Disposable[] {
  const show = (): void => {
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
  // The tree follows the setting (the buttons, the Settings editor, another window of this user); a change made
  // between the tree's making and now is taken here.
  const followSetting = (): void => tree.setGroupBy(configuredGroupBy());
  const setGroupBy = async (groupBy: GroupBy): Promise<GroupBy> => {
    try {
      await saveGroupBy(groupBy);
    } catch (e) {
      // E.g. a settings.json VS Code cannot parse: nothing changes, and the user is told why.
      void vscode.window.showErrorMessage(`PID Namespaces: the grouping could not be saved in your settings: ${(e as Error).message}`);
    }
    followSetting();
    return tree.groupBy;
  };
  followSetting();
  show();
  return [
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(`${SECTION}.${GROUP_BY_SETTING}`) && followSetting()),
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
