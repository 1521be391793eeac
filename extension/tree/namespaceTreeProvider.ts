// The sidebar tree: root = the namespace the helper sees (level 0), children = child namespaces as the kernel
// nests them, then each namespace's processes (paged). Data comes from a SnapshotSource; refreshes are
// debounced so a burst of diffs repaints once.
import * as vscode from 'vscode';
import type { NamespaceInfo, ProcessInfo } from '../../shared/core/types';
import { namespaceTooltip, processTooltip } from '../hovers/tooltipMarkdown';
import type { SnapshotChange, SnapshotSource } from '../snapshotSource';
import { affectedNamespaces } from './refreshScope';
import { SnapshotView, nsKey } from './snapshotView';
import { NodeCache, PAGE_SIZE, limitToShow, moreText, namespaceChildren, namespaceText, processText, type NodeText, type TreeNode } from './treeNodes';

export const SHOW_MORE_COMMAND = 'pidnsExplorer.tree.showMore';
const REFRESH_DEBOUNCE_MS = 150;

export class NamespaceTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly cache = new NodeCache();
  private readonly pageLimits = new Map<string, number>();
  private view: SnapshotView | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Namespaces to refresh at the next flush; undefined = the whole tree. */
  private pending: Set<string> | undefined = new Set();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly source: SnapshotSource,
    /** Inodes of namespaces this window created (they get the "destroy" context menu). */
    private readonly createdHere: () => ReadonlySet<number>,
  ) {
    this.subscription = source.onDidChange((change) => this.onSnapshotChange(change));
  }

  /** The index over the latest snapshot (rebuilt lazily, once per snapshot). */
  currentView(): SnapshotView | undefined {
    const snap = this.source.current();
    if (!snap) return undefined;
    if (this.view?.snapshot !== snap) {
      this.view = new SnapshotView(snap);
      this.cache.prune(this.view);
    }
    return this.view;
  }

  /** Repaint the whole tree at once. */
  refreshNow(): void {
    this.pending = undefined;
    this.flush();
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const view = this.currentView();
    if (!view) return new vscode.TreeItem('(no snapshot yet)');
    if (node.kind === 'namespace') return this.namespaceItem(view, node.key, node.id);
    if (node.kind === 'process') return this.processItem(view, node.pid, node.id);
    const item = this.toItem(moreText(node), node.id);
    item.command = { command: SHOW_MORE_COMMAND, title: 'Show more', arguments: [node] };
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    const view = this.currentView();
    if (!view?.root) return [];
    if (!node) return [this.cache.namespace(view.root)];
    if (node.kind !== 'namespace') return [];
    const ns = view.namespace(node.key);
    return ns ? namespaceChildren(view, this.cache, ns, this.pageLimits.get(node.key) ?? PAGE_SIZE) : [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    const view = this.currentView();
    if (!view) return undefined;
    const key = node.kind === 'namespace' ? node.key : node.nsKey;
    const ns = view.namespace(key);
    if (!ns) return undefined;
    if (node.kind !== 'namespace') return this.cache.namespace(ns);
    const parent = view.parentOf(ns);
    return parent ? this.cache.namespace(parent) : undefined;
  }

  /** "Show more…": the next page of that namespace's processes. */
  showMore(node: TreeNode): void {
    if (node.kind !== 'more') return;
    this.pageLimits.set(node.nsKey, (this.pageLimits.get(node.nsKey) ?? PAGE_SIZE) + PAGE_SIZE);
    this.refreshNow();
  }

  namespaceNode(ns: NamespaceInfo): TreeNode {
    return this.cache.namespace(ns);
  }

  /** The node of a process, first widening its namespace's page so that reveal finds it. */
  processNode(p: ProcessInfo): TreeNode | undefined {
    const view = this.currentView();
    const ns = view?.namespaceOf(p);
    if (!view || !ns) return undefined;
    const key = nsKey(ns.dev, ns.inode);
    const index = view.processes(ns).findIndex((q) => q.pid === p.pid);
    const current = this.pageLimits.get(key) ?? PAGE_SIZE;
    const needed = limitToShow(index, current);
    if (needed !== current) {
      this.pageLimits.set(key, needed);
      this.changed.fire(this.cache.namespace(ns));
    }
    return this.cache.process(p);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }

  /** Collect what a diff touches; a burst of diffs is painted once, and only where it changed. */
  private onSnapshotChange(change: SnapshotChange): void {
    const before = this.view;
    const after = this.currentView();
    const scope = before && after && change.diff ? affectedNamespaces(before, after, change.diff) : undefined;
    if (!scope) this.pending = undefined;
    else if (this.pending) for (const key of scope) this.pending.add(key);
    if (!this.timer) this.timer = setTimeout(() => this.flush(), REFRESH_DEBOUNCE_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    this.pending = new Set();
    const view = this.currentView();
    if (!pending || !view) {
      this.changed.fire(undefined);
      return;
    }
    const nodes = [...pending].map((key) => view.namespace(key)).filter((ns) => ns !== undefined).map((ns) => this.cache.namespace(ns));
    if (nodes.length > 0) this.changed.fire(nodes);
  }

  private namespaceItem(view: SnapshotView, key: string, id: string): vscode.TreeItem {
    const ns = view.namespace(key);
    if (!ns) return new vscode.TreeItem('(gone)');
    const text = namespaceText(view, ns, this.createdHere().has(ns.inode));
    const item = this.toItem(text, id);
    // The root and freshly created chains start open: that is what the user came to see.
    if (text.expandable) item.collapsibleState = ns.level === 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    item.iconPath = new vscode.ThemeIcon(text.contextValue === 'namespace-hidden' ? 'eye-closed' : 'symbol-namespace');
    item.tooltip = new vscode.MarkdownString(namespaceTooltip(view, ns));
    return item;
  }

  private processItem(view: SnapshotView, pid: number, id: string): vscode.TreeItem {
    const p = view.process(pid);
    if (!p) return new vscode.TreeItem('(exited)');
    const text = processText(view, p);
    const item = this.toItem(text, id);
    item.iconPath = new vscode.ThemeIcon(text.contextValue === 'process-init' ? 'star-full' : p.state === 'Z' ? 'debug-disconnect' : 'circle-small');
    item.tooltip = new vscode.MarkdownString(processTooltip(view, p));
    return item;
  }

  private toItem(text: NodeText, id: string): vscode.TreeItem {
    const item = new vscode.TreeItem(text.label, text.expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = id;
    item.description = text.description;
    item.contextValue = text.contextValue;
    return item;
  }
}
