// What starts as soon as VS Code loads the extension's module, before it calls `activate`. Between the two VS
// Code prepares the ExtensionContext; as a window loaded with the view open that took 0.65-3.5 s here, while
// the window waited for the tree (README "At load: where the rest went"). The helper, the tree and its view
// need nothing from the context, so they start here; activate() takes them and adds the rest. VS Code loads
// the module only to activate the extension.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HelperClient } from '../helper-native/src/launch/helperClient';
import { launchHelper } from '../helper-native/src/launch/launchHelper';
import { DEFAULT_RECONCILE_MS } from '../shared/helperProtocol';
import { DisposableStore } from './dispose';
import { HelperSession, type LaunchedHelper, type StreamSettings } from './helperSession';
import { adviceForFailure, adviceForLaunch } from './privilegeAdvice';
import { readPrivilegeMode, showAdvice } from './privilegeMode';
import { confirmUntrustedHelper } from './systemHelperInstall';
import { ownPidNamespace } from './tree/ownNamespace';
import { NamespaceTreeProvider } from './tree/namespaceTreeProvider';
import { configuredGroupBy } from './tree/treeViewMode';
import type { TreeNode } from './tree/treeNodes';
import { FollowedSource } from './trace/followedSource';

export const TREE_VIEW_ID = 'pidnsExplorer.tree';
/** package.json's publisher.name. */
const EXTENSION_ID = 'pidns-explorer.pidns-explorer';

export interface EarlyStart {
  /** Everything below, released by deactivate (the session separately, last). */
  store: DisposableStore;
  log: vscode.LogOutputChannel;
  session: HelperSession;
  followed: FollowedSource;
  tree: NamespaceTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  /** Linux with PID namespaces: the helper was started. */
  supported: boolean;
  hasPidNs: boolean;
  /** performance.now() when this was started. */
  startedAt: number;
}

let early: EarlyStart | undefined;

/** Start the helper and the tree view (once; activate takes what this made). */
export function startEarly(): EarlyStart {
  early ??= start();
  return early;
}

/** What startEarly made, handed over once: a later activation (none in one extension host) starts afresh. */
export function takeEarlyStart(): EarlyStart {
  const e = startEarly();
  early = undefined;
  return e;
}

function start(): EarlyStart {
  const began = performance.now();
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
  // As the context will say it (through a symlink where one installed it so); the bundle is in its dist/.
  const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)?.extensionPath ?? path.dirname(__dirname);
  // The launcher and the failure callback only run after the constructor returns, so `session` is set by then.
  const session: HelperSession = new HelperSession(
    makeLauncher(extensionPath, log, () => session),
    log,
    streamSettings,
    (e) => showAdvice(adviceForFailure(e, process.platform, hasPidNs), log, session),
  );
  const supported = process.platform === 'linux' && hasPidNs;
  if (supported) void session.ensureStarted().catch(() => undefined);
  // The tree shows the live model, or the trace whose editor is active (trace/followTrace.ts switches it).
  const followed = store.add(new FollowedSource(session));
  // In the saved grouping from its first row (treeViewMode.ts says why it is a setting).
  const tree = store.add(new NamespaceTreeProvider(followed, () => session.createdInodes(), configuredGroupBy()));
  if (supported) store.add(showOwnNamespaceUntilModel(tree, session));
  const treeView = store.add(vscode.window.createTreeView(TREE_VIEW_ID, { treeDataProvider: tree.viewProvider, showCollapseAll: true }));
  // A reveal shows its view: none once the user has left it (the row then stays as drawn, collapsed).
  tree.firstPaint.attach((node) =>
    treeView.visible ? treeView.reveal(node, { expand: true, select: false, focus: false }) : Promise.resolve(),
  );
  // Poll only while the sidebar is on screen.
  followed.setViewVisible(TREE_VIEW_ID, treeView.visible);
  store.add(treeView.onDidChangeVisibility((e) => followed.setViewVisible(TREE_VIEW_ID, e.visible)));
  return { store, log, session, followed, tree, treeView, supported, hasPidNs, startedAt: began };
}

/**
 * Until the helper's first model, the tree's root row is this extension host's own PID namespace (the one the
 * helper, started from here, reports as its own and the model's root: the same id, so nothing flickers and
 * the row stays open), marked as loading; not once a start failed (the view's welcome text and the advice say
 * what happened). A trace the tree follows has a model of its own: the row is only used while there is none.
 */
export function showOwnNamespaceUntilModel(tree: NamespaceTreeProvider, session: HelperSession): vscode.Disposable {
  const own = ownPidNamespace();
  const update = (): void => tree.setProvisionalRoot(session.error === undefined ? own : undefined);
  update();
  return session.onDidChangeState(update);
}

function makeLauncher(extensionPath: string, log: vscode.LogOutputChannel, session: () => HelperSession): () => Promise<LaunchedHelper> {
  return async () => {
    const launched = await launchHelper({
      mode: readPrivilegeMode(),
      pidnsJs: path.join(extensionPath, 'dist', 'pidns.js'),
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
      confirmUntrustedHelper: (info) => confirmUntrustedHelper(extensionPath, info, log),
    });
    const advice = adviceForLaunch(launched.mode, launched.attempts);
    if (advice) showAdvice(advice, log, session());
    return { client: new HelperClient(launched), hello: launched.hello };
  };
}
