// The event path's incremental model: what the client holds, kept up to date per process change, so a
// flush after a kernel event costs O(what changed) instead of a full buildModel + diffSnapshots (tens of
// ms at 10,000 processes, which a VS Code server's own churn of ~15 forks a second would pay over and over).
// It follows buildModel's rules exactly (the tests compare the stream with cold scans): a namespace is in
// the model when it is the caller's own, has members, is someone's pending pid_for_children, or is an
// ancestor of one that is; its level is its parent's + 1 (0 at the top); its init is the member whose
// innermost NSpid is 1; its pids ascend; `hidden` when it has no members; `inferred` as its graph node says.
// A namespace held by a bind mount or an open fd (setHolders, from the poller's slower pass) is in the
// model too, with its `heldBy`.
import type { NsNode } from '../../../shared/core/buildModel';
import { nsKey } from '../../../shared/core/identity';
import { emptyDiff, sameValue } from '../../../shared/core/diff';
import type { NamespaceInfo, NsHolder, NsId, ProcessInfo, ProcessKey, Snapshot, SnapshotDiff } from '../../../shared/core/types';

const ownKey = (p: ProcessInfo): string => nsKey({ dev: p.nsDev, inode: p.ns });
const pendingKey = (p: ProcessInfo): string | null => (p.pendingNs === undefined ? null : nsKey({ dev: p.nsDev, inode: p.pendingNs }));

export class LiveModel {
  private readonly members = new Map<string, Set<number>>();
  private readonly pendingRefs = new Map<string, number>();
  private readonly inits = new Map<string, number>();
  private readonly children = new Map<string, number>();
  private readonly namespaces = new Map<string, NamespaceInfo>();
  private readonly holders = new Map<string, readonly NsHolder[]>();
  /** Namespaces whose holders changed since the last diff. */
  private readonly holdersTouched = new Set<string>();
  private selfKey = '';
  /** Process entries as the client last saw them, for the changes since (first value wins). */
  private readonly before = new Map<number, ProcessInfo | undefined>();

  /** Entries in each index (the cache-bounds test holds them to what is live). */
  sizes(): Record<string, number> {
    return {
      members: this.members.size,
      pendingRefs: this.pendingRefs.size,
      inits: this.inits.size,
      children: this.children.size,
      namespaces: this.namespaces.size,
      before: this.before.size,
      holders: this.holders.size,
    };
  }

  /** Start over from a full snapshot (after every poll, which the client got as a diff from the stream). */
  reset(snapshot: Snapshot): void {
    this.members.clear();
    this.pendingRefs.clear();
    this.inits.clear();
    this.children.clear();
    this.namespaces.clear();
    this.before.clear();
    this.holders.clear();
    this.holdersTouched.clear();
    this.selfKey = nsKey({ dev: snapshot.self.nsDev, inode: snapshot.self.nsInode });
    for (const p of snapshot.processes) this.index(p, +1);
    for (const n of snapshot.namespaces) {
      this.namespaces.set(nsKey(n), n);
      if (n.heldBy !== undefined && n.heldBy.length > 0) this.holders.set(nsKey(n), n.heldBy);
      if (n.parent !== null) this.bump(this.children, nsKey({ dev: n.dev, inode: n.parent }), +1);
    }
  }

  /** Whether the namespace (and pending namespace) of `p` still has a member or a pending reference. */
  holds(p: ProcessInfo): boolean {
    const own = ownKey(p);
    if (!this.members.has(own) && !this.pendingRefs.has(own)) return false;
    const pk = pendingKey(p);
    return pk === null || this.members.has(pk) || this.pendingRefs.has(pk);
  }

  /**
   * Keys of the namespaces some process is in, or has as its pid_for_children (less `released`: refs
   * the caller found stale), from the indexes: one per namespace, not per process.
   */
  *heldKeys(released: ReadonlyMap<string, number> | null = null): Iterable<string> {
    yield* this.members.keys();
    yield* this.holders.keys();
    for (const [k, n] of this.pendingRefs) if (n - (released?.get(k) ?? 0) > 0) yield k;
  }

  /** The holders found now (nsKey → list): the namespaces whose holders changed are redone on the next diff. */
  setHolders(next: ReadonlyMap<string, readonly NsHolder[]>): void {
    for (const k of [...this.holders.keys()]) {
      if (next.has(k)) continue;
      this.holders.delete(k);
      this.holdersTouched.add(k);
    }
    for (const [k, list] of next) {
      if (list.length === 0) {
        if (this.holders.delete(k)) this.holdersTouched.add(k);
        continue;
      }
      if (sameValue(this.holders.get(k), list)) continue;
      this.holders.set(k, list);
      this.holdersTouched.add(k);
    }
  }

  /** Record that `pid`'s entry goes from `old` to `next` (either undefined: added / removed). */
  record(pid: number, old: ProcessInfo | undefined, next: ProcessInfo | undefined): void {
    if (!this.before.has(pid)) this.before.set(pid, old);
    if (old !== undefined) this.index(old, -1);
    if (next !== undefined) this.index(next, +1);
  }

  /**
   * The diff since the last call (or reset), given the current process table and namespace graph, and the
   * model updated to match. Null when nothing the client sees changed.
   */
  takeDiff(procs: ReadonlyMap<number, ProcessInfo>, graph: ReadonlyMap<string, NsNode>, unreadable: number): SnapshotDiff | null {
    const diff = emptyDiff(unreadable, Date.now());
    const touched = new Set<string>();
    for (const [pid, old] of this.before) {
      const now = procs.get(pid);
      if (old !== undefined) {
        touched.add(ownKey(old));
        const pk = pendingKey(old);
        if (pk !== null) touched.add(pk);
      }
      if (now !== undefined) {
        touched.add(ownKey(now));
        const pk = pendingKey(now);
        if (pk !== null) touched.add(pk);
      }
      if (old === undefined && now === undefined) continue;
      if (old === undefined) diff.addedProcesses.push(now as ProcessInfo);
      else if (now === undefined) diff.removedProcesses.push(key(old));
      else if (old.startTime !== now.startTime) {
        diff.removedProcesses.push(key(old));
        diff.addedProcesses.push(now);
      } else if (old !== now && !sameValue(old, now)) diff.changedProcesses.push(now);
    }
    this.before.clear();
    for (const k of this.holdersTouched) touched.add(k);
    this.holdersTouched.clear();
    this.updateNamespaces(touched, graph, diff);
    const empty =
      diff.addedProcesses.length +
        diff.removedProcesses.length +
        diff.changedProcesses.length +
        diff.addedNamespaces.length +
        diff.removedNamespaces.length +
        diff.changedNamespaces.length ===
      0;
    // A change of the unreadable count alone (an unprivileged helper sees every foreign fork and exit)
    // is not worth a diff: it rides with the next one, or the reconcile poll's.
    return empty ? null : diff;
  }

  private updateNamespaces(touched: Set<string>, graph: ReadonlyMap<string, NsNode>, diff: SnapshotDiff): void {
    const added = new Map<string, NamespaceInfo>();
    const changed = new Map<string, NamespaceInfo>();
    const removed = new Map<string, NsId>();
    // Additions first, outermost first (a new namespace's ancestors are added on the way up).
    for (const k of touched) if (!this.namespaces.has(k) && this.held(k)) this.add(k, graph, added, removed);
    // Removals cascade upwards: a removed namespace may leave its parent holding nothing.
    const work = [...touched];
    while (work.length > 0) {
      const k = work.pop() as string;
      const ns = this.namespaces.get(k);
      if (ns === undefined) continue;
      if (!this.held(k)) {
        this.namespaces.delete(k);
        if (added.delete(k)) continue;
        changed.delete(k);
        removed.set(k, { dev: ns.dev, inode: ns.inode });
        if (ns.parent !== null) {
          const pk = nsKey({ dev: ns.dev, inode: ns.parent });
          this.bump(this.children, pk, -1);
          work.push(pk);
        }
        continue;
      }
      const next = this.info(k, this.rebase(k, ns, graph, added, removed, work));
      if (sameValue(next, ns)) continue;
      this.namespaces.set(k, next);
      // A level that moved moves every namespace below it: their levels are this one's plus their depth.
      if (next.level !== ns.level) {
        for (const [ck, c] of this.namespaces) if (c.parent === next.inode && c.dev === next.dev && ck !== k) work.push(ck);
      }
      if (added.has(k)) added.set(k, next);
      else changed.set(k, next);
    }
    diff.addedNamespaces.push(...added.values());
    diff.changedNamespaces.push(...changed.values());
    diff.removedNamespaces.push(...removed.values());
  }

  /** Add `k` and any of its ancestors the model lacks; a namespace removed earlier in this diff comes back as changed. */
  private add(k: string, graph: ReadonlyMap<string, NsNode>, added: Map<string, NamespaceInfo>, removed: Map<string, NsId>): void {
    const chain: string[] = [];
    for (let cur: string | null = k; cur !== null && !this.namespaces.has(cur) && !chain.includes(cur);) {
      chain.push(cur);
      const parent: NsId | null | undefined = graph.get(cur)?.parent;
      cur = parent ? nsKey(parent) : null;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const key = chain[i];
      const node = graph.get(key);
      const [dev, inode] = key.split(':').map(Number);
      const parentKey = node?.parent ? nsKey(node.parent) : null;
      const parent = parentKey !== null ? this.namespaces.get(parentKey) : undefined;
      const base: NamespaceInfo = {
        inode,
        dev,
        parent: parent ? parent.inode : null,
        level: parent ? parent.level + 1 : 0,
        init: null,
        pids: [],
      };
      if (node?.userNs !== undefined) base.userNs = node.userNs;
      if (node?.ownerUid !== undefined) base.ownerUid = node.ownerUid;
      if (node?.inferred) base.inferred = true;
      const info = this.info(key, base);
      this.namespaces.set(key, info);
      if (parentKey !== null && parent) this.bump(this.children, parentKey, +1);
      if (removed.delete(key)) continue; // never left the client's model
      added.set(key, info);
    }
  }

  /**
   * A namespace inode is reused as soon as the old namespace dies: if the last zombie of the old one was
   * reaped and the first process of the new one forked within one flush, the key stays in the model but
   * the kernel's graph now names another parent and owner. Take those from the graph, as a scan would.
   */
  private rebase(
    k: string,
    ns: NamespaceInfo,
    graph: ReadonlyMap<string, NsNode>,
    added: Map<string, NamespaceInfo>,
    removed: Map<string, NsId>,
    work: string[],
  ): NamespaceInfo {
    const node = graph.get(k);
    if (node === undefined) return ns;
    const base: NamespaceInfo = { ...ns };
    delete base.userNs;
    delete base.ownerUid;
    delete base.inferred;
    if (node.userNs !== undefined) base.userNs = node.userNs;
    if (node.ownerUid !== undefined) base.ownerUid = node.ownerUid;
    if (node.inferred) base.inferred = true;
    const graphParent = node.parent ? nsKey(node.parent) : null;
    const modelParent = ns.parent !== null ? nsKey({ dev: ns.dev, inode: ns.parent }) : null;
    if (graphParent === modelParent) {
      // Same parent, but its level may have changed (it was itself rebased in this flush): follow it.
      const parent = graphParent !== null ? this.namespaces.get(graphParent) : undefined;
      return parent ? { ...base, level: parent.level + 1 } : base;
    }
    if (modelParent !== null) {
      this.bump(this.children, modelParent, -1);
      work.push(modelParent);
    }
    if (graphParent !== null && !this.namespaces.has(graphParent)) this.add(graphParent, graph, added, removed);
    const parent = graphParent !== null ? this.namespaces.get(graphParent) : undefined;
    if (graphParent !== null && parent) this.bump(this.children, graphParent, +1);
    return { ...base, parent: parent ? parent.inode : null, level: parent ? parent.level + 1 : 0 };
  }

  private info(k: string, base: NamespaceInfo): NamespaceInfo {
    const pids = [...(this.members.get(k) ?? [])].sort((a, b) => a - b);
    const out: NamespaceInfo = {
      inode: base.inode,
      dev: base.dev,
      parent: base.parent,
      level: base.level,
      init: this.inits.get(k) ?? null,
      pids,
    };
    if (pids.length === 0) out.hidden = true;
    if (base.userNs !== undefined) out.userNs = base.userNs;
    if (base.ownerUid !== undefined) out.ownerUid = base.ownerUid;
    if (base.inferred) out.inferred = true;
    const held = this.holders.get(k);
    if (held !== undefined) out.heldBy = [...held];
    return out;
  }

  private held(k: string): boolean {
    return (
      k === this.selfKey ||
      (this.members.get(k)?.size ?? 0) > 0 ||
      this.holders.has(k) ||
      (this.pendingRefs.get(k) ?? 0) > 0 ||
      (this.children.get(k) ?? 0) > 0
    );
  }

  private index(p: ProcessInfo, sign: 1 | -1): void {
    const k = ownKey(p);
    let set = this.members.get(k);
    if (sign > 0) {
      if (set === undefined) this.members.set(k, (set = new Set()));
      set.add(p.pid);
      if (p.nspid[p.nspid.length - 1] === 1) this.inits.set(k, p.pid);
    } else if (set !== undefined) {
      set.delete(p.pid);
      if (set.size === 0) this.members.delete(k);
      if (this.inits.get(k) === p.pid) this.inits.delete(k);
    }
    const pk = pendingKey(p);
    if (pk !== null) this.bump(this.pendingRefs, pk, sign);
  }

  private bump(map: Map<string, number>, k: string, by: number): void {
    const v = (map.get(k) ?? 0) + by;
    if (v <= 0) map.delete(k);
    else map.set(k, v);
  }
}

function key(p: ProcessInfo): ProcessKey {
  return { pid: p.pid, startTime: p.startTime };
}
