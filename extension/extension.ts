// Entry point: wires the helper session, the tree, the hovers, the commands and the status bar. Nothing
// here knows whether it runs in desktop VS Code, over Remote-SSH or in code-server: it runs where the
// workspace is ("extensionKind": ["workspace"]) and starts the helper on that machine.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HelperClient } from '../helper-native/src/launch/helperClient';
import { launchHelper } from '../helper-native/src/launch/launchHelper';
import type { CommandContext } from './commands/commandContext';
import { graphActions } from './commands/graphBridge';
import { registerCommands } from './commands/registerCommands';
import { registerGraphPanelSerializer, registerGraphView, showGraphPanel, type GraphHost } from './graph/graphPanel';
import { GraphRegistry } from './graph/graphRegistry';
import { registerLessonCommands } from './lessons/lessonCommands';
import { DEFAULT_RECONCILE_MS } from '../shared/helperProtocol';
import { HelperSession, type LaunchedHelper, type StreamSettings } from './helperSession';
import { PidHoverProvider } from './hovers/pidHoverProvider';
import { DisposableStore } from './dispose';
import { adviceForFailure, adviceForLaunch } from './privilegeAdvice';
import { explainPrivilege, readPrivilegeMode, showAdvice, watchPrivilegeMode } from './privilegeMode';
import { EXPLAIN_COMMAND, StatusBar } from './statusBar';
import { INSTALL_COMMAND, confirmUntrustedHelper, installSystemHelper } from './systemHelperInstall';
import { NamespaceTreeProvider } from './tree/namespaceTreeProvider';
import { registerTreeViewMode, savedGroupBy } from './tree/treeViewMode';
import { modelIndexOf, type ModelIndex } from '../shared/core/modelIndex';
import type { TreeNode } from './tree/treeNodes';
import { registerTraceFeatures, type TraceApi } from './trace/registerTrace';
import { FollowedSource } from './trace/followedSource';
import { followTraceInTree } from './trace/followTrace';

export const TREE_VIEW_ID = 'pidnsExplorer.tree';
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
  const store = new DisposableStore();
  const log = store.add(vscode.window.createOutputChannel('PID Namespaces', { log: true }));
  log.info(
    `activating on ${process.platform}, extension host pid ${process.pid}, uid ${process.getuid?.() ?? '?'}, ${Math.round(process.uptime() * 1000)} ms after the extension host started`,
  );
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('pidnsExplorer');
  const hasPidNs = existsSync('/proc/self/ns/pid');

  const streamSettings = (): StreamSettings => ({
    intervalMs: config().get<number>('pollIntervalMs', 1000),
    events: config().get<boolean>('kernelEvents', true),
    reconcileMs: config().get<number>('reconcileIntervalMs', DEFAULT_RECONCILE_MS),
  });
  // The launcher and the failure callback only run after the constructor returns, so `session` is set by then.
  const session: HelperSession = new HelperSession(
    makeLauncher(context, log, () => session),
    log,
    streamSettings,
    (e) => showAdvice(adviceForFailure(e, process.platform, hasPidNs), log, session),
  );
  active = { store, session };
  // The tree shows the live model, or the trace whose editor is active (followTrace.ts switches it).
  const followed = store.add(new FollowedSource(session));
  const tree = store.add(new NamespaceTreeProvider(followed, () => session.createdInodes(), savedGroupBy(context.workspaceState)));
  const treeView = store.add(vscode.window.createTreeView(TREE_VIEW_ID, { treeDataProvider: tree.viewProvider, showCollapseAll: true }));
  for (const d of registerTreeViewMode(context.workspaceState, tree, treeView, followed)) store.add(d);
  // Poll only while the sidebar is on screen.
  followed.setViewVisible(TREE_VIEW_ID, treeView.visible);
  store.add(treeView.onDidChangeVisibility((e) => followed.setViewVisible(TREE_VIEW_ID, e.visible)));
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
  if (process.platform === 'linux' && hasPidNs) void session.ensureStarted().catch(() => undefined);
  else showAdvice(adviceForFailure(new Error('unsupported platform'), process.platform, hasPidNs), log, session);
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

function makeLauncher(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  session: () => HelperSession,
): () => Promise<LaunchedHelper> {
  return async () => {
    const launched = await launchHelper({
      mode: readPrivilegeMode(),
      pidnsJs: path.join(context.extensionPath, 'dist', 'pidns.js'),
      askPassword: async () =>
        vscode.window.showInputBox({
          title: 'PID Namespaces: sudo password',
          prompt: `sudo needs your password to run the PID namespace helper as root (user ${process.env.USER ?? ''})`,
          password: true,
          ignoreFocusOut: true,
        }),
      log: (line) => log.info(line),
      // Without a safe installed helper, elevating means running files this user and every other
      // extension can write as root: only after the user said so in a modal dialog.
      confirmUntrustedHelper: (info) => confirmUntrustedHelper(context.extensionPath, info, log),
    });
    const advice = adviceForLaunch(launched.mode, launched.attempts);
    if (advice) showAdvice(advice, log, session());
    return { client: new HelperClient(launched), hello: launched.hello };
  };
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
