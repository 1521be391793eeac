// The webview's own index over the namespace model: who is in which namespace, each namespace's
// parent and children, and how the model changes with a diff. It holds every namespace but, from the
// live graph, only the processes of the namespaces it draws rows for (`held`), each namespace's PID 1
// and the ones a search or reveal brought: the other namespaces' sizes come as counts
// (shared/webviewProtocol.ts). A trace's replay sends the whole model (held null: all are held). Kept incrementally so that a diff of a
// few processes costs a few map operations, not a rebuild (the graph's one-frame budget).
// No DOM here, so it is tested in plain Node.

import type { ContainerInfo, NamespaceInfo, ProcessInfo, Snapshot, SnapshotDiff } from '../shared/core/types';
import type { NsCounts } from '../shared/webviewProtocol';
import { nsKey, processKey } from '../shared/core/identity';
import { compareSiblings } from '../shared/core/modelIndex';

export interface ModelChange {
  /** Namespaces were added or removed, or a parent changed: positions must be laid out again. */
  structureChanged: boolean;
  /** Namespaces whose card content (processes, init, flags) must be redrawn. */
  touched: Set<string>;
}

export class GraphModel {
  readonly namespaces = new Map<string, NamespaceInfo>();
  readonly processes = new Map<string, ProcessInfo>();
  /** Member processes of each namespace, by process key, in insertion order. */
  readonly members = new Map<string, Map<string, ProcessInfo>>();
  /** Child namespace keys of each namespace. */
  readonly children = new Map<string, string[]>();
  /** Caller-level PID → process, for looking up a namespace's init. */
  readonly byPid = new Map<number, ProcessInfo>();
  roots: string[] = [];
  selfKey = '';
  /** Namespaces whose member processes are all here; null: every namespace's are (a full model). */
  held: Set<string> | null = null;
  /** Member counts from the host, for the namespaces not held. */
  private readonly counts = new Map<string, number>();
  /** Keys of the namespaces this window created, as the host reports them. */
  readonly created = new Set<string>();

  setCreated(refs: { dev: number; inode: number }[] | undefined): void {
    if (refs === undefined) return;
    this.created.clear();
    for (const r of refs) this.created.add(nsKey(r));
  }
  /** Containers by the key of their PID namespace (several can share one). */
  readonly containersByNs = new Map<string, ContainerInfo[]>();

  /** `held` and `counts` absent: the snapshot is the whole model. */
  load(snapshot: Snapshot, held?: readonly string[], counts?: NsCounts): void {
    this.namespaces.clear();
    this.processes.clear();
    this.members.clear();
    this.byPid.clear();
    this.counts.clear();
    this.held = held ? new Set(held) : null;
    for (const [key, n] of counts ?? []) this.counts.set(key, n);
    this.selfKey = nsKey({ dev: snapshot.self.nsDev, inode: snapshot.self.nsInode });
    for (const ns of snapshot.namespaces) this.namespaces.set(nsKeyOf(ns), ns);
    for (const p of snapshot.processes) this.addProcess(p);
    this.setContainers(snapshot.containers ?? [], snapshot.self.nsDev);
    this.rebuildTree();
  }

  /** Replace the containers list; the keys of namespaces whose containers changed. */
  private setContainers(list: readonly ContainerInfo[], dev: number): Set<string> {
    const before = new Map([...this.containersByNs].map(([k, v]) => [k, JSON.stringify(v)]));
    this.containersByNs.clear();
    for (const c of list) {
      const key = nsKey({ dev, inode: c.pidNs });
      this.containersByNs.set(key, [...(this.containersByNs.get(key) ?? []), c]);
    }
    const changed = new Set<string>();
    for (const key of new Set([...before.keys(), ...this.containersByNs.keys()])) {
      if (before.get(key) !== JSON.stringify(this.containersByNs.get(key))) changed.add(key);
    }
    return changed;
  }

  /** Whether every member of the namespace is here (else only some: its init, search hits). */
  holds(key: string): boolean {
    return this.held === null || this.held.has(key);
  }

  /** Processes sent on request: `held` namespaces' members are replaced by them; others just join. */
  addRows(held: readonly string[], processes: readonly ProcessInfo[]): ModelChange {
    const touched = new Set<string>();
    for (const key of held) {
      this.held?.add(key);
      for (const p of [...(this.members.get(key)?.values() ?? [])]) this.removeProcess(p);
      touched.add(key);
    }
    for (const p of processes) {
      const old = this.processes.get(processKey(p));
      if (old) this.removeProcess(old);
      touched.add(this.addProcess(p));
    }
    for (const key of touched) if (!this.namespaces.has(key)) touched.delete(key);
    return { structureChanged: false, touched };
  }

  apply(diff: SnapshotDiff, counts?: NsCounts): ModelChange {
    const touched = new Set<string>();
    for (const [key, n] of counts ?? []) {
      this.counts.set(key, n);
      touched.add(key);
    }
    let structureChanged = diff.addedNamespaces.length > 0 || diff.removedNamespaces.length > 0;
    for (const ref of diff.removedProcesses) {
      const p = this.processes.get(processKey(ref));
      if (p) touched.add(this.removeProcess(p));
    }
    for (const ref of diff.removedNamespaces) {
      this.namespaces.delete(nsKey(ref));
      this.held?.delete(nsKey(ref));
      this.counts.delete(nsKey(ref));
    }
    for (const ns of diff.addedNamespaces) this.namespaces.set(nsKeyOf(ns), ns);
    for (const ns of diff.changedNamespaces) {
      const key = nsKeyOf(ns);
      // A new parent moves it; a new init moves it among its siblings (compareSiblings).
      const was = this.namespaces.get(key);
      if (was?.parent !== ns.parent || was?.init !== ns.init) structureChanged = true;
      this.namespaces.set(key, ns);
      touched.add(key);
    }
    for (const p of diff.changedProcesses) {
      const old = this.processes.get(processKey(p));
      if (old) touched.add(this.removeProcess(old));
      touched.add(this.addProcess(p));
    }
    for (const p of diff.addedProcesses) touched.add(this.addProcess(p));
    const dev = this.namespaces.get(this.selfKey)?.dev;
    if (diff.containers !== undefined && dev !== undefined) for (const key of this.setContainers(diff.containers, dev)) touched.add(key);
    if (structureChanged) this.rebuildTree();
    for (const key of touched) if (!this.namespaces.has(key)) touched.delete(key);
    return { structureChanged, touched };
  }

  parentKey(key: string): string | undefined {
    const ns = this.namespaces.get(key);
    if (!ns || ns.parent === null) return undefined;
    const parent = nsKey({ dev: ns.dev, inode: ns.parent });
    return this.namespaces.has(parent) ? parent : undefined;
  }

  /** The namespace itself and its ancestors, outermost first: the namespaces of a member's NSpid columns. */
  chain(key: string): string[] {
    const out: string[] = [];
    for (let k: string | undefined = key; k !== undefined && out.length <= 64; k = this.parentKey(k)) out.unshift(k);
    return out;
  }

  /** The namespace and all namespaces below it: whose processes its /proc lists. */
  subtree(key: string): string[] {
    const out = [key];
    for (let i = 0; i < out.length; i++) out.push(...(this.children.get(out[i]) ?? []));
    return out;
  }

  memberCount(key: string): number {
    return this.holds(key) ? (this.members.get(key)?.size ?? 0) : (this.counts.get(key) ?? this.members.get(key)?.size ?? 0);
  }

  /** How many processes a /proc mounted in this namespace would list. */
  visibleCount(key: string): number {
    return this.subtree(key).reduce((n, k) => n + this.memberCount(k), 0);
  }

  /** comm of the namespace's PID 1, if it is in the snapshot. */
  initComm(ns: NamespaceInfo): string | undefined {
    return ns.init === null ? undefined : this.byPid.get(ns.init)?.comm;
  }

  private addProcess(p: ProcessInfo): string {
    const key = processKey(p);
    const ns = nsKey({ dev: p.nsDev, inode: p.ns });
    this.processes.set(key, p);
    this.byPid.set(p.pid, p);
    let m = this.members.get(ns);
    if (!m) this.members.set(ns, (m = new Map()));
    m.set(key, p);
    return ns;
  }

  private removeProcess(p: ProcessInfo): string {
    const key = processKey(p);
    const ns = nsKey({ dev: p.nsDev, inode: p.ns });
    this.processes.delete(key);
    if (this.byPid.get(p.pid) === p) this.byPid.delete(p.pid);
    const m = this.members.get(ns);
    m?.delete(key);
    // A namespace whose last member left is forgotten here too: namespaces come and go all day.
    if (m?.size === 0) this.members.delete(ns);
    return ns;
  }

  private rebuildTree(): void {
    this.children.clear();
    this.roots = [];
    for (const key of this.namespaces.keys()) {
      const parent = this.parentKey(key);
      if (parent === undefined) this.roots.push(key);
      else {
        const list = this.children.get(parent);
        if (list) list.push(key);
        else this.children.set(parent, [key]);
      }
    }
    // The core's sibling order (the tree's too), so the layout does not jump when the helper lists them in another order.
    const initStart = (ns: NamespaceInfo): number | undefined => (ns.init === null ? undefined : this.byPid.get(ns.init)?.startTime);
    const order = (a: string, b: string): number => {
      const x = this.namespaces.get(a);
      const y = this.namespaces.get(b);
      return x && y ? compareSiblings(x, y, initStart) : 0;
    };
    for (const list of this.children.values()) list.sort(order);
    this.roots.sort((a, b) => (a === this.selfKey ? -1 : b === this.selfKey ? 1 : order(a, b)));
  }
}

export function nsKeyOf(ns: NamespaceInfo): string {
  return nsKey({ dev: ns.dev, inode: ns.inode });
}
