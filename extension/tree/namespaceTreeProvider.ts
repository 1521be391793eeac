// The sidebar tree: root = the namespace the helper sees (level 0), children = child namespaces as the kernel
// nests them, then the process tree inside each namespace (paged). Data comes from a SnapshotSource.
//
// Calm under churn: VS Code re-renders a refreshed element's row and its whole expanded subtree, which closes
// any tooltip there (treeChanges.ts says what was measured). So the view is refreshed only where a row or a list
// of children changed, at most a few times a second, never above a tooltip that is being read, and tooltips are
// computed when VS Code shows them (resolveTreeItem) instead of on every change.
import * as vscode from 'vscode';
import type { ProcessInfo, NamespaceInfo } from '../../shared/core/types';
import { namespaceTooltip, processTooltip, unseenTooltip } from '../hovers/tooltipMarkdown';
import type { SnapshotSource } from '../snapshotSource';
import { ROOT_ID, SeenTree, type ChangePolicy, type CurrentElement } from './treeChanges';
import { modelIndexOf, type ModelIndex } from '../../shared/core/modelIndex';
import {
  NodeCache,
  PAGE_SIZE,
  limitToShow,
  moreText,
  namespaceChildren,
  namespaceText,
  processChildren,
  processText,
  treePath,
  unseenChildList,
  unseenChildren,
  unseenText,
  type NodeText,
  type TreeNode,
} from './treeNodes';

export const SHOW_MORE_COMMAND = 'pidnsExplorer.tree.showMore';
/** A lone change reaches the tree this soon (a burst arriving together is applied once)… */
const FIRST_FLUSH_MS = 50;
/** …and a stream of changes is applied at most this often. */
const MIN_FLUSH_INTERVAL_MS = 300;
const POLICY: ChangePolicy = {
  // A person reads a tooltip for seconds; VS Code does not tell us when it closes. Nor when a row is hovered
  // again: it asks for a row's tooltip once per rendering of the row (VS Code 1.100 caches the resolved item), so
  // a hold runs from the first hover after a refresh.
  holdMs: 10_000,
  // VS Code keeps a resolved tooltip until the row is refreshed, and refreshing a row closes tooltips below it:
  // so a tooltip whose values moved on (the host's process count moves all the time) is renewed only this
  // rarely. It says "as of" when its values were read.
  tooltipMaxAgeMs: 300_000,
};

interface Row {
  text: NodeText;
  icon: string;
  expanded: boolean;
}

export class NamespaceTreeProvider implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  private readonly cache = new NodeCache();
  /** Page size per parent (namespace or process id). */
  private readonly pageLimits = new Map<string, number>();
  private readonly seen = new SeenTree();
  private view: ModelIndex | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastFlush = 0;
  private readonly subscription: vscode.Disposable;

  /**
   * What VS Code's tree view is given. It records what VS Code was shown (so later changes refresh only what
   * differs) and gives rows without tooltips: VS Code asks for a tooltip (resolveTreeItem) when it shows it.
   */
  readonly viewProvider: vscode.TreeDataProvider<TreeNode>;

  constructor(
    private readonly source: SnapshotSource,
    /** Inodes of namespaces this window created (they get the "destroy" context menu). */
    private readonly createdHere: () => ReadonlySet<number>,
  ) {
    this.subscription = source.onDidChange(() => this.schedule());
    this.viewProvider = {
      onDidChangeTreeData: this.changed.event,
      getTreeItem: (node) => {
        const view = this.currentView();
        const row = view ? this.row(view, node) : undefined;
        if (row) this.seen.recordItem(node.id, rowKey(row));
        return this.toItem(node, row);
      },
      getChildren: (node) => {
        const kids = this.getChildren(node);
        this.seen.recordChildren(
          node ? node.id : ROOT_ID,
          kids.map((k) => k.id),
        );
        return kids;
      },
      getParent: (node) => this.getParent(node),
      resolveTreeItem: (item, node) => {
        const view = this.currentView();
        const tooltip = view ? this.tooltip(view, node) : undefined;
        if (tooltip !== undefined && view) {
          item.tooltip = new vscode.MarkdownString(`${tooltip}\n\n*as of ${clockTime(view.snapshot.takenAt)}*`);
          this.seen.recordResolved(node.id, tooltip, Date.now());
        }
        return item;
      },
    };
  }

  /** The index over the latest snapshot (rebuilt lazily, once per snapshot). */
  currentView(): ModelIndex | undefined {
    const snap = this.source.current();
    if (!snap) return undefined;
    if (this.view?.snapshot !== snap) {
      this.view = modelIndexOf(snap);
      this.cache.prune(this.view);
      for (const id of this.pageLimits.keys()) if (!this.cache.get(id)) this.pageLimits.delete(id);
    }
    return this.view;
  }

  /** Repaint the whole tree at once (the Refresh command; after a create, before revealing the new chain). */
  refreshNow(): void {
    this.seen.fired([ROOT_ID], () => undefined);
    this.changed.fire(undefined);
  }

  /** The full item, tooltip included (commands and tests; VS Code gets its rows through viewProvider). */
  getTreeItem(node: TreeNode): vscode.TreeItem {
    const view = this.currentView();
    const item = this.toItem(node, view ? this.row(view, node) : undefined);
    const tooltip = view ? this.tooltip(view, node) : undefined;
    if (tooltip !== undefined) item.tooltip = new vscode.MarkdownString(tooltip);
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    const view = this.currentView();
    if (!view?.root) return [];
    if (!node) return [this.cache.namespace(view.root)];
    if (node.kind === 'namespace') {
      const ns = view.namespace(node.key);
      return ns ? namespaceChildren(view, this.cache, ns, this.pageLimit(node.id)) : [];
    }
    if (node.kind === 'process') {
      const p = this.liveProcess(view, node);
      return p ? processChildren(view, this.cache, p, this.pageLimit(node.id)) : [];
    }
    if (node.kind === 'unseen') return unseenChildren(view, this.cache, node, this.pageLimit(node.id));
    return [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    const view = this.currentView();
    if (!view) return undefined;
    if (node.kind === 'more') return this.cache.get(node.parentId);
    if (node.kind === 'process') {
      const p = this.liveProcess(view, node);
      const parent = p ? view.parentProcess(p) : undefined;
      if (parent) return this.cache.process(parent);
      const unseen = p ? view.unseenParentOf(p) : undefined;
      if (unseen !== undefined) return this.cache.unseen(node.nsKey, unseen);
      const ns = view.namespace(node.nsKey);
      return ns ? this.cache.namespace(ns) : undefined;
    }
    if (node.kind === 'unseen') {
      const ns = view.namespace(node.nsKey);
      return ns ? this.cache.namespace(ns) : undefined;
    }
    const ns = view.namespace(node.key);
    const parent = ns ? view.parentOf(ns) : undefined;
    return parent ? this.cache.namespace(parent) : undefined;
  }

  /** "Show more…": the next page of that list. */
  showMore(node: TreeNode): void {
    if (node.kind !== 'more') return;
    this.pageLimits.set(node.parentId, this.pageLimit(node.parentId) + PAGE_SIZE);
    this.flush(true);
  }

  namespaceNode(ns: NamespaceInfo): TreeNode {
    return this.cache.namespace(ns);
  }

  /**
   * The node of a process, for a reveal: first every list on its way is widened so that it is listed, and
   * pending changes are applied (holds or not), so that VS Code knows the path the reveal walks.
   */
  processNode(p: ProcessInfo): TreeNode | undefined {
    const view = this.currentView();
    if (!view?.namespaceOf(p)) return undefined;
    for (const { parentId, index } of treePath(view, this.cache, p)) {
      const current = this.pageLimit(parentId);
      if (index >= 0) this.pageLimits.set(parentId, limitToShow(index, current));
    }
    this.flush(true);
    return this.cache.process(p);
  }

  /** How many elements the change tracker holds (for the bounded-memory checks). */
  get trackedElements(): number {
    return this.seen.size;
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    this.subscription.dispose();
    this.changed.dispose();
  }

  /** Coalesce: a lone change is applied after FIRST_FLUSH_MS, a stream at most every MIN_FLUSH_INTERVAL_MS. */
  private schedule(): void {
    if (this.timer) return;
    // The very first model is shown at once: someone opened the view and waits for it.
    const wait = this.lastFlush === 0 ? 0 : Math.max(FIRST_FLUSH_MS, this.lastFlush + MIN_FLUSH_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => this.flush(false), wait);
  }

  private flush(ignoreHolds: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    this.lastFlush = now;
    const view = this.currentView();
    if (!view) return;
    const current = (id: string): CurrentElement | undefined => this.current(view, id);
    const { fire, retryAt } = this.seen.changes(now, current, POLICY, ignoreHolds);
    clearTimeout(this.retryTimer);
    this.retryTimer = retryAt === undefined ? undefined : setTimeout(() => this.schedule(), Math.max(0, retryAt - now));
    if (fire.length === 0) return;
    this.seen.fired(fire, current);
    if (fire.includes(ROOT_ID)) this.changed.fire(undefined);
    else this.changed.fire(fire.map((id) => this.cache.get(id)).filter((n): n is TreeNode => n !== undefined));
  }

  /** The element with this id as the model shows it now, or undefined if it is gone or no longer listed. */
  private current(view: ModelIndex, id: string): CurrentElement | undefined {
    if (id === ROOT_ID) return { item: '', children: this.getChildren().map((k) => k.id), tooltip: () => '' };
    const node = this.cache.get(id);
    if (!node) return undefined;
    if (node.kind === 'more') {
      const parent = this.cache.get(node.parentId);
      if (!parent || !this.getChildren(parent).includes(node)) return undefined;
    }
    const row = this.row(view, node);
    if (!row) return undefined;
    return { item: rowKey(row), children: this.getChildren(node).map((k) => k.id), tooltip: () => this.tooltip(view, node) ?? '' };
  }

  private row(view: ModelIndex, node: TreeNode): Row | undefined {
    if (node.kind === 'namespace') {
      const ns = view.namespace(node.key);
      if (!ns) return undefined;
      const text = namespaceText(view, ns, this.createdHere().has(ns.inode));
      // The root starts open: that is what the user came to see.
      return { text, icon: text.contextValue === 'namespace-hidden' ? 'eye-closed' : 'symbol-namespace', expanded: ns.level === 0 };
    }
    if (node.kind === 'process') {
      const p = this.liveProcess(view, node);
      if (!p) return undefined;
      const text = processText(view, p);
      return {
        text,
        icon: text.contextValue === 'process-init' ? 'star-full' : p.state === 'Z' ? 'debug-disconnect' : 'circle-small',
        expanded: false,
      };
    }
    if (node.kind === 'unseen') {
      if (unseenChildList(view, node).length === 0) return undefined;
      return { text: unseenText(node), icon: 'lock', expanded: false };
    }
    return { text: moreText(node), icon: 'ellipsis', expanded: false };
  }

  private tooltip(view: ModelIndex, node: TreeNode): string | undefined {
    if (node.kind === 'namespace') {
      const ns = view.namespace(node.key);
      return ns ? namespaceTooltip(view, ns) : undefined;
    }
    if (node.kind === 'process') {
      const p = this.liveProcess(view, node);
      return p ? processTooltip(view, p) : undefined;
    }
    if (node.kind === 'unseen') return unseenTooltip(node.pid);
    return undefined;
  }

  private toItem(node: TreeNode, row: Row | undefined): vscode.TreeItem {
    if (!row) return new vscode.TreeItem(node.kind === 'process' ? '(exited)' : '(gone)');
    const { text } = row;
    const state = !text.expandable
      ? vscode.TreeItemCollapsibleState.None
      : row.expanded
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(text.label, state);
    item.id = node.id;
    item.description = text.description;
    item.contextValue = text.contextValue;
    item.iconPath = new vscode.ThemeIcon(row.icon);
    if (node.kind === 'more') item.command = { command: SHOW_MORE_COMMAND, title: 'Show more', arguments: [node] };
    return item;
  }

  private liveProcess(view: ModelIndex, node: { pid: number; startTime: number }): ProcessInfo | undefined {
    const p = view.process(node.pid);
    return p && p.startTime === node.startTime ? p : undefined;
  }

  private pageLimit(parentId: string): number {
    return this.pageLimits.get(parentId) ?? PAGE_SIZE;
  }
}

function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

function rowKey(row: Row): string {
  const t = row.text;
  return JSON.stringify([t.label, t.description, t.contextValue, t.expandable, row.icon]);
}
