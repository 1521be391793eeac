// The tree's elements and their text, without vscode: elements are small keys (the data is looked up in the
// current ModelIndex on every render), one object per id for as long as it lives, ids stable across refreshes
// so VS Code keeps expansion and selection. A namespace holds its child namespaces and the tops of its process
// tree; a process holds its children in the same namespace. Nesting by parent keeps the churn of a busy parent
// (a VS Code server's extension host runs `ps` every few seconds) inside that parent: VS Code re-renders every
// child row of an element it refreshes, which closes their tooltips. For the same reason processes whose parent
// could not be read hang under a row for that parent, not at the top of their namespace: where PID 1 is
// unreadable (a sandbox's init, another user's when unprivileged) every orphan would otherwise change the
// namespace's own list and repaint everything below it. Long lists are paged ("Show more…").
import type { ContainerInfo, NamespaceInfo, NsId, ProcessInfo } from '../../shared/core/types';
import { containersText } from '../../shared/core/treeText';
import { persistentText } from '../../shared/core/holders';
import type { ModelIndex } from '../../shared/core/modelIndex';
import { nsKey } from '../../shared/core/identity';
import { nsName } from '../../shared/core/nsName';
import { containerKey, containerLabel, podLabel } from '../../shared/core/containers';
import { shortId } from '../../shared/core/containerOf';
import { TreeShape, type Place, type TreeLists } from './treeShape';

/** Processes shown per "page" under one namespace or process before a "Show more…" item. */
export const PAGE_SIZE = 200;
/** The id of the "no container" row. */
export const OUTSIDE_ID = 'outside';

export type TreeNode = NamespaceNode | ProcessNode | UnseenNode | MoreNode | ContainerNode | OutsideNode;

/** Grouped by container: one container and its own processes. */
export interface ContainerNode {
  kind: 'container';
  id: string;
  /** containerKey: engine/id. */
  key: string;
}

/** Grouped by container: the processes in no container, by namespace. */
export interface OutsideNode {
  kind: 'outside';
  id: string;
}

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
  /** Id of the namespace, container or process whose list this continues. */
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

  namespace(ns: NsId): NamespaceNode {
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

  container(c: ContainerInfo): ContainerNode {
    const key = containerKey(c);
    return this.intern({ kind: 'container', id: `c:${key}`, key });
  }

  outside(): OutsideNode {
    return this.intern({ kind: 'outside', id: OUTSIDE_ID });
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
        node.kind === 'outside'
          ? true
          : node.kind === 'container'
            ? view.snapshot.containers?.some((c) => containerKey(c) === node.key) === true
            : node.kind === 'process'
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

export function namespaceLabel(ns: NsId): string {
  return nsName(ns.inode);
}

/**
 * The row of a namespace: `pid:[inode]`, then the containers whose namespace it is. No process count here: the host's count changes on nearly every poll, and a changed
 * row is re-rendered with everything below it. The count is in the tooltip, computed when it is shown.
 */
export function namespaceText(view: ModelIndex, ns: NamespaceInfo, createdHere: boolean, lists: TreeLists = view): NodeText {
  const count = view.processes(ns).length;
  const parts = [`level ${ns.level}`];
  // Held by a bind mount or an open fd: "no processes · held by mount /run/x" (holders.ts has the words).
  const held = persistentText(ns);
  if (ns.hidden || count === 0) parts.push(held ?? 'hidden (no processes)');
  else parts.push(view.initComm(ns) ?? 'no init', ...(held === null ? [] : [held]));
  // The containers' names go in the label: VS Code's type-to-find in a tree matches labels only.
  const containers = view.containersOf(ns);
  const label = containers.length > 0 ? `${namespaceLabel(ns)} ${containersText(containers)}` : namespaceLabel(ns);
  const empty = ns.hidden || count === 0;
  const contextValue = empty ? (held !== null ? 'namespace-held' : 'namespace-hidden') : createdHere ? 'namespace-created' : 'namespace';
  const expandable = lists.topProcesses(ns).length > 0 || lists.unseenParents(ns).length > 0 || lists.children(ns).length > 0;
  return { label, description: parts.join(' · '), contextValue, expandable };
}

export function processText(view: ModelIndex, p: ProcessInfo, children: ProcessInfo[] = view.childProcesses(p)): NodeText {
  const own = view.ownPid(p);
  const ns = view.namespaceOf(p);
  const isInit = ns !== undefined && ns.init === p.pid && ns.level > 0;
  return {
    label: `${p.comm} ${own}`,
    description: `host ${p.pid}`,
    contextValue: isInit ? 'process-init' : 'process',
    expandable: children.length > 0,
  };
}

/**
 * A container's row: its name as the label (so VS Code's type-to-find finds it), then engine, pod, short id and
 * where its PID namespace is. Nothing live (no count): a changed row is re-rendered with everything below it.
 */
export function containerText(view: ModelIndex, c: ContainerInfo, expandable: boolean): NodeText {
  const ns = view.namespaceWithInode(c.pidNs);
  const parts: string[] = [c.engine];
  if (c.pod !== undefined) parts.push(`pod ${podLabel(c.pod)}`);
  if (c.name !== undefined) parts.push(shortId(c.id));
  parts.push(`${nsName(c.pidNs)}${ns ? ` level ${ns.level}` : ''}`);
  return { label: containerLabel(c), description: parts.join(' · '), contextValue: 'container', expandable };
}

export function outsideText(expandable: boolean): NodeText {
  return { label: 'No container', description: 'by namespace', contextValue: 'outside', expandable };
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
export function namespaceChildren(
  view: ModelIndex,
  cache: NodeCache,
  ns: NamespaceInfo,
  limit: number,
  lists: TreeLists = view,
): TreeNode[] {
  const key = nsKey(ns);
  const out: TreeNode[] = lists.children(ns).map((c) => cache.namespace(c));
  for (const pid of lists.unseenParents(ns)) out.push(cache.unseen(key, pid));
  return out.concat(paged(cache, lists.topProcesses(ns), `ns:${key}`, key, limit));
}

/** The members whose parent is the unseen process of `node` (none once the namespace is gone). */
export function unseenChildList(view: ModelIndex, node: UnseenNode, lists: TreeLists = view): ProcessInfo[] {
  const ns = view.namespace(node.nsKey);
  return ns ? lists.childrenOfUnseen(ns, node.pid) : [];
}

/** Children of an unseen parent, paged. */
export function unseenChildren(view: ModelIndex, cache: NodeCache, node: UnseenNode, limit: number, lists: TreeLists = view): TreeNode[] {
  return paged(cache, unseenChildList(view, node, lists), node.id, node.nsKey, limit);
}

/** Children of a process: its child processes in the same namespace (in its container, grouped by container), paged. */
export function processChildren(
  view: ModelIndex,
  cache: NodeCache,
  p: ProcessInfo,
  limit: number,
  children: ProcessInfo[] = view.childProcesses(p),
): TreeNode[] {
  return paged(cache, children, cache.process(p).id, nsKey({ dev: p.nsDev, inode: p.ns }), limit);
}

/** Children of a container row: the tops of its own process tree, paged. */
export function containerChildren(view: ModelIndex, cache: NodeCache, shape: TreeShape, c: ContainerInfo, limit: number): TreeNode[] {
  const ns = view.namespaceWithInode(c.pidNs);
  return paged(cache, shape.containerTops(c), cache.container(c).id, ns ? nsKey(ns) : '', limit);
}

/** The node a process at `place` is listed under. */
export function placeNode(cache: NodeCache, place: Place): TreeNode {
  switch (place.kind) {
    case 'process':
      return cache.process(place.parent);
    case 'unseen':
      return cache.unseen(nsKey(place.ns), place.pid);
    case 'namespace':
      return cache.namespace(place.ns);
    case 'container':
      return cache.container(place.container);
  }
}

/** Where a process hangs with this shape, outermost first (as treePath): for widening pages before a reveal. */
export function shapePath(cache: NodeCache, shape: TreeShape, p: ProcessInfo): Array<{ parentId: string; index: number }> {
  const path: Array<{ parentId: string; index: number }> = [];
  const seen = new Set<number>();
  for (let q: ProcessInfo | undefined = p; q && !seen.has(q.pid);) {
    seen.add(q.pid);
    const place = shape.place(q);
    if (!place) break;
    const pid = q.pid;
    path.unshift({ parentId: placeNode(cache, place).id, index: shape.listAt(place).findIndex((x) => x.pid === pid) });
    q = place.kind === 'process' ? place.parent : undefined;
  }
  return path;
}

function paged(cache: NodeCache, procs: ProcessInfo[], parentId: string, ns: string, limit: number): TreeNode[] {
  const shown = Math.min(limit, procs.length);
  const out: TreeNode[] = [];
  for (let i = 0; i < shown; i++) out.push(cache.process(procs[i]));
  if (shown < procs.length) out.push(cache.more(parentId, ns, shown, procs.length));
  return out;
}

/**
 * Where a process hangs in the namespace tree, outermost first: its namespace's id, then each ancestor process's
 * id, each with the list the next one is listed in and its index there (for widening pages before a reveal).
 */
export function treePath(view: ModelIndex, cache: NodeCache, p: ProcessInfo): Array<{ parentId: string; index: number }> {
  return shapePath(cache, new TreeShape(view, 'namespace'), p);
}

/** Page limit needed so that the process at `index` (in its parent's sorted list) is listed: for reveal. */
export function limitToShow(index: number, current: number): number {
  return index < current ? current : Math.ceil((index + 1) / PAGE_SIZE) * PAGE_SIZE;
}
