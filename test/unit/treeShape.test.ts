// The tree grouped by container and filtered (extension/tree/treeShape.ts, shared/core/treeFilter.ts): which
// rows list which processes, where a process hangs (for reveal and paging), and that a change inside one
// container refreshes only that container's rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelIndex } from '../../shared/core/modelIndex';
import { inferredNsInode } from '../../shared/core/identity';
import { containerMatches, namespaceMatches, processMatches } from '../../shared/core/treeFilter';
import type { ContainerInfo, ContainerRef, NamespaceInfo, ProcessInfo, Snapshot } from '../../shared/core/types';
import { ROOT_ID, SeenTree, type CurrentElement } from '../../extension/tree/treeChanges';
import {
  NodeCache,
  PAGE_SIZE,
  containerChildren,
  containerText,
  namespaceChildren,
  processChildren,
  processText,
  shapePath,
  unseenChildren,
  type TreeNode,
} from '../../extension/tree/treeNodes';
import { TreeShape } from '../../extension/tree/treeShape';
import { namespaceFromNode } from '../../extension/commands/commandContext';

const DEV = 4;
const WEB: ContainerInfo = { engine: 'docker', id: 'a'.repeat(64), name: 'web', image: 'busybox', pidNs: 200, initPid: 60 };
const SIDE: ContainerInfo = { engine: 'docker', id: 'b'.repeat(64), name: 'side', pidNs: 200, initPid: 62 };
const API: ContainerInfo = {
  engine: 'containerd',
  id: 'api-ctr',
  name: 'api',
  pod: { namespace: 'shop', name: 'api-0' },
  pidNs: 400,
  initPid: 70,
};

function ns(inode: number, parent: number | null, level: number, init: number | null, pids: number[]): NamespaceInfo {
  return { inode, dev: DEV, parent, level, init, pids };
}

function proc(pid: number, ppid: number, nsInode: number, nspid: number[], comm: string, container?: ContainerInfo): ProcessInfo {
  const ref: ContainerRef | undefined = container ? { engine: container.engine, id: container.id } : undefined;
  return { pid, ppid, comm, uid: 0, ns: nsInode, nsDev: DEV, nspid, startTime: pid * 10, state: 'S', ...(ref ? { container: ref } : {}) };
}

/**
 * Host ns 100: init 1, containerd-shim 40, bash 50 > vim 51, and 80 whose parent 9999 is unreadable. Containers
 * web and side share ns 200 (web: sh 60 > sleep 61 > a nested ns 300's init 63; side: nginx 62); api (pod
 * shop/api-0) in ns 400.
 */
function snapshot(extra: ProcessInfo[] = []): Snapshot {
  const processes = [
    proc(1, 0, 100, [1], 'init'),
    proc(40, 1, 100, [40], 'containerd-shim'),
    proc(50, 1, 100, [50], 'bash'),
    proc(51, 50, 100, [51], 'vim'),
    proc(80, 9999, 100, [80], 'orphan'),
    proc(60, 40, 200, [60, 1], 'sh', WEB),
    proc(61, 60, 200, [61, 2], 'sleep', WEB),
    proc(62, 40, 200, [62, 3], 'nginx', SIDE),
    proc(63, 61, 300, [63, 4, 1], 'inner', WEB),
    proc(70, 40, 400, [70, 1], 'api-server', API),
    ...extra,
  ];
  return {
    self: { nsInode: 100, nsDev: DEV },
    namespaces: [
      ns(100, null, 0, 1, [1, 40, 50, 51, 80]),
      ns(200, 100, 1, 60, [60, 61, 62]),
      ns(300, 200, 2, 63, [63]),
      ns(400, 100, 1, 70, [70]),
    ],
    processes,
    unreadable: 0,
    scannedAsUid: 0,
    takenAt: 1,
    containers: [WEB, SIDE, API],
  };
}

/** The tree as VS Code would list it, to `depth` levels: [id, children…]. */
function listing(view: ModelIndex, shape: TreeShape, cache: NodeCache): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (id: string, kids: TreeNode[]): void => {
    out[id] = kids.map((k) => k.id);
    for (const k of kids) walk(k.id, childrenOf(view, shape, cache, k));
  };
  walk(ROOT_ID, rootChildren(shape, cache));
  return out;
}

function rootChildren(shape: TreeShape, cache: NodeCache): TreeNode[] {
  const root = shape.rootNamespace();
  if (shape.groupBy === 'namespace') return root ? [cache.namespace(root)] : [];
  const out: TreeNode[] = shape.containers().map((c) => cache.container(c));
  return root ? out.concat(cache.outside()) : out;
}

/** What the provider's getChildren does, through the same functions. */
function childrenOf(view: ModelIndex, shape: TreeShape, cache: NodeCache, node: TreeNode): TreeNode[] {
  const root = shape.rootNamespace();
  switch (node.kind) {
    case 'outside':
      return root ? [cache.namespace(root)] : [];
    case 'container': {
      const c = view.snapshot.containers?.find((x) => `c:${x.engine}/${x.id}` === node.id);
      return c ? containerChildren(view, cache, shape, c, PAGE_SIZE) : [];
    }
    case 'namespace':
      return namespaceChildren(view, cache, view.namespace(node.key)!, PAGE_SIZE, shape.lists);
    case 'process':
      return processChildren(view, cache, view.process(node.pid)!, PAGE_SIZE, shape.childProcesses(view.process(node.pid)!));
    case 'unseen':
      return unseenChildren(view, cache, node, PAGE_SIZE, shape.lists);
    default:
      return [];
  }
}

const C = (c: ContainerInfo): string => `c:${c.engine}/${c.id}`;
const P = (pid: number): string => `p:${pid}:${pid * 10}`;

test('grouped by container: one row per container by name with its own processes, then the rest by namespace', () => {
  const view = new ModelIndex(snapshot());
  const cache = new NodeCache();
  const tree = listing(view, new TreeShape(view, 'container'), cache);
  assert.deepEqual(tree[ROOT_ID], [C(API), C(SIDE), C(WEB), 'outside'], 'containers by name, then the processes in none');
  // web and side share pid:[200]: each lists only its own processes.
  assert.deepEqual(tree[C(WEB)], [P(60)]);
  assert.deepEqual(tree[C(SIDE)], [P(62)]);
  assert.deepEqual(tree[C(API)], [P(70)]);
  // Inside a container processes nest by parent across namespaces: the nested namespace's init under its parent.
  assert.deepEqual(tree[P(60)], [P(61)]);
  assert.deepEqual(tree[P(61)], [P(63)]);
  // The rest: the namespace tree without the containers' processes or the namespaces only they fill.
  assert.deepEqual(tree.outside, ['ns:4:100']);
  assert.deepEqual(tree['ns:4:100'], ['u:4:100:9999', P(1)]);
  assert.deepEqual(tree[P(1)], [P(40), P(50)]);
  assert.deepEqual(tree[P(50)], [P(51)]);
  assert.deepEqual(tree['u:4:100:9999'], [P(80)]);
  const all = Object.values(tree).flat();
  assert.equal(new Set(all).size, all.length, 'every row once (VS Code rejects a repeated id)');
});

test('grouped by namespace, unfiltered, the tree is the index itself', () => {
  const view = new ModelIndex(snapshot());
  const shape = new TreeShape(view, 'namespace');
  assert.equal(shape.lists, view);
  const tree = listing(view, shape, new NodeCache());
  assert.deepEqual(tree[ROOT_ID], ['ns:4:100']);
  assert.deepEqual(tree['ns:4:200'], ['ns:4:300', P(60), P(62)]);
});

test('where a process hangs (reveal, paging): under its container row, or its parent inside the container', () => {
  const view = new ModelIndex(snapshot());
  const shape = new TreeShape(view, 'container');
  const cache = new NodeCache();
  assert.deepEqual(shape.place(view.process(60)!), { kind: 'container', container: WEB });
  assert.deepEqual(shape.place(view.process(62)!), { kind: 'container', container: SIDE });
  assert.equal(shape.place(view.process(63)!)?.kind, 'process');
  assert.equal(shape.place(view.process(80)!)?.kind, 'unseen');
  assert.deepEqual(shapePath(cache, shape, view.process(63)!), [
    { parentId: C(WEB), index: 0 },
    { parentId: P(60), index: 0 },
    { parentId: P(61), index: 0 },
  ]);
  assert.deepEqual(shapePath(cache, shape, view.process(51)!), [
    { parentId: 'ns:4:100', index: 0 },
    { parentId: P(1), index: 1 },
    { parentId: P(50), index: 0 },
  ]);
  // Grouped by namespace the same process hangs under its namespace.
  assert.deepEqual(shapePath(cache, new TreeShape(view, 'namespace'), view.process(62)!), [{ parentId: 'ns:4:200', index: 1 }]);
});

test("a container's row: its name as the label, engine, pod, short id and its PID namespace with level", () => {
  const view = new ModelIndex(snapshot());
  assert.deepEqual(containerText(view, WEB, true), {
    label: 'web',
    description: 'docker · aaaaaaaaaaaa · pid:[200] level 1',
    contextValue: 'container',
    expandable: true,
  });
  assert.equal(containerText(view, API, true).description, 'containerd · pod shop/api-0 · api-ctr · pid:[400] level 1');
  const { name: _n, ...unnamed } = WEB;
  assert.equal(containerText(view, unnamed, true).label, 'docker aaaaaaaaaaaa');
  // The process rows are the namespace tree's: own PID in the label, host PID as description.
  assert.deepEqual(processText(view, view.process(61)!, []), {
    label: 'sleep 2',
    description: 'host 61',
    contextValue: 'process',
    expandable: false,
  });
});

test('the filter keeps what matches by name, container, pod or command, with the rows above it', () => {
  const view = new ModelIndex(snapshot());
  const cache = new NodeCache();
  // By container name, grouped by container: web alone, whole; nothing outside matches.
  let tree = listing(view, new TreeShape(view, 'container', 'WEB'), cache);
  assert.deepEqual(tree[ROOT_ID], [C(WEB)]);
  assert.deepEqual(tree[P(61)], [P(63)]);
  // By pod.
  tree = listing(view, new TreeShape(view, 'container', 'shop/api'), cache);
  assert.deepEqual(tree[ROOT_ID], [C(API)]);
  // By command inside a container: the match and its ancestors in the container, not its siblings.
  tree = listing(view, new TreeShape(view, 'container', 'inner'), cache);
  assert.deepEqual(tree[ROOT_ID], [C(WEB)]);
  assert.deepEqual(tree[C(WEB)], [P(60)]);
  assert.deepEqual(tree[P(61)], [P(63)]);
  // By command outside containers: the process with its parents, under the namespace tree.
  tree = listing(view, new TreeShape(view, 'container', 'vim'), cache);
  assert.deepEqual(tree[ROOT_ID], ['outside']);
  assert.deepEqual(tree['ns:4:100'], [P(1)]);
  assert.deepEqual(tree[P(1)], [P(50)]);
  // Grouped by namespace, a container's name keeps its namespace (and what is in it) with the namespaces above.
  tree = listing(view, new TreeShape(view, 'namespace', 'web'), cache);
  assert.deepEqual(tree[ROOT_ID], ['ns:4:100']);
  assert.deepEqual(tree['ns:4:100'], ['ns:4:200']);
  assert.deepEqual(tree['ns:4:200'], ['ns:4:300', P(60), P(62)]);
  // A namespace by inode.
  tree = listing(view, new TreeShape(view, 'namespace', 'pid:[400]'), cache);
  assert.deepEqual(tree['ns:4:100'], ['ns:4:400']);
  assert.deepEqual(tree['ns:4:400'], [P(70)]);
  // Nothing.
  const none = new TreeShape(view, 'container', 'no-such-thing');
  assert.equal(none.empty, true);
  assert.equal(new TreeShape(view, 'namespace', 'no-such-thing').empty, true);
  assert.equal(new TreeShape(view, 'namespace', 'nginx').empty, false);
});

test('the matchers: case-insensitive substrings of name, id, image, engine, pod, inode and command', () => {
  const view = new ModelIndex(snapshot());
  assert.ok(containerMatches(WEB, 'aaaa'));
  assert.ok(containerMatches(WEB, 'busy'));
  assert.ok(containerMatches(API, 'shop/api-0'));
  assert.ok(!containerMatches(SIDE, 'web'));
  assert.ok(namespaceMatches(view, view.namespaceWithInode(200)!, 'side'), 'a namespace matches by any container in it');
  assert.ok(namespaceMatches(view, view.namespaceWithInode(300)!, '[300'));
  // An inferred namespace by the name the views write, not by its synthetic id.
  const inferred = ns(inferredNsInode({ pid: 27416, startTime: 5 }, 1), 100, 1, 27416, [27416]);
  assert.ok(namespaceMatches(view, inferred, 'pid:[inferred from 27416]'));
  assert.ok(namespaceMatches(view, inferred, 'inferred from 274'));
  assert.ok(!namespaceMatches(view, inferred, String(inferred.inode)), 'its synthetic id is not a name');
  assert.ok(processMatches(view, view.process(62)!, 'side'));
  assert.ok(processMatches(view, view.process(62)!, 'ngin'));
  assert.ok(!processMatches(view, view.process(51)!, 'web'));
});

test('grouped by container, a fork inside one container refreshes that parent row only, never the containers list', () => {
  const cache = new NodeCache();
  const seen = new SeenTree();
  const current =
    (view: ModelIndex, shape: TreeShape) =>
    (id: string): CurrentElement | undefined => {
      if (id === ROOT_ID) return { item: '', children: rootChildren(shape, cache).map((n) => n.id), tooltip: () => '' };
      const node = cache.get(id);
      if (!node) return undefined;
      let item: string = node.kind;
      if (node.kind === 'container') {
        const c = view.snapshot.containers?.find((x) => C(x) === id);
        if (!c || !shape.hasContainer(c)) return undefined;
        item = JSON.stringify(containerText(view, c, shape.containerTops(c).length > 0));
      } else if (node.kind === 'process') {
        const p = view.process(node.pid);
        if (!p) return undefined;
        item = JSON.stringify(processText(view, p, shape.childProcesses(p)));
      }
      return { item, children: childrenOf(view, shape, cache, node).map((n) => n.id), tooltip: () => '' };
    };
  // VS Code shows everything once.
  const show = (view: ModelIndex): ReturnType<typeof current> => {
    const shape = new TreeShape(view, 'container');
    const cur = current(view, shape);
    for (const [id, kids] of Object.entries(listing(view, shape, cache))) {
      if (id !== ROOT_ID) seen.recordItem(id, cur(id)!.item);
      seen.recordChildren(id, kids);
    }
    return cur;
  };
  show(new ModelIndex(snapshot()));
  const policy = { holdMs: 10_000, tooltipMaxAgeMs: 300_000, spaced: () => false, spacingMs: 5_000 };
  // sleep 61 forks a child: sleep's row turns expandable (its own item changed) and lists it; nothing else moves.
  const next = new ModelIndex(snapshot([proc(64, 61, 200, [64, 5], 'sh', WEB)]));
  const cur = current(next, new TreeShape(next, 'container'));
  assert.deepEqual(seen.changes(1000, cur, policy).fire, [P(61)]);
  // The same process is new to the filtered-out container side: a process of side changes only side's list.
  const seen2 = new SeenTree();
  const v0 = new ModelIndex(snapshot());
  const s0 = new TreeShape(v0, 'container');
  const c0 = current(v0, s0);
  for (const [id, kids] of Object.entries(listing(v0, s0, cache))) {
    if (id !== ROOT_ID) seen2.recordItem(id, c0(id)!.item);
    seen2.recordChildren(id, kids);
  }
  const v1 = new ModelIndex(snapshot([proc(65, 40, 200, [65, 6], 'worker', SIDE)]));
  assert.deepEqual(seen2.changes(1000, current(v1, new TreeShape(v1, 'container')), policy).fire, [C(SIDE)]);
});

test("a container's row gives its PID namespace to the namespace commands (Open Terminal, Show in Graph)", () => {
  const view = new ModelIndex(snapshot());
  const cache = new NodeCache();
  assert.equal(namespaceFromNode(view, cache.container(SIDE))?.inode, 200);
  assert.equal(namespaceFromNode(view, cache.container(API))?.inode, 400);
  assert.equal(namespaceFromNode(view, cache.outside()), undefined);
});
