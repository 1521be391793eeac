// What every command handler gets: the session (helper + model), the tree and its view, the open graph views,
// the log. One object so that registering a command is one line in registerCommands.ts. The helpers below turn
// what a caller holds (a tree node from a context menu, a graph's NsRef/ProcRef) into the namespace or process
// of the current snapshot, which is what the core command functions take.
import type * as vscode from 'vscode';
import { containerKey } from '../../shared/core/containers';
import { nsKey } from '../../shared/core/identity';
import type { NamespaceInfo, ProcessInfo } from '../../shared/core/types';
import type { NsRef, ProcRef } from '../../shared/webviewProtocol';
import type { GraphRegistry, OpenGraphView } from '../graph/graphRegistry';
import type { HelperSession } from '../helperSession';
import type { NamespaceTreeProvider } from '../tree/namespaceTreeProvider';
import type { ModelIndex } from '../../shared/core/modelIndex';
import type { TreeNode } from '../tree/treeNodes';
import type { FollowedSource } from '../trace/followedSource';

export interface CommandContext {
  session: HelperSession;
  tree: NamespaceTreeProvider;
  /** The tree's source: the live model, or a trace while its editor is active (commands refuse its rows then). */
  followed: FollowedSource;
  treeView: vscode.TreeView<TreeNode>;
  log: vscode.LogOutputChannel;
  /** Every open graph view (editor panel, panel-area view). */
  graphs: GraphRegistry;
  /** Opens the graph panel (or brings the open one to front) and returns it. */
  showGraphPanel(preserveFocus: boolean): OpenGraphView;
}

/** A namespace from a context-menu node (a container's row: its PID namespace), or undefined (the command then asks). */
export function namespaceFromNode(view: ModelIndex, node: unknown): NamespaceInfo | undefined {
  const n = node as Partial<TreeNode> | undefined;
  if (n?.kind === 'namespace' && typeof n.key === 'string') return view.namespace(n.key);
  if (n?.kind === 'container' && typeof n.key === 'string') {
    const c = view.snapshot.containers?.find((x) => containerKey(x) === n.key);
    return c ? view.namespaceWithInode(c.pidNs) : undefined;
  }
  return undefined;
}

export function processFromNode(view: ModelIndex, node: unknown): ProcessInfo | undefined {
  const n = node as Partial<TreeNode> | undefined;
  if (n?.kind === 'process' && typeof n.pid === 'number' && typeof n.startTime === 'number')
    return processFromRef(view, { pid: n.pid, startTime: n.startTime });
  return undefined;
}

/** The namespace a graph names by (dev, inode), if the current snapshot has it. */
export function namespaceFromRef(view: ModelIndex, ref: NsRef): NamespaceInfo | undefined {
  return view.namespace(nsKey(ref));
}

/** The process a graph names by (pid, start time), unless that PID now belongs to another process. */
export function processFromRef(view: ModelIndex, ref: ProcRef): ProcessInfo | undefined {
  const p = view.process(ref.pid);
  return p && p.startTime === ref.startTime ? p : undefined;
}
