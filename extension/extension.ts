// Entry point: wires the helper session, the tree, the hovers, the commands and the status bar. Nothing
// here knows whether it runs in desktop VS Code, over Remote-SSH or in code-server: it runs where the
// workspace is ("extensionKind": ["workspace"]) and starts the helper on that machine.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HelperClient } from '../helper-native/src/launch/helperClient';
import { launchHelper } from '../helper-native/src/launch/launchHelper';
import type { PrivilegeRequest } from '../helper-native/src/launch/privilegeTypes';
import type { CommandContext } from './commands/commandContext';
import { graphActions } from './commands/graphBridge';
import { registerCommands } from './commands/registerCommands';
import { registerGraphPanelSerializer, registerGraphView, showGraphPanel, type GraphHost } from './graph/graphPanel';
import { GraphRegistry } from './graph/graphRegistry';
import { DEFAULT_RECONCILE_MS } from '../shared/helperProtocol';
import { HelperSession, type LaunchedHelper, type StreamSettings } from './helperSession';
import { PidHoverProvider } from './hovers/pidHoverProvider';
import { adviceForFailure, adviceForLaunch, type Advice } from './privilegeAdvice';
import { EXPLAIN_COMMAND, StatusBar, explainPrivilege } from './statusBar';
import { INSTALL_COMMAND, confirmUntrustedHelper, installSystemHelper } from './systemHelperInstall';
import { NamespaceTreeProvider } from './tree/namespaceTreeProvider';
import { SnapshotView } from './tree/snapshotView';
import type { TreeNode } from './tree/treeNodes';

export const TREE_VIEW_ID = 'pidnsExplorer.tree';
/** How old a snapshot an editor hover accepts when polling is off. */
const HOVER_MAX_AGE_MS = 2000;

let session: HelperSession | undefined;

/** What activate() returns: the test suite reads the live model through it. */
export interface PidnsExplorerApi {
  session: HelperSession;
  tree: NamespaceTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  statusBar: StatusBar;
  graphs: GraphRegistry;
}

export function activate(context: vscode.ExtensionContext): PidnsExplorerApi {
  const log = vscode.window.createOutputChannel('PID Namespaces', { log: true });
  context.subscriptions.push(log);
  log.info(`activating on ${process.platform}, extension host pid ${process.pid}, uid ${process.getuid?.() ?? '?'}`);
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('pidnsExplorer');

  const streamSettings = (): StreamSettings => ({
    intervalMs: config().get<number>('pollIntervalMs', 1000),
    events: config().get<boolean>('kernelEvents', true),
    reconcileMs: config().get<number>('reconcileIntervalMs', DEFAULT_RECONCILE_MS),
  });
  session = new HelperSession(makeLauncher(context, log), log, streamSettings, (e) =>
    showAdvice(adviceForFailure(e, process.platform, existsSync('/proc/self/ns/pid')), log, s()),
  );
  const s = (): HelperSession => session as HelperSession;
  const tree = new NamespaceTreeProvider(session, () => s().createdInodes());
  const treeView = vscode.window.createTreeView(TREE_VIEW_ID, { treeDataProvider: tree.viewProvider, showCollapseAll: true });
  // Poll only while the sidebar is on screen.
  session.setViewVisible(TREE_VIEW_ID, treeView.visible);
  context.subscriptions.push(treeView.onDidChangeVisibility((e) => s().setViewVisible(TREE_VIEW_ID, e.visible)));
  const graphs = new GraphRegistry();
  const ctx: CommandContext = { session, tree, treeView, log, graphs, showGraphPanel: (keepFocus) => showGraphPanel(graphHost, keepFocus) };
  const graphHost: GraphHost = { extensionUri: context.extensionUri, source: session, actions: graphActions(ctx), registry: graphs };
  const statusBar = new StatusBar(session);

  context.subscriptions.push(
    tree,
    treeView,
    statusBar,
    ...registerCommands(ctx),
    vscode.commands.registerCommand(EXPLAIN_COMMAND, () => explainPrivilege(s())),
    // Installed once, the next helper starts from the root-owned copy: restart so that it does now.
    vscode.commands.registerCommand(INSTALL_COMMAND, async () => {
      const ok = await installSystemHelper(context.extensionPath, log);
      if (ok)
        await s()
          .restart()
          .catch(() => undefined);
      return ok;
    }),
    graphs,
    registerGraphPanelSerializer(graphHost),
    // The same live graph as a view in the panel area; it polls only while that view is visible.
    registerGraphView(graphHost),
    vscode.commands.registerCommand('pidnsExplorer.showGraph', () => void showGraphPanel(graphHost)),
    vscode.languages.registerHoverProvider(
      [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }],
      new PidHoverProvider(() => freshView(s(), tree), {
        revealInTree: 'pidnsExplorer.revealInTree',
        showInGraph: 'pidnsExplorer.showInGraph',
      }),
    ),
    vscode.workspace.onDidChangeConfiguration((e) => onConfigChange(e, s(), log)),
    { dispose: () => void s().dispose() },
  );
  if (process.platform === 'linux' && existsSync('/proc/self/ns/pid')) void session.ensureStarted().catch(() => undefined);
  else showAdvice(adviceForFailure(new Error('unsupported platform'), process.platform, existsSync('/proc/self/ns/pid')), log, session);
  return { session, tree, treeView, statusBar, graphs };
}

export async function deactivate(): Promise<void> {
  // The helper tears down the chains this window created when it gets `shutdown`/EOF.
  await session?.dispose();
  session = undefined;
}

function makeLauncher(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): () => Promise<LaunchedHelper> {
  return async () => {
    const mode = vscode.workspace.getConfiguration('pidnsExplorer').get<PrivilegeRequest>('privilegeMode', 'auto');
    const launched = await launchHelper({
      mode,
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
    if (advice) showAdvice(advice, log, session);
    return { client: new HelperClient(launched), hello: launched.hello };
  };
}

async function freshView(s: HelperSession, tree: NamespaceTreeProvider): Promise<SnapshotView | undefined> {
  const snap = await s.fresh(HOVER_MAX_AGE_MS).catch(() => undefined);
  if (!snap) return undefined;
  const view = tree.currentView();
  return view?.snapshot === snap ? view : new SnapshotView(snap);
}

function onConfigChange(e: vscode.ConfigurationChangeEvent, s: HelperSession, log: vscode.LogOutputChannel): void {
  if (e.affectsConfiguration('pidnsExplorer.privilegeMode')) {
    log.info('privilege mode changed: restarting the helper');
    void s.restart().catch(() => undefined);
  } else if (['pollIntervalMs', 'kernelEvents', 'reconcileIntervalMs'].some((k) => e.affectsConfiguration(`pidnsExplorer.${k}`))) {
    void s.applyPollInterval().catch((err: Error) => log.warn(`new poll interval not applied: ${err.message}`));
  }
}

const ACTION_LABELS: Record<string, string> = {
  showLog: 'Show Helper Log',
  useSudo: 'Use sudo',
  usePkexec: 'Use pkexec',
  useNone: 'Stay Unprivileged',
  retry: 'Retry',
  installHelper: 'Install the System Helper…',
};

function showAdvice(advice: Advice, log: vscode.LogOutputChannel, s: HelperSession | undefined): void {
  log.warn(advice.message);
  const labels = advice.actions.map((a) => ACTION_LABELS[a]);
  void vscode.window.showWarningMessage(advice.message, ...labels).then(async (choice) => {
    const action = advice.actions[labels.indexOf(choice ?? '')];
    if (action === 'showLog') log.show();
    else if (action === 'retry') await s?.restart().catch(() => undefined);
    else if (action === 'installHelper') await vscode.commands.executeCommand(INSTALL_COMMAND);
    else if (action === 'useSudo' || action === 'usePkexec' || action === 'useNone') {
      const mode = action === 'useSudo' ? 'sudo' : action === 'usePkexec' ? 'pkexec' : 'none';
      await vscode.workspace.getConfiguration('pidnsExplorer').update('privilegeMode', mode, vscode.ConfigurationTarget.Global);
    }
  });
}
