// The sidebar tree: root = the namespace the helper sees (level 0), children = child namespaces as the kernel
// nests them, then the process tree inside each namespace (paged). Or, grouped by container, one row per
// container with its own processes and a row for the rest by namespace; and a text filter over either
// (treeShape.ts says what is listed where). Data comes from a SnapshotSource.
//
// Calm under churn: VS Code re-renders a refreshed element's row and its whole expanded subtree, which closes
// any tooltip there (treeChanges.ts says what was measured). So the view is refreshed only where a row or a list
// of children changed, at most a few times a second, never above a tooltip that is being read, and tooltips are
// computed when VS Code shows them (resolveTreeItem) instead of on every change.
import * as vscode from 'vscode';
import type { ContainerEngine, ContainerInfo, ProcessInfo, NamespaceInfo } from '../../shared/core/types';
import { containerKey } from '../../shared/core/containers';
import { containerTooltip, namespaceTooltip, processTooltip, unseenTooltip } from '../hovers/tooltipMarkdown';
import type { SnapshotSource } from '../snapshotSource';
import { FirstPaint } from './firstPaint';
import { ROOT_ID, SeenTree, type ChangePolicy, type CurrentElement } from './treeChanges';
import { modelIndexOf, type ModelIndex } from '../../shared/core/modelIndex';
import { nsKey } from '../../shared/core/identity';
import {
  NodeCache,
  PAGE_SIZE,
  containerChildren,
  containerText,
  limitToShow,
  moreText,
  namespaceChildren,
  namespaceLabel,
  namespaceText,
  outsideText,
  placeNode,
  processChildren,
  processText,
  shapePath,
  unseenChildList,
  unseenChildren,
  unseenText,
  type NodeText,
  type TreeNode,
} from './treeNodes';
import { TreeShape, type GroupBy } from './treeShape';
import type { OwnNamespace } from './ownNamespace';

export const SHOW_MORE_COMMAND = 'pidnsExplorer.tree.showMore';
/** A lone change reaches the tree this soon (a burst arriving together is applied once)… */
const FIRST_FLUSH_MS = 50;
/** …and a stream of changes is applied at most this often. */
const MIN_FLUSH_INTERVAL_MS = 300;
const POLICY: Omit<ChangePolicy, 'spaced'> = {
  // A person reads a tooltip for seconds; VS Code does not tell us when it closes. Nor when a row is hovered
  // again: it asks for a row's tooltip once per rendering of the row (VS Code 1.100 caches the resolved item), so
  // a hold runs from the first hover after a refresh.
  holdMs: 10_000,
  // VS Code keeps a resolved tooltip until the row is refreshed, and refreshing a row closes tooltips below it:
  // so a tooltip whose values moved on (the host's process count moves all the time) is renewed only this
  // rarely. It says "as of" when its values were read.
  tooltipMaxAgeMs: 300_000,
  // A refresh re-renders every row below the element, and a row re-rendered while the pointer waits out the
  // hover delay (0.5 s) never shows its tooltip: on a host where PID namespaces come and go every second, the top
  // namespace's list changed at nearly every flush and no tooltip below it opened (0 of 20 tries, measured). So
  // the refreshes of the root, namespace and container rows that have rows below them are spaced 5 s apart (a
  // lone change at once); process rows, whose lists change with forks, are refreshed at once (SPACED_KINDS).
  spacingMs: 5_000,
};
const SPACED_KINDS: ReadonlySet<TreeNode['kind']> = new Set(['namespace', 'container', 'outside']);

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
  private shape: TreeShape | undefined;
  private grouping: GroupBy;
  private filterText = '';
  private readonly shapeChanged = new vscode.EventEmitter<void>();
  /** The grouping or the filter changed (the view's title and context keys follow it). */
  readonly onDidChangeShape = this.shapeChanged.event;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastFlush = 0;
  private readonly subscription: vscode.Disposable;
  private readonly policy: ChangePolicy = {
    ...POLICY,
    spaced: (id) => {
      if (id === ROOT_ID) return true;
      const node = this.cache.get(id);
      return node !== undefined && SPACED_KINDS.has(node.kind);
    },
  };
  /** A whole new model came (not a diff): the next flush is not spaced. */
  private replaced = false;
  /** The root row shown before the first snapshot (setProvisionalRoot). */
  private provisional: OwnNamespace | undefined;

  /**
   * What VS Code's tree view is given. It records what VS Code was shown (so later changes refresh only what
   * differs) and gives rows without tooltips: VS Code asks for a tooltip (resolveTreeItem) when it shows it.
   */
  readonly viewProvider: vscode.TreeDataProvider<TreeNode>;
  /** The first answer's expanded rows are drawn collapsed, then opened (firstPaint.ts says why). */
  readonly firstPaint = new FirstPaint<TreeNode>();

  constructor(
    private readonly source: SnapshotSource,
    /** Inodes of namespaces this window created (they get the "destroy" context menu). */
    private readonly createdHere: () => ReadonlySet<number>,
    groupBy: GroupBy = 'namespace',
  ) {
    this.grouping = groupBy;
    // Between the live model and a trace: repaint once, tooltips included (theirs say "as of" the other model).
    this.subscription = source.onDidChange((c) => {
      if (c.switched) return this.refreshNow();
      if (!c.diff) this.replaced = true;
      this.schedule();
    });
    this.viewProvider = {
      onDidChangeTreeData: this.changed.event,
      getTreeItem: (node) => {
        const view = this.currentView();
        const row = view ? this.row(view, node) : this.provisionalRow(node);
        if (row) this.seen.recordItem(node.id, rowKey(row));
        return this.firstPaint.item(node, this.toItem(node, row));
      },
      getChildren: (node) => {
        if (!node) this.firstPaint.rootAsked();
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

  /** What is listed where, for the current snapshot, grouping and filter (rebuilt when one of them changes). */
  currentShape(): TreeShape | undefined {
    const view = this.currentView();
    if (!view) return undefined;
    if (this.shape?.view !== view || this.shape.groupBy !== this.grouping || this.shape.filter !== this.filterText.trim().toLowerCase())
      this.shape = new TreeShape(view, this.grouping, this.filterText);
    return this.shape;
  }

  get groupBy(): GroupBy {
    return this.grouping;
  }

  /** The filter as typed ('' = none). */
  get filter(): string {
    return this.filterText;
  }

  /** Group by namespace or by container: every row changes place, so the whole tree is repainted. */
  setGroupBy(groupBy: GroupBy): void {
    if (groupBy === this.grouping) return;
    this.grouping = groupBy;
    this.refreshNow();
    this.shapeChanged.fire();
  }

  /** Keep only what matches `text` ('' clears). */
  setFilter(text: string): void {
    const next = text.trim();
    if (next === this.filterText) return;
    this.filterText = next;
    this.refreshNow();
    this.shapeChanged.fire();
  }

  /** Repaint the whole tree at once (the Refresh command; after a create, before revealing the new chain). */
  refreshNow(): void {
    this.seen.fired([ROOT_ID], () => undefined);
    this.changed.fire(undefined);
  }

  /** The full item, tooltip included (commands and tests; VS Code gets its rows through viewProvider). */
  getTreeItem(node: TreeNode): vscode.TreeItem {
    const view = this.currentView();
    const item = this.toItem(node, view ? this.row(view, node) : this.provisionalRow(node));
    const tooltip = view ? this.tooltip(view, node) : undefined;
    if (tooltip !== undefined) item.tooltip = new vscode.MarkdownString(tooltip);
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    const view = this.currentView();
    const shape = this.currentShape();
    if (!view) {
      const own = this.provisionalShown() ? this.provisional : undefined;
      return node === undefined && own ? [this.cache.namespace(own)] : [];
    }
    if (!view.root || !shape) return [];
    const root = shape.rootNamespace();
    if (!node) {
      if (shape.groupBy === 'namespace') return root ? [this.cache.namespace(root)] : [];
      const out: TreeNode[] = shape.containers().map((c) => this.cache.container(c));
      return root ? out.concat(this.cache.outside()) : out;
    }
    if (node.kind === 'outside') return root && shape.groupBy === 'container' ? [this.cache.namespace(root)] : [];
    if (node.kind === 'container') {
      const c = this.liveContainer(view, node.key);
      return c && shape.hasContainer(c) ? containerChildren(view, this.cache, shape, c, this.pageLimit(node.id)) : [];
    }
    if (node.kind === 'namespace') {
      const ns = view.namespace(node.key);
      return ns ? namespaceChildren(view, this.cache, ns, this.pageLimit(node.id), shape.lists) : [];
    }
    if (node.kind === 'process') {
      const p = this.liveProcess(view, node);
      return p ? processChildren(view, this.cache, p, this.pageLimit(node.id), shape.childProcesses(p)) : [];
    }
    if (node.kind === 'unseen') return unseenChildren(view, this.cache, node, this.pageLimit(node.id), shape.lists);
    return [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    const view = this.currentView();
    const shape = this.currentShape();
    if (!view || !shape) return undefined;
    if (node.kind === 'more') return this.cache.get(node.parentId);
    if (node.kind === 'container' || node.kind === 'outside') return undefined;
    if (node.kind === 'process') {
      const p = this.liveProcess(view, node);
      const place = p ? shape.place(p) : undefined;
      return place ? placeNode(this.cache, place) : undefined;
    }
    if (node.kind === 'unseen') {
      const ns = view.namespace(node.nsKey);
      return ns ? this.cache.namespace(ns) : undefined;
    }
    const ns = view.namespace(node.key);
    const parent = ns ? view.parentOf(ns) : undefined;
    if (parent) return this.cache.namespace(parent);
    return shape.groupBy === 'container' ? this.cache.outside() : undefined;
  }

  /**
   * Before the first snapshot, show this namespace as the root row, marked as loading (undefined: none). It must
   * be the one the model's root will be: its row then keeps its id, so it is updated in place and stays open.
   * Grouped by container or filtered, the first rows are others: nothing is shown before the model then.
   */
  setProvisionalRoot(own: OwnNamespace | undefined): void {
    const before = this.provisionalShown();
    this.provisional = own;
    if (this.provisionalShown() !== before && !this.source.current()) this.refreshNow();
  }

  private provisionalShown(): boolean {
    return this.provisional !== undefined && this.grouping === 'namespace' && this.filterText === '';
  }

  /** The provisional root's row (only while there is no snapshot). */
  private provisionalRow(node: TreeNode): Row | undefined {
    const own = this.provisional;
    if (!own || !this.provisionalShown() || node.kind !== 'namespace' || node.key !== nsKey(own)) return undefined;
    const parts = ['level 0', ...(own.initComm === undefined ? [] : [own.initComm]), 'loading…'];
    const text: NodeText = {
      label: namespaceLabel(own),
      description: parts.join(' · '),
      contextValue: 'namespace-loading',
      expandable: true,
    };
    return { text, icon: 'symbol-namespace', expanded: true };
  }

  /** "Show more…": the next page of that list. */
  showMore(node: TreeNode): void {
    if (node.kind !== 'more') return;
    this.pageLimits.set(node.parentId, this.pageLimit(node.parentId) + PAGE_SIZE);
    this.flush(true);
  }

  /**
   * The node to reveal for a namespace: its own row, or, grouped by container when it holds only containers'
   * processes, the row of the container it belongs to. A namespace the filter hides clears the filter.
   */
  namespaceNode(ns: NamespaceInfo): TreeNode {
    const view = this.currentView();
    if (this.currentShape()?.hasNamespace(ns) === false && this.filterText !== '') this.setFilter('');
    const shape = this.currentShape();
    if (!view || !shape || shape.hasNamespace(ns)) return this.cache.namespace(ns);
    const member = view.processes(ns).find((p) => view.containerOf(p) !== undefined);
    const c = member ? view.containerOf(member) : view.containersOf(ns)[0];
    return c && shape.hasContainer(c) ? this.cache.container(c) : this.cache.namespace(ns);
  }

  /**
   * The node of a process, for a reveal: first every list on its way is widened so that it is listed, and
   * pending changes are applied (holds or not), so that VS Code knows the path the reveal walks.
   */
  processNode(p: ProcessInfo): TreeNode | undefined {
    const view = this.currentView();
    if (!view?.namespaceOf(p)) return undefined;
    // A process the filter hides cannot be revealed: the filter goes (the view's title says so).
    if (this.currentShape()?.shows(p) === false) this.setFilter('');
    const shape = this.currentShape();
    if (!shape) return undefined;
    for (const { parentId, index } of shapePath(this.cache, shape, p)) {
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
    this.shapeChanged.dispose();
    this.firstPaint.dispose();
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
    const { fire, retryAt } = this.seen.changes(now, current, this.policy, { ignoreHolds, ignoreSpacing: this.replaced });
    this.replaced = false;
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
    const shape = this.currentShape();
    if (!shape) return undefined;
    if (node.kind === 'container') {
      const c = this.liveContainer(view, node.key);
      if (!c || !shape.hasContainer(c)) return undefined;
      return {
        text: containerText(view, c, shape.containerTops(c).length > 0),
        icon: ENGINE_ICONS[c.engine] ?? 'package',
        expanded: false,
      };
    }
    if (node.kind === 'outside') {
      if (shape.groupBy !== 'container' || !shape.rootNamespace()) return undefined;
      return { text: outsideText(true), icon: 'server', expanded: false };
    }
    if (node.kind === 'namespace') {
      const ns = view.namespace(node.key);
      if (!ns) return undefined;
      const text = namespaceText(view, ns, this.createdHere().has(ns.inode), shape.lists);
      // The root starts open: that is what the user came to see.
      return {
        text,
        icon: text.contextValue === 'namespace-hidden' ? 'eye-closed' : text.contextValue === 'namespace-held' ? 'pin' : 'symbol-namespace',
        expanded: ns.level === 0,
      };
    }
    if (node.kind === 'process') {
      const p = this.liveProcess(view, node);
      if (!p) return undefined;
      const text = processText(view, p, shape.childProcesses(p));
      return {
        text,
        icon: text.contextValue === 'process-init' ? 'star-full' : p.state === 'Z' ? 'debug-disconnect' : 'circle-small',
        expanded: false,
      };
    }
    if (node.kind === 'unseen') {
      if (unseenChildList(view, node, shape.lists).length === 0) return undefined;
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
    if (node.kind === 'container') {
      const c = this.liveContainer(view, node.key);
      return c ? containerTooltip(view, c) : undefined;
    }
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

  private liveContainer(view: ModelIndex, key: string): ContainerInfo | undefined {
    return view.snapshot.containers?.find((c) => containerKey(c) === key);
  }

  private pageLimit(parentId: string): number {
    return this.pageLimits.get(parentId) ?? PAGE_SIZE;
  }
}

/** Codicons have no engine logos: a glyph per kind of engine, the engine's name is in the row's description. */
const ENGINE_ICONS: Partial<Record<ContainerEngine, string>> = {
  docker: 'package',
  podman: 'package',
  containerd: 'server-process',
  'cri-o': 'server-process',
  lxc: 'vm',
  nspawn: 'vm',
};

function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

function rowKey(row: Row): string {
  const t = row.text;
  return JSON.stringify([t.label, t.description, t.contextValue, t.expandable, row.icon]);
}
