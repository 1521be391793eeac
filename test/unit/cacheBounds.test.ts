// Every cache on the live path stays bounded by what is live (issue 14's soak found the extension host
// growing ~2 MiB a minute). 100,000 simulated process lifetimes — forks, execs, exits with re-parenting,
// PID reuse, processes unsharing into fresh nested PID namespaces that later die and whose inodes the
// "kernel" hands out again, containerised processes — drive the real pieces of each process boundary:
//  - helper: LiveModel (its diffs are what the stream sends) and StreamLabeller.labelDiff with its cgroup
//    and engine caches (cgroup files in a temporary procRoot; no engine answers);
//  - extension host: the client snapshot (applyDiff, as HelperSession keeps it), ModelIndex, NodeCache
//    and SeenTree as the tree provider drives them, with "VS Code" expanding a few namespaces per flush;
//  - webview: GraphModel.apply.
// After every flush each cache's size is held to the live processes and namespaces. Deterministic (seeded).
// The Poller's own tables (pidfds, young, zombies) need a real /proc: the soak bench suite covers them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NsNode } from '../../shared/core/buildModel';
import { buildModel } from '../../shared/core/buildModel';
import { applyDiff } from '../../shared/core/diff';
import { nsKey } from '../../shared/core/identity';
import type { ContainerInfo, ProcessInfo, Snapshot } from '../../shared/core/types';
import { LiveModel } from '../../helper-native/src/scan/liveModel';
import { StreamLabeller } from '../../helper-native/src/containers/streamLabeller';
import { ModelIndex } from '../../shared/core/modelIndex';
import { NodeCache, namespaceChildren, processChildren, unseenChildren } from '../../extension/tree/treeNodes';
import { ROOT_ID, SeenTree, type CurrentElement } from '../../extension/tree/treeChanges';
import { GraphModel } from '../../webview/model';
import { rng } from '../support/random';

const DEV = 4;
const SELF = 1000;
const LIFETIMES = 100_000;
const PID_SPACE = 1000;
const TARGET = 60;
const CONTAINER_IDS = ['a', 'b', 'c'].map((c) => c.repeat(64));

test(`caches in the helper, the extension host and the webview stay bounded over ${LIFETIMES.toLocaleString('en')} process lifetimes`, () => {
  const rand = rng(1414);
  const root = mkdtempSync(join(tmpdir(), 'pidns-cachebounds-'));
  try {
    // A few PIDs whose cgroup names a docker container: whichever process holds one of them while its
    // parent is outside its namespace (a namespace's init) puts that namespace in a container.
    for (let pid = 2; pid < 2 + 60; pid++) {
      mkdirSync(join(root, String(pid)));
      writeFileSync(join(root, String(pid), 'cgroup'), `0::/system.slice/docker-${CONTAINER_IDS[pid % 3]}.scope\n`);
    }
    const graph = new Map<string, NsNode>();
    const key = (inode: number): string => nsKey({ dev: DEV, inode });
    graph.set(key(SELF), { dev: DEV, inode: SELF, parent: null });
    const freeInodes: number[] = [];
    let nextInode = SELF + 1;
    const newNs = (parent: number): number => {
      // The kernel reuses a dead namespace's inode: often, so stale entries keyed by inode would show.
      const inode = freeInodes.length > 0 && rand() < 0.5 ? (freeInodes.shift() as number) : nextInode++;
      graph.set(key(inode), { dev: DEV, inode, parent: { dev: DEV, inode: parent }, userNs: 7, ownerUid: 0 });
      return inode;
    };
    const depthOf = (inode: number): number => {
      let d = 0;
      for (let n = graph.get(key(inode)); n?.parent; n = graph.get(nsKey(n.parent))) d++;
      return d;
    };
    const procs = new Map<number, ProcessInfo>();
    const nsPids = new Map<number, number>(); // namespace → next PID inside it
    let clock = 1;
    let nextPid = 2;
    const allocPid = (): number => {
      for (;;) {
        const pid = nextPid;
        nextPid = nextPid + 1 >= PID_SPACE ? 2 : nextPid + 1;
        if (!procs.has(pid)) return pid;
      }
    };

    const live = new LiveModel();
    const labeller = new StreamLabeller(root, {
      dockerSocket: join(root, 'no-docker.sock'),
      podmanSocket: join(root, 'no-podman.sock'),
      containerdRoots: [join(root, 'no-containerd')],
      crioRoots: [join(root, 'no-crio')],
      storageFile: join(root, 'no-storage.json'),
      timeoutMs: 50,
    });
    const build = (): Snapshot =>
      buildModel({ self: { dev: DEV, inode: SELF }, processes: [...procs.values()], graph, unreadable: 0, scannedAsUid: 0, takenAt: 0 });
    let client = build();
    live.reset(client);
    let sentContainers: ContainerInfo[] | undefined = [];
    const webview = new GraphModel();
    webview.load(client);
    const nodes = new NodeCache();
    const seen = new SeenTree();

    const set = (pid: number, p: ProcessInfo | undefined): void => {
      live.record(pid, procs.get(pid), p);
      if (p === undefined) procs.delete(pid);
      else procs.set(pid, p);
    };
    const fork = (parent: ProcessInfo | undefined): void => {
      const pid = allocPid();
      // Into the parent's pending namespace (after its unshare), a fresh one (unshare + fork), or its own.
      let ns = parent?.pendingNs ?? parent?.ns ?? SELF;
      if (parent?.pendingNs === undefined && rand() < 0.04) ns = newNs(ns);
      const depth = depthOf(ns);
      const inner = nsPids.get(ns) ?? 1;
      nsPids.set(ns, inner + 1);
      const nspid = depth === 0 ? [pid] : [pid, ...Array.from({ length: depth - 1 }, () => 100 + Math.floor(rand() * 1000)), inner];
      set(pid, { pid, ppid: parent?.pid ?? 1, comm: 'sh', uid: 0, ns, nsDev: DEV, nspid, startTime: clock++, state: 'S' });
    };
    const exit = (pid: number): void => {
      const p = procs.get(pid) as ProcessInfo;
      set(pid, undefined);
      // Orphans go to their namespace's init, or to the host's init when the namespace's init left.
      for (const q of procs.values()) if (q.ppid === pid) set(q.pid, { ...q, ppid: q.ns === p.ns ? 1 : p.ppid });
      if (p.nspid[p.nspid.length - 1] === 1) {
        // A namespace's init exiting kills every process in it and below it (the kernel's SIGKILL).
        const doomed = new Set([p.ns]);
        for (const n of graph.values())
          for (let a = n.parent; a; a = graph.get(nsKey(a))?.parent ?? null) if (doomed.has(a.inode)) doomed.add(n.inode);
        for (const q of [...procs.values()]) if (doomed.has(q.ns)) set(q.pid, undefined);
      }
    };
    /** Namespaces no process is in or pending into (nor below them) die: the graph forgets them, their inodes are free. */
    const reapNamespaces = (): void => {
      const keep = new Set<string>([key(SELF)]);
      for (const k of live.heldKeys()) {
        for (let cur: string | null = k; cur !== null && !keep.has(cur);) {
          keep.add(cur);
          const parent: NsNode['parent'] | undefined = graph.get(cur)?.parent;
          cur = parent ? nsKey(parent) : null;
        }
      }
      for (const [k, n] of graph) {
        if (keep.has(k)) continue;
        graph.delete(k);
        nsPids.delete(n.inode);
        freeInodes.push(n.inode);
      }
    };

    // "VS Code": shows the root's children, expands a few namespaces and processes, reads a tooltip now and then.
    let now = 0;
    const current =
      (view: ModelIndex) =>
      (id: string): CurrentElement | undefined => {
        if (id === ROOT_ID) {
          const top = view.root ? [nodes.namespace(view.root).id] : [];
          return { item: '', children: top, tooltip: () => '' };
        }
        const node = nodes.get(id);
        if (node === undefined) return undefined;
        if (node.kind === 'namespace') {
          const ns = view.namespace(node.key);
          if (!ns) return undefined;
          return {
            item: `${ns.level} ${ns.pids.length}`,
            children: namespaceChildren(view, nodes, ns, 200).map((n) => n.id),
            tooltip: () => ns.pids.join(','),
          };
        }
        if (node.kind === 'process') {
          const p = view.process(node.pid);
          if (!p || p.startTime !== node.startTime) return undefined;
          return { item: p.comm, children: processChildren(view, nodes, p, 200).map((n) => n.id), tooltip: () => p.comm };
        }
        if (node.kind === 'unseen') {
          const kids = unseenChildren(view, nodes, node, 200).map((n) => n.id);
          return kids.length > 0 ? { item: '', children: kids, tooltip: () => '' } : undefined;
        }
        if (node.kind !== 'more') return undefined;
        return view.namespace(node.nsKey) ? { item: String(node.total), children: [], tooltip: () => '' } : undefined;
      };
    const vscode = (view: ModelIndex): void => {
      now += 100;
      nodes.prune(view);
      const cur = current(view);
      const { fire } = seen.changes(now, cur, {
        holdMs: 2000,
        tooltipMaxAgeMs: 5000,
        spaced: (id) => id === ROOT_ID || id.startsWith('ns:'),
        spacingMs: 5000,
      });
      seen.fired(fire, cur);
      const rootChildren = cur(ROOT_ID)?.children ?? [];
      seen.recordChildren(ROOT_ID, rootChildren);
      const namespaces = view.snapshot.namespaces;
      for (let i = 0; i < 3 && namespaces.length > 0; i++) {
        const ns = namespaces[Math.floor(rand() * namespaces.length)];
        const el = cur(nodes.namespace(ns).id);
        if (!el) continue;
        seen.recordItem(nodes.namespace(ns).id, el.item);
        seen.recordChildren(nodes.namespace(ns).id, el.children);
        for (const c of el.children.slice(0, 5)) {
          const ce = cur(c);
          if (ce) seen.recordItem(c, ce.item);
        }
        if (rand() < 0.2 && el.children.length > 0) seen.recordResolved(el.children[0], 'tip', now);
      }
    };

    let lifetimes = 0;
    let flushes = 0;
    let peakProcs = 0;
    let peakNs = 0;
    let containerised = 0;
    while (lifetimes < LIFETIMES) {
      const pids = [...procs.keys()];
      const pick = (): ProcessInfo => procs.get(pids[Math.floor(rand() * pids.length)]) as ProcessInfo;
      const r = rand();
      // Forks outnumber exits below the target population and trail them above it.
      if (r < (pids.length < TARGET ? 0.5 : 0.3) || pids.length === 0) {
        fork(pids.length > 0 && rand() < 0.9 ? pick() : undefined);
        lifetimes++;
      } else if (r < 0.55) {
        const p = pick();
        set(p.pid, { ...p, comm: rand() < 0.5 ? 'sleep' : 'cat' });
      } else if (r < 0.6) {
        // unshare(CLONE_NEWPID) without a fork yet: pending pid_for_children, a hidden namespace
        const p = pick();
        const next: ProcessInfo = { ...p };
        if (p.pendingNs === undefined) next.pendingNs = newNs(p.ns);
        else delete next.pendingNs;
        set(p.pid, next);
      } else exit(pick().pid);
      if (rand() < 0.75) continue; // several changes per flush, as a burst gives

      const diff = live.takeDiff(procs, graph, 0);
      reapNamespaces();
      flushes++;
      if (diff !== null) {
        const list = labeller.labelDiff(diff, (pid) => procs.get(pid), SELF, sentContainers);
        if (list !== undefined) diff.containers = sentContainers = list;
        client = applyDiff(client, diff);
        webview.apply(diff);
      }
      // The tree applies bursts a few times a second, not every diff (and prunes its caches then).
      const treeTurn = flushes % 4 === 0;
      if (treeTurn) vscode(new ModelIndex(client));

      const P = procs.size;
      const N = client.namespaces.length;
      peakProcs = Math.max(peakProcs, P);
      peakNs = Math.max(peakNs, N);
      containerised = Math.max(containerised, labeller.sizes().found);
      const within = (what: string, sizes: Record<string, number>, bound: Record<string, number>): void => {
        for (const [name, size] of Object.entries(sizes)) {
          const b = bound[name];
          assert.ok(b !== undefined, `${what}.${name}: no bound given`);
          if (size > b)
            assert.fail(
              `${what}.${name} holds ${size} entries, over its bound ${b} (${P} processes, ${N} namespaces live; flush ${flushes}, lifetime ${lifetimes})`,
            );
        }
      };
      within('LiveModel', live.sizes(), { members: N, pendingRefs: N, inits: N, children: N, namespaces: N, before: 0, holders: N });
      within('StreamLabeller', labeller.sizes(), {
        cgroups: P,
        found: P,
        containerMeta: CONTAINER_IDS.length,
        inFlight: 6,
        failedEngines: 2,
        prefetched: 2,
      });
      within(
        'webview GraphModel',
        {
          namespaces: webview.namespaces.size,
          processes: webview.processes.size,
          members: webview.members.size,
          children: webview.children.size,
          byPid: webview.byPid.size,
          containersByNs: webview.containersByNs.size,
        },
        { namespaces: N, processes: P, members: N, children: N, byPid: P, containersByNs: N },
      );
      // Client snapshot as HelperSession holds it; tree nodes: a namespace, a process, a "more" item per list.
      within('client snapshot', { processes: client.processes.length, namespaces: N }, { processes: P, namespaces: N });
      if (treeTurn) within('tree', { nodeCache: nodes.size, seenTree: seen.size }, { nodeCache: P + 2 * N, seenTree: P + 2 * N + 1 });
    }
    // The run exercised what it claims: many namespaces and containers came and went, PIDs were reused.
    assert.ok(nextInode - SELF > LIFETIMES / 50, `namespaces created: ${nextInode - SELF}`);
    assert.ok(containerised > 0, 'some processes were in containers');
    assert.ok(lifetimes >= LIFETIMES && flushes > LIFETIMES / 10, `${lifetimes} lifetimes, ${flushes} flushes`);
    assert.ok(peakProcs <= 2 * TARGET && peakNs > 5, `peak ${peakProcs} processes, ${peakNs} namespaces`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
