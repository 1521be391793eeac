// What every command handler gets: the session (helper + model), the tree and its view, the log. One
// object so that registering a command is one line in registerCommands.ts.
import type * as vscode from 'vscode';
import type { NamespaceInfo, ProcessInfo } from '../../shared/core/types';
import type { HelperSession } from '../helperSession';
import type { NamespaceTreeProvider } from '../tree/namespaceTreeProvider';
import type { ModelIndex } from '../../shared/core/modelIndex';
import type { TreeNode } from '../tree/treeNodes';

export interface CommandContext {
  session: HelperSession;
  tree: NamespaceTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  log: vscode.LogOutputChannel;
}

/** A namespace from a context-menu node, or undefined (the command then asks). */
export function namespaceFromNode(view: ModelIndex, node: unknown): NamespaceInfo | undefined {
  const n = node as Partial<TreeNode> | undefined;
  if (n?.kind === 'namespace' && typeof n.key === 'string') return view.namespace(n.key);
  return undefined;
}

export function processFromNode(view: ModelIndex, node: unknown): ProcessInfo | undefined {
  const n = node as Partial<TreeNode> | undefined;
  if (n?.kind === 'process' && typeof n.pid === 'number') {
    const p = view.process(n.pid);
    return p && p.startTime === n.startTime ? p : undefined;
  }
  return undefined;
}
