// Entry point: wires the helper session, the tree, the hovers, the commands and the status bar. Nothing
// here knows whether it runs in desktop VS Code, over Remote-SSH or in code-server: it runs where the
// workspace is ("extensionKind": ["workspace"]) and starts the helper on that machine.
import * as vscode from 'vscode';
import type { CommandContext } from './commands/commandContext';
import { graphActions } from './commands/graphBridge';
import { registerCommands } from './commands/registerCommands';
import { registerGraphPanelSerializer, registerGraphView, showGraphPanel, type GraphHost } from './graph/graphPanel';
import { GraphRegistry } from './graph/graphRegistry';
import { registerLessonCommands } from './lessons/lessonCommands';
import type { HelperSession } from './helperSession';
import { PidHoverProvider } from './hovers/pidHoverProvider';
import type { DisposableStore } from './dispose';
import { adviceForFailure } from './privilegeAdvice';
import { explainPrivilege, showAdvice, watchPrivilegeMode } from './privilegeMode';
import { EXPLAIN_COMMAND, StatusBar } from './statusBar';
import { INSTALL_COMMAND, installSystemHelper } from './systemHelperInstall';
import type { NamespaceTreeProvider } from './tree/namespaceTreeProvider';
import { registerTreeViewMode } from './tree/treeViewMode';
import { modelIndexOf, type ModelIndex } from '../shared/core/modelIndex';
import type { TreeNode } from './tree/treeNodes';
import { registerTraceFeatures, type TraceApi } from './trace/registerTrace';
import type { FollowedSource } from './trace/followedSource';
import { startEarly, takeEarlyStart } from './startEarly';
import { followTraceInTree } from './trace/followTrace';
import { PRESENCE_AWAY_AFTER_MS, PRESENCE_INTERVAL_MS, WindowPresence } from './windowPresence';

export { TREE_VIEW_ID } from './startEarly';
// VS Code loads this module to activate the extension, then prepares its context before calling activate():
// the helper and the tree view start now (startEarly.ts says why).
startEarly();
/** How old a snapshot an editor hover accepts when polling is off. */
const HOVER_MAX_AGE_MS = 2000;

/** What `activate` made, released by `deactivate`: the session last, after the views that read it. */
let active: { store: DisposableStore; session: HelperSession } | undefined;

/** What activate() returns: the test suite reads the live model through it. */
export interface PidnsExplorerApi {
  session: HelperSession;
  tree: NamespaceTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  statusBar: StatusBar;
  /** The tree's source: the live model, or the active trace editor's moment. */
  followed: FollowedSource;
  graphs: GraphRegistry;
  trace: TraceApi;
}

export function activate(context: vscode.ExtensionContext): PidnsExplorerApi {
  const { store, log, session, followed, tree, treeView, supported, hasPidNs, startedAt } = takeEarlyStart();
  // With timestamps, this says how long VS Code took to prepare the context (the e2e bench prints it).
  log.info(`activate: called ${Math.round(performance.now() - startedAt)} ms after the module was loaded`);
  active = { store, session };
  for (const d of registerTreeViewMode(tree, treeView, followed)) store.add(d);
  const graphs = store.add(new GraphRegistry());
  const ctx: CommandContext = {
    session,
    tree,
    followed,
    treeView,
    log,
    graphs,
    showGraphPanel: (keepFocus) => showGraphPanel(graphHost, keepFocus),
  };
  const graphHost: GraphHost = { extensionUri: context.extensionUri, source: session, actions: graphActions(ctx), registry: graphs };
  const statusBar = store.add(new StatusBar(session, () => followed.followed));
  // The extension host outlives a window that left without a goodbye: the stream runs only while it answers.
  store.add(
    new WindowPresence({
      ask: () => vscode.commands.executeCommand('setContext', 'pidnsExplorer.windowAnswers', true),
      onChange: (present) => session.setWindowPresent(present),
      intervalMs: PRESENCE_INTERVAL_MS,
      awayAfterMs: PRESENCE_AWAY_AFTER_MS,
    }),
  );

  for (const d of registerCommands(ctx)) store.add(d);
  for (const d of registerLessonCommands(ctx)) store.add(d);
  store.add(vscode.commands.registerCommand(EXPLAIN_COMMAND, () => explainPrivilege(session)));
  // Installed once, the next helper starts from the root-owned copy: restart so that it does now.
  store.add(
    vscode.commands.registerCommand(INSTALL_COMMAND, async () => {
      const ok = await installSystemHelper(context.extensionPath, log);
      if (ok) await session.restart().catch(() => undefined);
      return ok;
    }),
  );
  store.add(registerGraphPanelSerializer(graphHost));
  // The same live graph as a view in the panel area; it polls only while that view is visible.
  store.add(registerGraphView(graphHost));
  store.add(vscode.commands.registerCommand('pidnsExplorer.showGraph', () => void showGraphPanel(graphHost)));
  store.add(
    vscode.languages.registerHoverProvider(
      [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }],
      new PidHoverProvider(() => freshView(session, tree), {
        revealInTree: 'pidnsExplorer.revealInTree',
        showInGraph: 'pidnsExplorer.showInGraph',
      }),
    ),
  );
  const trace = registerTraceFeatures(context, session, log, store);
  store.add(followTraceInTree(trace.editors, followed, () => statusBar.update()));
  store.add(watchPrivilegeMode(session, log));
  store.add(vscode.workspace.onDidChangeConfiguration((e) => onStreamSettingsChange(e, session, log)));
  if (!supported) showAdvice(adviceForFailure(new Error('unsupported platform'), process.platform, hasPidNs), log, session);
  return { session, tree, treeView, statusBar, followed, graphs, trace };
}

export async function deactivate(): Promise<void> {
  const done = active;
  active = undefined;
  if (!done) return;
  done.store.dispose();
  // The helper tears down the chains this window created when it gets `shutdown`/EOF; VS Code awaits this.
  await done.session.dispose();
}

async function freshView(s: HelperSession, tree: NamespaceTreeProvider): Promise<ModelIndex | undefined> {
  const snap = await s.fresh(HOVER_MAX_AGE_MS).catch(() => undefined);
  if (!snap) return undefined;
  const view = tree.currentView();
  // Once per snapshot, also while the tree shows a trace (its view is then of another snapshot).
  return view?.snapshot === snap ? view : modelIndexOf(snap);
}

function onStreamSettingsChange(e: vscode.ConfigurationChangeEvent, s: HelperSession, log: vscode.LogOutputChannel): void {
  if (['pollIntervalMs', 'kernelEvents', 'reconcileIntervalMs'].some((k) => e.affectsConfiguration(`pidnsExplorer.${k}`))) {
    void s.applyPollInterval().catch((err: Error) => log.warn(`new poll interval not applied: ${err.message}`));
  }
}
