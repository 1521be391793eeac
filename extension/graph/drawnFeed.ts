// What one graph webview is sent (issue 13, "send what is drawn"): every namespace with its member count,
// each namespace's PID 1, and the processes of the namespaces whose rows it draws, which it names with
// `draw`. The host keeps the one full model (shared/core/modelIndex.ts); this remembers what the webview
// holds, so that a diff carries only changes to those processes, namespace changes and new counts, and a
// search (`find`) is answered from the full model. No VS Code here, so it is tested in plain Node.
//
// A namespace once held stays held for the life of the webview instance (until the next snapshot): rows
// the user collapses again cost their diffs, and nothing has to be taken back from the webview.

import { applyDiff, sameValue } from '../../shared/core/diff';
import { nsKey } from '../../shared/core/identity';
import { modelIndexOf, type ModelIndex } from '../../shared/core/modelIndex';
import { parseQuery, processMatches } from '../../shared/core/processQuery';
import type { NamespaceInfo, ProcessInfo, Snapshot, SnapshotDiff } from '../../shared/core/types';
import {
  MAX_FOUND,
  type DiffMessage,
  type FoundMessage,
  type HostToWebview,
  type WebviewToHost,
  type NsCounts,
  type ProcRef,
  type RowsMessage,
  type SnapshotMessage,
} from '../../shared/webviewProtocol';

const nsOf = (p: ProcessInfo): string => nsKey({ dev: p.nsDev, inode: p.ns });
/** A namespace without its member PIDs (the webview never reads them; `counts` stand for their number): most of its size. */
const bare = (ns: NamespaceInfo): NamespaceInfo => ({ ...ns, pids: [] });

/** What the feed asks of an index over one snapshot: ModelIndex answers it, and so does MembersIndex. */
export type FeedIndex = Pick<ModelIndex, 'namespace' | 'processes' | 'process'>;

/**
 * The members of each namespace and the processes by PID, in one pass: for a sender that no view has indexed
 * (the trace editor's player, at each seek), where a whole ModelIndex (process trees, sorting) would cost more
 * than the feed saves.
 */
export class MembersIndex implements FeedIndex {
  private readonly byKey = new Map<string, NamespaceInfo>();
  /** By inode: one snapshot's PID namespaces are all on the one nsfs device (and no key strings to build). */
  private readonly members = new Map<number, ProcessInfo[]>();
  private readonly byPid = new Map<number, ProcessInfo>();

  constructor(s: Snapshot) {
    for (const ns of s.namespaces) this.byKey.set(nsKey(ns), ns);
    for (const p of s.processes) {
      this.byPid.set(p.pid, p);
      const list = this.members.get(p.ns);
      if (list) list.push(p);
      else this.members.set(p.ns, [p]);
    }
  }

  namespace(key: string): NamespaceInfo | undefined {
    return this.byKey.get(key);
  }

  processes(ns: NamespaceInfo): ProcessInfo[] {
    return this.members.get(ns.inode) ?? [];
  }

  process(pid: number): ProcessInfo | undefined {
    return this.byPid.get(pid);
  }
}

export class DrawnFeed {
  /** Namespaces whose processes the webview holds, all of them. */
  private readonly held = new Set<string>();
  /**
   * Processes the webview holds, PID → start time: their changes and exits are sent. Two live processes never
   * share a PID, and numbers spare building a key string for each of the thousands a far seek removes.
   */
  private readonly sent = new Map<number, number>();
  /**
   * The inodes of the held namespaces (and perhaps of some held before): tested before a process's namespace
   * key is built, so that the thousands of processes a far seek adds cost no key string unless held.
   */
  private readonly heldInodes = new Set<number>();
  /** Member counts as last sent. */
  private readonly counts = new Map<string, number>();
  /** Namespaces as last sent (bare): a change of member PIDs alone is said by the counts, not sent again. */
  private readonly sentNs = new Map<string, NamespaceInfo>();

  /** `indexOf`: the index of a snapshot; by default the one shared with the tree (modelIndexOf). */
  constructor(private readonly indexOf: (s: Snapshot) => FeedIndex = modelIndexOf) {}

  /** A new webview instance (after hide/show): it holds nothing yet. */
  reset(): void {
    this.held.clear();
    this.sent.clear();
    this.counts.clear();
    this.sentNs.clear();
    this.heldInodes.clear();
  }

  /** The whole model as the webview is to hold it: namespaces, counts, inits, and the held namespaces' processes. */
  snapshot(s: Snapshot): SnapshotMessage {
    const index = this.indexOf(s);
    this.sent.clear();
    this.counts.clear();
    this.sentNs.clear();
    const processes: ProcessInfo[] = [];
    const send = (p: ProcessInfo | undefined): void => {
      if (p && !this.holds(p)) {
        this.sent.set(p.pid, p.startTime);
        processes.push(p);
      }
    };
    const live = new Set<string>();
    for (const ns of s.namespaces) {
      const key = nsKey(ns);
      live.add(key);
      this.sentNs.set(key, bare(ns));
      const members = index.processes(ns);
      this.counts.set(key, members.length);
      if (this.held.has(key)) members.forEach(send);
      else send(this.initOf(ns, index.process(ns.init ?? -1)));
    }
    for (const key of this.held) if (!live.has(key)) this.held.delete(key);
    return {
      type: 'snapshot',
      snapshot: { ...s, namespaces: [...this.sentNs.values()], processes },
      held: [...this.held],
      counts: [...this.counts],
    };
  }

  /**
   * The part of the model's next diff that the webview holds, with the counts that changed. `after`: the model
   * once `d` is applied, where a namespace's new PID 1 is looked up when the diff does not add it.
   *
   * A namespace's `pids` are its members (buildModel), and a namespace whose members changed is in the diff
   * with its new list: its count is that list's length. So a far seek (thousands of processes replaced) costs
   * a pass over the changed namespaces and the lookups of what the webview holds, not a pass per process.
   */
  diff(d: SnapshotDiff, after: Snapshot): DiffMessage {
    const counts: NsCounts = [];
    for (const ref of d.removedNamespaces) {
      this.held.delete(nsKey(ref));
      this.counts.delete(nsKey(ref));
      this.sentNs.delete(nsKey(ref));
    }
    const count = (key: string, n: number, always: boolean): void => {
      if (!always && this.counts.get(key) === n) return;
      this.counts.set(key, n);
      counts.push([key, n]);
    };
    const addedNamespaces: NamespaceInfo[] = [];
    for (const ns of d.addedNamespaces) {
      const key = nsKey(ns);
      addedNamespaces.push(bare(ns));
      this.sentNs.set(key, addedNamespaces[addedNamespaces.length - 1]);
      count(key, ns.pids.length, true);
    }
    const changedNamespaces: NamespaceInfo[] = [];
    const newInits = addedNamespaces.filter((ns) => ns.init !== null);
    for (const ns of d.changedNamespaces) {
      const key = nsKey(ns);
      count(key, ns.pids.length, false);
      const was = this.sentNs.get(key);
      const now = bare(ns);
      if (sameValue(was, now)) continue;
      this.sentNs.set(key, now);
      changedNamespaces.push(now);
      if (now.init !== null && now.init !== was?.init) newInits.push(now);
    }
    const removedProcesses = d.removedProcesses.filter((r) => this.holds(r) && this.sent.delete(r.pid));
    const changedProcesses = d.changedProcesses.filter((p) => this.holds(p));
    const addedProcesses: ProcessInfo[] = [];
    const add = (p: ProcessInfo | undefined): void => {
      if (p && !this.holds(p)) {
        this.sent.set(p.pid, p.startTime);
        addedProcesses.push(p);
      }
    };
    for (const p of d.addedProcesses) if (this.heldInodes.has(p.ns) && this.held.has(nsOf(p))) add(p);
    // A namespace's PID 1 names and orders its card: a new namespace's, or a new one after the old died. It is
    // nearly always a process the diff adds; else (a process that was there and not yet its PID 1) the model's.
    if (newInits.length > 0) {
      const wanted = new Set(newInits.map((ns) => ns.init));
      const found = new Map<number, ProcessInfo>();
      for (const p of [...d.addedProcesses, ...d.changedProcesses]) if (wanted.has(p.pid)) found.set(p.pid, p);
      let index: FeedIndex | undefined;
      for (const ns of newInits) {
        const pid = ns.init ?? -1;
        add(this.initOf(ns, found.get(pid) ?? (index ??= this.indexOf(after)).process(pid)));
      }
    }
    return {
      type: 'diff',
      diff: {
        ...d,
        addedNamespaces,
        changedNamespaces,
        addedProcesses,
        removedProcesses,
        changedProcesses,
      },
      ...(counts.length > 0 ? { counts } : {}),
    };
  }

  /** The webview draws the rows of `namespaces`: the processes of those it does not hold yet. */
  rows(s: Snapshot, namespaces: readonly string[]): RowsMessage | undefined {
    const index = this.indexOf(s);
    const held: string[] = [];
    const processes: ProcessInfo[] = [];
    for (const key of namespaces) {
      const ns = index.namespace(key);
      if (!ns || this.held.has(key)) continue;
      this.held.add(key);
      this.heldInodes.add(ns.inode);
      held.push(key);
      for (const p of index.processes(ns)) {
        this.sent.set(p.pid, p.startTime);
        processes.push(p);
      }
    }
    return held.length > 0 ? { type: 'rows', held, processes } : undefined;
  }

  /** Processes the host is about to point at (a reveal, a lesson's highlight) that the webview does not hold. */
  extras(s: Snapshot, refs: readonly ProcRef[]): RowsMessage | undefined {
    const index = this.indexOf(s);
    const processes: ProcessInfo[] = [];
    for (const ref of refs) {
      const p = index.process(ref.pid);
      if (!p || p.startTime !== ref.startTime || this.holds(p)) continue;
      this.sent.set(p.pid, p.startTime);
      processes.push(p);
    }
    return processes.length > 0 ? { type: 'rows', held: [], processes } : undefined;
  }

  /** The processes that `query` names (webview/search.ts's rule) and the webview does not hold yet. */
  find(s: Snapshot, id: number, query: string): FoundMessage {
    const q = parseQuery(query);
    const processes: ProcessInfo[] = [];
    if (q) {
      let n = 0;
      for (const p of s.processes) {
        if (!processMatches(p, q)) continue;
        if (++n > MAX_FOUND) break;
        if (this.holds(p)) continue;
        this.sent.set(p.pid, p.startTime);
        processes.push(p);
      }
    }
    return { type: 'found', id, query, processes };
  }

  private holds(p: ProcRef): boolean {
    return this.sent.get(p.pid) === p.startTime;
  }

  /** The namespace's PID 1 if it is a member (the init PID of a hidden namespace names no process of it). */
  private initOf(ns: NamespaceInfo, p: ProcessInfo | undefined): ProcessInfo | undefined {
    return p && nsOf(p) === nsKey(ns) ? p : undefined;
  }
}

/**
 * A DrawnFeed in front of a source that speaks in whole-model snapshot and diff messages (the trace editor's
 * player): it passes every message on, cut to what the webview draws, and answers the webview's `draw` and
 * `find` from the state it keeps.
 */
export class DrawnRelay {
  private readonly feed = new DrawnFeed((s) => new MembersIndex(s));
  private state: Snapshot | undefined;

  constructor(private readonly post: (m: HostToWebview) => void) {}

  /** `state`: the model after `m`, when the sender has it (else a diff is applied here to the last one). */
  send(m: HostToWebview, state?: Snapshot): void {
    if (m.type === 'snapshot') {
      this.feed.reset();
      this.state = m.snapshot;
      this.post({ ...this.feed.snapshot(m.snapshot), ...(m.created ? { created: m.created } : {}) });
    } else if (m.type === 'diff' && this.state) {
      this.state = state ?? applyDiff(this.state, m.diff);
      this.post({
        ...this.feed.diff(m.diff, this.state),
        ...(m.created ? { created: m.created } : {}),
        ...(m.jump ? { jump: m.jump } : {}),
      });
    } else this.post(m);
  }

  /** A request of the webview's that the relay answers: true if `m` was one. */
  answer(m: WebviewToHost): boolean {
    if (m.type === 'draw') {
      const rows = this.state && this.feed.rows(this.state, m.namespaces);
      if (rows) this.post(rows);
      return true;
    }
    if (m.type === 'find') {
      if (this.state) this.post(this.feed.find(this.state, m.id, m.query));
      return true;
    }
    return false;
  }
}
