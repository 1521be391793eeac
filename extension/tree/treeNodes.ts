// The tree's elements and their text, without vscode: elements are small keys (the data is looked up in the
// current ModelIndex on every render), one object per id for as long as it lives, ids stable across refreshes
// so VS Code keeps expansion and selection. A namespace holds its child namespaces and the tops of its process
// tree; a process holds its children in the same namespace. Nesting by parent keeps the churn of a busy parent
// (a VS Code server's extension host runs `ps` every few seconds) inside that parent: VS Code re-renders every
// child row of an element it refreshes, which closes their tooltips. For the same reason processes whose parent
// could not be read hang under a row for that parent, not at the top of their namespace: where PID 1 is
// unreadable (a sandbox's init, another user's when unprivileged) every orphan would otherwise change the
// namespace's own list and repaint everything below it. Long lists are paged ("Show more…").
import type { NamespaceInfo, ProcessInfo } from '../../shared/core/types';
import { containersText } from '../../shared/core/treeText';
import { persistentText } from '../../shared/core/holders';
import type { ModelIndex } from '../../shared/core/modelIndex';
import { nsKey } from '../../shared/core/identity';
import { nsName } from '../../shared/core/nsName';

/** Processes shown per "page" under one namespace or process before a "Show more…" item. */
export const PAGE_SIZE = 200;

export type TreeNode = NamespaceNode | ProcessNode | UnseenNode | MoreNode;

export interface NamespaceNode {
  kind: 'namespace';
  id: string;
  key: string;
}

export interface ProcessNode {
  kind: 'process';
  id: string;
  pid: number;
  startTime: number;
  nsKey: string;
}

/** A parent PID missing from the snapshot (unreadable, or just exited), with its children in `nsKey`. */
export interface UnseenNode {
  kind: 'unseen';
  id: string;
  pid: number;
  nsKey: string;
}

export interface MoreNode {
  kind: 'more';
  id: string;
  /** Id of the namespace or process whose list this continues. */
  parentId: string;
  nsKey: string;
  /** Processes shown above this item. */
  shown: number;
  total: number;
}

/** What the provider turns into a TreeItem. */
export interface NodeText {
  label: string;
  description: string;
  contextValue: string;
  expandable: boolean;
}

/**
 * Hands out one object per id, so that getParent/reveal and VS Code's element identity agree across
 * refreshes. Entries for vanished ids are dropped by prune().
 */
export class NodeCache {
  private readonly nodes = new Map<string, TreeNode>();

  namespace(ns: NamespaceInfo): NamespaceNode {
    const key = nsKey(ns);
    return this.intern({ kind: 'namespace', id: `ns:${key}`, key });
  }

  process(p: ProcessInfo): ProcessNode {
    // (pid, startTime) is one process; a reused PID is a new item (and a new id).
    return this.intern({
      kind: 'process',
      id: `p:${p.pid}:${p.startTime}`,
      pid: p.pid,
      startTime: p.startTime,
      nsKey: nsKey({ dev: p.nsDev, inode: p.ns }),
    });
  }

  unseen(ns: string, pid: number): UnseenNode {
    return this.intern({ kind: 'unseen', id: `u:${ns}:${pid}`, pid, nsKey: ns });
  }

  more(parentId: string, ns: string, shown: number, total: number): MoreNode {
    const node = this.intern<MoreNode>({ kind: 'more', id: `more:${parentId}`, parentId, nsKey: ns, shown, total });
    node.shown = shown;
    node.total = total;
    return node;
  }

  /** Nodes handed out and not pruned yet. */
  get size(): number {
    return this.nodes.size;
  }

  /** The live node with this id, if one was handed out. */
  get(id: string): TreeNode | undefined {
    return this.nodes.get(id);
  }

  /** Forget nodes whose namespace or process is gone. */
  prune(view: ModelIndex): void {
    for (const [id, node] of this.nodes) {
      const alive =
        node.kind === 'process'
          ? view.process(node.pid)?.startTime === node.startTime
          : node.kind === 'unseen'
            ? unseenChildList(view, node).length > 0
            : view.namespace(node.kind === 'namespace' ? node.key : node.nsKey) !== undefined;
      if (!alive) this.nodes.delete(id);
    }
  }

  private intern<T extends TreeNode>(fresh: T): T {
    const existing = this.nodes.get(fresh.id);
    if (existing) return existing as T;
    this.nodes.set(fresh.id, fresh);
    return fresh;
  }
}

export function namespaceLabel(ns: NamespaceInfo): string {
  return nsName(ns.inode);
}

/**
 * The row of a namespace. No process count here: the host's count changes on nearly every poll, and a changed
 * row is re-rendered with everything below it. The count is in the tooltip, computed when it is shown.
 */
export function namespaceText(view: ModelIndex, ns: NamespaceInfo, createdHere: boolean): NodeText {
  const count = view.processes(ns).length;
  const parts = [`level ${ns.level}`];
  // Held by a bind mount or an open fd: "no processes · held by mount /run/x" (holders.ts has the words).
  const held = persistentText(ns);
  if (ns.hidden || count === 0) parts.push(held ?? 'hidden (no processes)');
  else parts.push(view.initComm(ns) ?? 'no init', ...(held === null ? [] : [held]));
  const containers = view.containersOf(ns);
  if (containers.length > 0) parts.unshift(containersText(containers));
  const empty = ns.hidden || count === 0;
  const contextValue = empty ? (held !== null ? 'namespace-held' : 'namespace-hidden') : createdHere ? 'namespace-created' : 'namespace';
  return { label: namespaceLabel(ns), description: parts.join(' · '), contextValue, expandable: count > 0 || view.children(ns).length > 0 };
}

export function processText(view: ModelIndex, p: ProcessInfo): NodeText {
  const own = view.ownPid(p);
  const ns = view.namespaceOf(p);
  const isInit = ns !== undefined && ns.init === p.pid && ns.level > 0;
  return {
    label: `${p.comm} ${own}`,
    description: `host ${p.pid}`,
    contextValue: isInit ? 'process-init' : 'process',
    expandable: view.childProcesses(p).length > 0,
  };
}

export function unseenText(node: UnseenNode): NodeText {
  return { label: '(not readable)', description: `host ${node.pid}`, contextValue: 'process-unseen', expandable: true };
}

export function moreText(node: MoreNode): NodeText {
  const next = Math.min(PAGE_SIZE, node.total - node.shown);
  return { label: `Show ${next} more…`, description: `${node.shown} of ${node.total} shown`, contextValue: 'more', expandable: false };
}

/**
 * Children of a namespace: child namespaces first (the hierarchy), then a row per unseen parent of some member,
 * then the tops of its process tree, paged.
 */
export function namespaceChildren(view: ModelIndex, cache: NodeCache, ns: NamespaceInfo, limit: number): TreeNode[] {
  const key = nsKey(ns);
  const out: TreeNode[] = view.children(ns).map((c) => cache.namespace(c));
  for (const pid of view.unseenParents(ns)) out.push(cache.unseen(key, pid));
  return out.concat(paged(cache, view.topProcesses(ns), `ns:${key}`, key, limit));
}

/** The members whose parent is the unseen process of `node` (none once the namespace is gone). */
export function unseenChildList(view: ModelIndex, node: UnseenNode): ProcessInfo[] {
  const ns = view.namespace(node.nsKey);
  return ns ? view.childrenOfUnseen(ns, node.pid) : [];
}

/** Children of an unseen parent, paged. */
export function unseenChildren(view: ModelIndex, cache: NodeCache, node: UnseenNode, limit: number): TreeNode[] {
  return paged(cache, unseenChildList(view, node), node.id, node.nsKey, limit);
}

/** Children of a process: its child processes in the same namespace, paged. */
export function processChildren(view: ModelIndex, cache: NodeCache, p: ProcessInfo, limit: number): TreeNode[] {
  return paged(cache, view.childProcesses(p), cache.process(p).id, nsKey({ dev: p.nsDev, inode: p.ns }), limit);
}

function paged(cache: NodeCache, procs: ProcessInfo[], parentId: string, ns: string, limit: number): TreeNode[] {
  const shown = Math.min(limit, procs.length);
  const out: TreeNode[] = [];
  for (let i = 0; i < shown; i++) out.push(cache.process(procs[i]));
  if (shown < procs.length) out.push(cache.more(parentId, ns, shown, procs.length));
  return out;
}

/**
 * Where a process hangs in the tree, outermost first: its namespace's id, then each ancestor process's id,
 * each with the list the next one is listed in and its index there (for widening pages before a reveal).
 */
export function treePath(view: ModelIndex, cache: NodeCache, p: ProcessInfo): Array<{ parentId: string; index: number }> {
  const path: Array<{ parentId: string; index: number }> = [];
  for (let q: ProcessInfo | undefined = p; q;) {
    const parent = view.parentProcess(q);
    const ns = view.namespaceOf(q);
    const unseen = parent || !ns ? undefined : view.unseenParentOf(q);
    // An unseen parent's row is never paged away: its list is the last one to widen.
    const list = parent
      ? view.childProcesses(parent)
      : !ns
        ? []
        : unseen !== undefined
          ? view.childrenOfUnseen(ns, unseen)
          : view.topProcesses(ns);
    const parentId = parent
      ? cache.process(parent).id
      : !ns
        ? ''
        : unseen !== undefined
          ? cache.unseen(nsKey(ns), unseen).id
          : cache.namespace(ns).id;
    const pid = q.pid;
    path.unshift({ parentId, index: list.findIndex((x) => x.pid === pid) });
    q = parent;
  }
  return path;
}

/** Page limit needed so that the process at `index` (in its parent's sorted list) is listed: for reveal. */
export function limitToShow(index: number, current: number): number {
  return index < current ? current : Math.ceil((index + 1) / PAGE_SIZE) * PAGE_SIZE;
}
