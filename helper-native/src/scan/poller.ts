// Incremental discovery. A process's PID namespace and NSpid never change during its life, so after the
// first (cold) pass a poll only: lists /proc, asks one poll(2) over the pidfds which tracked processes
// exited, reads the new PIDs, drops the gone ones, and rereads cheap fields (/proc/PID/stat) only where
// they can have changed:
//  - children of a process that exited (re-parenting changes their PPid),
//  - processes first seen less than YOUNG_MS ago (a fresh fork usually execs soon after: comm changes;
//    a window rather than one poll, because on a loaded host the exec can come late),
//  - exited-but-listed ones (zombies; and a reaped zombie's PID may be reused: start time tells),
//  - a rotating slice of the others, so state letters (a SIGSTOP) and comm after a later exec or
//    prctl(PR_SET_NAME) converge without a full reread: at least `refreshPerPoll` a poll, and enough that
//    every process is reread within `refreshRoundPolls` polls however big the host (20 s at the default
//    1 s interval, where a fixed 32 would take over 5 minutes with 10,000 processes).
// Without pidfd support every tracked process is re-verified by start time on each poll (slower, correct).
import { nsKey } from '../../../shared/core/identity';
import { sameValue } from '../../../shared/core/diff';
import { buildModel } from '../../../shared/core/buildModel';
import { placeAt, placeProcesses, type UnplacedProcess } from '../../../shared/core/inferNs';
import type { NsHolder, ProcessInfo, Snapshot, SnapshotDiff } from '../../../shared/core/types';
import { ExitWatch } from './exitWatch';
import { LiveModel } from './liveModel';
import { NsGraph } from './nsGraph';
import { beginHolderRefs, type PendingRefs } from './holderThread';
import { findHolders, HolderScanner, type ProcRefs } from './nsHolders';
import { listPids, readNsInode, statIdentity } from './procFiles';
import { readPendingNs, readProcess, readStat } from './readProcess';

const YOUNG_MS = 2000;

export interface PollerOptions {
  procRoot?: string;
  /** Keep a pidfd per process for cheap exit detection (default true; off in the kernel test that needs the pidfd-less path). */
  watchExits?: boolean;
  /** How many settled processes at least get their stat reread per poll (default 32). */
  refreshPerPoll?: number;
  /** Reread every settled process within this many polls, whatever their number (default 20; 0: no such bound). */
  refreshRoundPolls?: number;
}

/** What kernel events named since the last update (see Poller.applyEvents). */
export interface Touched {
  /** Processes to read (new: fork) or reread (exec, comm, uid/gid). */
  read: Iterable<number>;
  /** Thread-group leaders the kernel said exited: zombies until reaped. */
  exited: Iterable<number>;
  /** Processes that forked: after unshare(CLONE_NEWPID) their pid_for_children becomes readable with the first child. */
  forked: Iterable<number>;
}

export interface PollOptions {
  /** Reread every tracked process (stat and status), not a rotating slice: after lost events (a gap). */
  full?: boolean;
  /**
   * Recheck the pid_for_children of 1/pendingRound of the processes (a rotating share, so all within
   * pendingRound passes): the reconcile pass's, since a setns moves it without an event. At 10,000
   * processes all of them cost ~100 ms of readlinks, which every 30 s alone would exceed the quiet budget.
   */
  pendingRound?: number;
  /**
   * Look for namespaces held by a bind mount or an open fd (nsHolders.ts): 'all' reads every process's
   * fds (hundreds of ms at 10,000 processes), 'share' a rotating share of them (at least 500, every one
   * within 16 passes: 8 minutes at 30 s) and every mount table. The first poll reads all; after it the stream asks on its slow pass.
   */
  holders?: 'all' | 'share';
}

/** What the last holder pass read and what it cost (the README's figures). */
export interface HolderStats {
  ms: number;
  processes: number;
  fds: number;
  mountTables: number;
  held: number;
  /** Processes whose fds the holder thread's worker read beside the process pass (holderThread.ts). */
  readByWorker: number;
}

export interface PollResult {
  snapshot: Snapshot;
  /** False when no process or namespace changed: `snapshot` then equals the previous one but for takenAt. */
  changed: boolean;
}

export class Poller {
  private readonly procRoot: string;
  private readonly graph = new NsGraph();
  private readonly watch: ExitWatch | null;
  private readonly refreshPerPoll: number;
  private readonly refreshRoundPolls: number;
  private readonly procs = new Map<number, ProcessInfo>();
  /** PIDs of which nothing could be read (not even status: hidepid, no NSpid); counted, not listed. */
  private readonly denied = new Set<number>();
  /**
   * PIDs whose namespace link is denied but status is not (other users' processes when unprivileged):
   * tracked like the others, their namespace placed by inferNs.ts over the whole process table, so the
   * stream places them exactly as a cold scan would. Those read but not placed yet wait in `toPlace`.
   */
  private readonly unplaced = new Set<number>();
  /** The unplaced below the caller's namespace (NSpid longer than 1): the only ones a placement pass moves. */
  private readonly deep = new Set<number>();
  private readonly toPlace = new Map<number, UnplacedProcess>();
  /** The inferred namespaces placeProcesses last gave, as put into the graph (keys). */
  private inferredKeys = new Set<string>();
  /** A change that can move a placement (an unplaced process or a child of one came, went or re-parented). */
  private placeDirty = false;
  /** PIDs to verify by start time on every poll: zombies, and everything when pidfds are unavailable. */
  private readonly unwatched = new Set<number>();
  /**
   * The exited among them (zombies awaiting their reap, which has no event): what the event path rechecks
   * on every flush. Not every unwatched process: one whose pidfd could not be opened (EMFILE when another
   * load fills the host) is alive, and its exit comes as an event; rechecking those on every flush, and
   * counting them as zombies (a timer each second while any remain), cost ~60 ms/s at 20,000 processes.
   */
  private readonly exitedPids = new Set<number>();
  /** PIDs first seen less than YOUNG_MS ago, with when: rechecked every poll (a fork usually execs soon). */
  private readonly young = new Map<number, number>();
  private cursor = 0;
  private pendingCursor = 0;
  private last: Snapshot | null = null;
  /** Kernel events changed the process table since `last` was built (their diffs came from `live`). */
  private stale = false;
  private readonly live = new LiveModel();
  /** ppid → its children's PIDs, so an exit finds the re-parented without a pass over every process. */
  private readonly kids = new Map<number, Set<number>>();
  /** A dropped process was the last to hold its namespace (or pending one): the graph must forget dead ones. */
  private emptied = false;
  private readonly self: { dev: number; inode: number };
  /** Namespaces held by a bind mount or an open fd, from the last holder pass less the fds of processes gone since. */
  private holders = new Map<string, NsHolder[]>();
  /** Which held namespaces each fd holder process holds: its exit releases them without waiting for a pass. */
  private fdPids = new Map<number, string[]>();
  private holderPass: HolderStats | null = null;
  private readonly holderScanner: HolderScanner;
  /** The helper itself, whose own opens of namespace files are not holders (-1 for another /proc). */
  private readonly skipPid: number;

  constructor(opts: PollerOptions = {}) {
    this.procRoot = opts.procRoot ?? '/proc';
    this.watch = opts.watchExits === false ? null : new ExitWatch();
    this.refreshPerPoll = opts.refreshPerPoll ?? 32;
    this.refreshRoundPolls = opts.refreshRoundPolls ?? 20;
    const self = statIdentity(`${this.procRoot}/self/ns/pid`);
    if (!self.ok) throw new Error(`cannot read ${this.procRoot}/self/ns/pid (${self.why})`);
    this.self = self.value;
    this.skipPid = ownPidIn(this.procRoot);
    this.holderScanner = new HolderScanner(this.procRoot, this.self.dev, this.skipPid);
  }

  poll(opts: PollOptions = {}): PollResult {
    const changed = this.scan(opts) || this.stale;
    if (!changed && this.last !== null) {
      this.last = { ...this.last, takenAt: Date.now() };
      return { snapshot: this.last, changed: false };
    }
    this.last = this.build();
    return { snapshot: this.last, changed: true };
  }

  /**
   * A poll whose result is a diff from the live model (as applyEvents gives) instead of a new snapshot:
   * the event path's reconcile and resync, which then skip a full build and diff (tens of ms at 10,000).
   */
  pollDiff(opts: PollOptions = {}): SnapshotDiff | null {
    if (this.last === null) {
      this.poll(opts);
      return null;
    }
    const changed = this.scan(opts);
    const diff = this.live.takeDiff(this.procs, this.graph.nodes, this.denied.size);
    if (diff !== null || changed) this.stale = true;
    return diff;
  }

  /** One pass over /proc (see the file comment); true when a process, namespace or the unreadable count changed. */
  private scan(opts: PollOptions): boolean {
    let changed = false;
    const pids = listPids(this.procRoot);
    const listed = new Set(pids);
    const holders = opts.holders !== undefined || this.last === null;
    const allHolders = holders && opts.holders !== 'share';
    // A full holder pass reads every process's fds: on another thread, beside this pass, where that pays.
    const pending = allHolders ? beginHolderRefs(this.procRoot, this.skipPid, pids) : null;
    const parentsGone = new Set<number>();
    const toRead: number[] = [];

    // 1. Gone from /proc: drop.
    for (const pid of this.procs.keys()) if (!listed.has(pid)) changed = this.drop(pid, parentsGone) || changed;
    for (const pid of this.denied) if (!listed.has(pid)) changed = this.drop(pid, parentsGone) || changed;

    // 2. Exited (pidfd readable) but still listed: a zombie, or a reaped one whose PID was reused.
    for (const pid of this.watch?.exited() ?? []) {
      this.watch?.unwatch(pid);
      parentsGone.add(pid);
      if (this.denied.delete(pid)) {
        changed = true;
        toRead.push(pid);
      } else {
        this.unwatched.add(pid);
        this.exitedPids.add(pid);
      }
    }
    for (const pid of this.unwatched) {
      const r = this.reverify(pid);
      if (r === 'replaced') {
        changed = this.drop(pid, parentsGone) || changed;
        toRead.push(pid);
      } else if (r === 'changed') changed = true;
    }

    // A namespace whose last tracked member left may be dead and its inode already reused (pidfds pin only
    // watched members' namespaces): forget what no remaining process holds, so new ones are walked afresh.
    if (parentsGone.size > 0) this.graph.retainKeys(this.heldNamespaces());

    // 3. New PIDs: full read.
    for (const pid of listed) if (!this.procs.has(pid) && !this.denied.has(pid)) toRead.push(pid);
    const fresh = this.readNew(toRead);
    if (fresh.length > 0 || this.denied.size !== (this.last?.unreadable ?? -1)) changed = true;
    changed = this.place() || changed;

    // 4. Cheap rereads where fields can have moved.
    changed = this.refresh(parentsGone, fresh) || changed;
    if (opts.full) for (const pid of [...this.procs.keys()]) changed = this.reread(pid, parentsGone) || changed;
    if (opts.pendingRound !== undefined && this.procs.size > 0) {
      const keys = [...this.procs.keys()];
      const share = Math.ceil(keys.length / Math.max(1, opts.pendingRound));
      for (let i = 0; i < Math.min(share, keys.length); i++)
        changed = this.recheckPending(keys[(this.pendingCursor + i) % keys.length]) || changed;
      this.pendingCursor = (this.pendingCursor + share) % keys.length;
    }
    changed = this.place() || changed;
    if (opts.full && parentsGone.size > 0) this.graph.retainKeys(this.heldNamespaces());
    if (holders) changed = this.scanHolders(allHolders, pending?.join()) || changed;
    // After the cold pass everything is "fresh"; only later arrivals are young enough to exec soon.
    const now = Date.now();
    for (const [pid, seen] of this.young) if (now - seen > YOUNG_MS || !this.procs.has(pid)) this.young.delete(pid);
    if (this.last !== null) for (const pid of fresh) this.young.set(pid, now);

    return changed;
  }

  /**
   * Targeted update from kernel events: reads only the processes named (no /proc listing), rechecks the
   * zombies (a reap has no event) and re-parented children of the exited. Same result type as poll().
   */
  applyEvents(t: Touched): SnapshotDiff | null {
    if (this.last === null) {
      this.poll();
      return null;
    }
    let changed = false;
    const parentsGone = new Set<number>();
    for (const pid of t.exited) {
      if (this.denied.delete(pid)) {
        this.watch?.unwatch(pid);
        changed = true;
      } else if (this.procs.has(pid)) {
        // Its pidfd is readable now; the zombie is verified by start time until it is reaped.
        this.watch?.unwatch(pid);
        this.unwatched.add(pid);
        this.exitedPids.add(pid);
        parentsGone.add(pid);
      }
    }
    // Zombies: reaped, or the PID reused (the reconcile poll rechecks every unwatched process).
    for (const pid of this.exitedPids) {
      const r = this.reverify(pid);
      if (r === 'replaced') changed = this.drop(pid, parentsGone) || changed;
      else if (r === 'changed') changed = true;
    }
    const toRead: number[] = [];
    for (const pid of t.read) {
      if (this.procs.has(pid)) changed = this.reread(pid, parentsGone) || changed;
      else if (!this.denied.has(pid)) toRead.push(pid);
    }
    // Only when a namespace may have died (an O(processes) pass): its inode can be reused at once.
    if (this.emptied) this.graph.retainKeys(this.heldNamespaces());
    this.emptied = false;
    const fresh = this.readNew(toRead);
    if (fresh.length > 0) changed = true;
    // Orphans were re-parented before the kernel sent the exit event: their PPid is already the new one.
    for (const gone of parentsGone) {
      for (const kid of [...(this.kids.get(gone) ?? [])])
        if (!this.unwatched.has(kid)) changed = this.reverify(kid) === 'changed' || changed;
    }
    for (const pid of t.forked) changed = this.recheckPending(pid) || changed;
    changed = this.place() || changed;
    // The diff from what changed, not from a rebuilt snapshot: O(changes), not O(processes).
    const diff = this.live.takeDiff(this.procs, this.graph.nodes, this.denied.size);
    if (diff !== null || changed) this.stale = true;
    return diff;
  }

  /** The model as the client holds it (every diff applied), rebuilt only when events changed it. */
  model(): Snapshot {
    if (this.last === null) return this.poll().snapshot;
    if (this.stale) this.last = this.build();
    return this.last;
  }

  /** The last holder pass's cost, or null before the first. */
  get holderStats(): HolderStats | null {
    return this.holderPass;
  }

  /** Find the mounts and fds that hold namespaces now; true when that changed what the model shows. */
  private scanHolders(all: boolean, pre?: ProcRefs): boolean {
    const started = performance.now();
    const r = this.holderScanner.scan([...this.procs.keys()], this.graph, all, pre);
    this.holderPass = {
      ms: performance.now() - started,
      processes: this.procs.size,
      fds: r.fds,
      mountTables: r.mountTables,
      held: r.holders.size,
      readByWorker: r.readByWorker,
    };
    const same = r.holders.size === this.holders.size && [...r.holders].every(([k, list]) => sameValue(this.holders.get(k), list));
    this.holders = r.holders;
    this.fdPids = r.fdPids;
    if (same) return false;
    this.live.setHolders(this.holders);
    // A namespace no longer held may be dead, its inode free for the next one: forget its graph entry.
    this.graph.retainKeys(this.heldNamespaces());
    return true;
  }

  /** A process that held namespaces open is gone: its fds no longer hold them (new arrays: the live model compares). */
  private releaseFds(pid: number): void {
    this.holderScanner.forget(pid);
    const keys = this.fdPids.get(pid);
    if (keys === undefined) return;
    this.fdPids.delete(pid);
    for (const k of keys) {
      const rest = (this.holders.get(k) ?? []).filter((h) => h.kind !== 'fd' || h.pid !== pid);
      if (rest.length > 0) this.holders.set(k, rest);
      else this.holders.delete(k);
    }
    this.live.setHolders(this.holders);
    this.emptied = true;
  }

  /** Zombies awaiting their reap (no event tells when): the stream rechecks while there are any. */
  get zombies(): number {
    return this.exitedPids.size;
  }

  /** A tracked process as the live model has it (the last diff included). */
  process(pid: number): ProcessInfo | undefined {
    return this.procs.get(pid);
  }

  get size(): number {
    return this.procs.size;
  }

  /** The latest snapshot, polling once if there is none yet. */
  current(): Snapshot {
    return this.model();
  }

  close(): void {
    this.watch?.close();
  }

  /**
   * Keys of the caller's own namespace, every tracked process's namespace (a zombie's struct pid still
   * pins it) and every live pending pid_for_children, from the live model's indexes: O(namespaces), not
   * O(processes) (at 10,000 processes a pass over them all, per namespace that dies, was most of what
   * another user's namespace churn cost). Only exited processes' pending links are reread: an exited
   * process (a zombie not reaped yet) no longer holds its pid_for_children.
   */
  private heldNamespaces(): Iterable<string> {
    let released: Map<string, number> | null = null;
    // Without pidfds an exit may not be known yet: every holder is rechecked (as every poll rereads them).
    const exited = this.watch === null || !this.watch.supported ? this.procs.keys() : this.exitedPids;
    for (const pid of exited) {
      const p = this.procs.get(pid);
      if (p?.pendingNs === undefined) continue;
      const now = statIdentity(`${this.procRoot}/${p.pid}/ns/pid_for_children`);
      if (now.ok && now.value.inode === p.pendingNs) continue;
      const k = nsKey({ dev: p.nsDev, inode: p.pendingNs });
      released ??= new Map();
      released.set(k, (released.get(k) ?? 0) + 1);
    }
    return [nsKey(this.self), ...this.live.heldKeys(released)];
  }

  private drop(pid: number, parentsGone: Set<number>): boolean {
    this.watch?.unwatch(pid);
    this.unwatched.delete(pid);
    this.exitedPids.delete(pid);
    parentsGone.add(pid);
    this.unplaced.delete(pid);
    this.toPlace.delete(pid);
    const deep = this.deep.delete(pid);
    if (deep) this.placeDirty = true;
    return this.delProc(pid) || this.denied.delete(pid) || deep;
  }

  private readNew(pids: number[]): number[] {
    const fresh: number[] = [];
    for (const pid of pids) {
      const r = readProcess(this.procRoot, pid, this.self.dev, this.graph);
      if (r.kind === 'gone') continue;
      const watched = this.watch?.watch(pid) ?? false;
      if (r.kind === 'denied') {
        this.denied.add(pid);
        continue;
      }
      if (r.kind === 'unplaced') {
        this.unplaced.add(pid);
        if (r.proc.nspid.length === 1) this.setProc(pid, placeAt(r.proc, this.self, false));
        else {
          // Into the process table with its namespace when place() runs, before anything is built or diffed.
          this.deep.add(pid);
          this.toPlace.set(pid, r.proc);
          this.placeDirty = true;
        }
      } else this.setProc(pid, r.info);
      const state = r.kind === 'ok' ? r.info.state : r.proc.state;
      if (!watched || state === 'Z') this.unwatched.add(pid);
      if (state === 'Z') this.exitedPids.add(pid);
      fresh.push(pid);
    }
    return fresh;
  }

  /**
   * Reread all of a tracked process (exec, comm, uid events; a resync after lost events). A different
   * start time means the PID was reused: the old one is dropped and the new one read as new.
   */
  private reread(pid: number, parentsGone: Set<number>): boolean {
    const old = this.procs.get(pid);
    if (old === undefined) return false;
    const r = readProcess(this.procRoot, pid, this.self.dev, this.graph);
    const read = r.kind === 'ok' ? r.info : r.kind === 'unplaced' ? r.proc : null;
    if (read === null || read.startTime !== old.startTime) {
      this.drop(pid, parentsGone);
      if (r.kind !== 'gone') this.readNew([pid]);
      return true;
    }
    let next: ProcessInfo;
    if (r.kind === 'ok') {
      // Its link became readable (e.g. it changed uid to the caller's): one entry, now placed by the kernel.
      this.unplaced.delete(pid);
      if (this.deep.delete(pid)) this.placeDirty = true;
      next = r.info;
    } else if (read.nspid.length === 1) {
      this.unplaced.add(pid);
      next = placeAt(read, this.self, false);
    } else {
      // Denied now (or still): keep the placement, take the fields; place() moves it if it must.
      this.unplaced.add(pid);
      if (!this.deep.has(pid)) {
        this.deep.add(pid);
        this.placeDirty = true;
      }
      next = { ...old, ppid: read.ppid, comm: read.comm, uid: read.uid, state: read.state };
      delete next.pendingNs;
    }
    if (sameValue(next, old)) return false;
    this.setProc(pid, next);
    if (next.state === 'Z' && !this.exitedPids.has(pid)) {
      this.watch?.unwatch(pid);
      this.unwatched.add(pid);
      this.exitedPids.add(pid);
    }
    return true;
  }

  /** Reread the stat of a process verified each poll: 'replaced' if its PID now belongs to another process. */
  private reverify(pid: number): 'same' | 'changed' | 'replaced' {
    const old = this.procs.get(pid);
    if (old === undefined) return 'same';
    const stat = readStat(this.procRoot, pid);
    if (!stat.ok || stat.value.startTime !== old.startTime) return 'replaced';
    return this.update(pid, old, stat.value.comm, stat.value.state, stat.value.ppid) ? 'changed' : 'same';
  }

  private refresh(parentsGone: Set<number>, fresh: number[]): boolean {
    const targets = new Set<number>(this.young.keys());
    if (parentsGone.size > 0) for (const p of this.procs.values()) if (parentsGone.has(p.ppid)) targets.add(p.pid);
    // A new process may be the first child of one that unshared: its parent's pid_for_children is now readable.
    const parents = new Set<number>();
    for (const pid of fresh) {
      const ppid = this.procs.get(pid)?.ppid;
      if (ppid !== undefined && this.procs.has(ppid)) parents.add(ppid);
    }
    const keys = this.procs.size > 0 ? [...this.procs.keys()] : [];
    const slice = this.sliceSize(keys.length);
    for (let i = 0; i < Math.min(slice, keys.length); i++) {
      const pid = keys[(this.cursor + i) % keys.length];
      targets.add(pid);
      parents.add(pid);
    }
    this.cursor = keys.length === 0 ? 0 : (this.cursor + slice) % keys.length;
    let changed = false;
    for (const pid of targets) {
      if (this.unwatched.has(pid)) continue;
      // An unplaced process whose link became readable (it changed uid to the caller's, or exec'd as it):
      // read it whole, as a cold scan would, so it is placed by the kernel. One failing readlink otherwise.
      if (this.unplaced.has(pid) && readNsInode(`${this.procRoot}/${pid}/ns/pid`).ok) changed = this.reread(pid, parentsGone) || changed;
      else changed = this.reverify(pid) === 'changed' || changed;
    }
    for (const pid of parents) changed = this.recheckPending(pid) || changed;
    return changed;
  }

  /** How many settled processes to reread this poll: the floor, or a 1/refreshRoundPolls share of them all. */
  private sliceSize(count: number): number {
    const share = this.refreshRoundPolls > 0 ? Math.ceil(count / this.refreshRoundPolls) : 0;
    return Math.max(this.refreshPerPoll, share);
  }

  private recheckPending(pid: number): boolean {
    const old = this.procs.get(pid);
    if (old === undefined) return false;
    const pending = readPendingNs(this.procRoot, pid, old.ns, old.nsDev, this.graph);
    if (pending === old.pendingNs) return false;
    const next: ProcessInfo = { ...old };
    if (pending === undefined) delete next.pendingNs;
    else next.pendingNs = pending;
    this.setProc(pid, next);
    return true;
  }

  private update(pid: number, old: ProcessInfo, comm: string, state: string, ppid: number): boolean {
    if (old.comm === comm && old.state === state && old.ppid === ppid) return false;
    // Replace, never mutate: snapshots already handed out share these objects.
    this.setProc(pid, { ...old, comm, state, ppid });
    return true;
  }

  /** Every change to the process table goes through these two, so the live model can follow it. */
  private setProc(pid: number, info: ProcessInfo): void {
    const old = this.procs.get(pid);
    if (this.deep.size > 0 && (old === undefined || old.ppid !== info.ppid)) this.touchPlacement(old ?? info);
    this.live.record(pid, old, info);
    if (old?.ppid !== info.ppid) {
      if (old !== undefined) this.unlinkKid(old);
      let set = this.kids.get(info.ppid);
      if (set === undefined) this.kids.set(info.ppid, (set = new Set()));
      set.add(pid);
    }
    this.procs.set(pid, info);
  }

  private delProc(pid: number): boolean {
    const old = this.procs.get(pid);
    if (old === undefined) return false;
    if (this.deep.size > 0) this.touchPlacement(old);
    this.live.record(pid, old, undefined);
    this.unlinkKid(old);
    this.releaseFds(pid);
    this.emptied ||= !this.live.holds(old);
    return this.procs.delete(pid);
  }

  /** A process that came, went or changed parent: a placement can move if it or its parent is a deep unplaced one. */
  private touchPlacement(p: ProcessInfo): void {
    if (this.deep.has(p.pid) || this.deep.has(p.ppid)) this.placeDirty = true;
  }

  /**
   * Place the unplaced processes (inferNs.ts) over the current process table, as scanPids does for a cold
   * scan, and put the inferred namespaces into the graph in place of the last ones. O(processes), so only
   * when a change could move a placement. True when an entry changed.
   */
  private place(): boolean {
    if (!this.placeDirty) return false;
    this.placeDirty = false;
    const placed: ProcessInfo[] = [];
    const unplaced: UnplacedProcess[] = [];
    for (const [pid, p] of this.procs) if (!this.deep.has(pid)) placed.push(p);
    for (const pid of this.deep) {
      const p = this.procs.get(pid) ?? this.toPlace.get(pid);
      if (p !== undefined) unplaced.push(p);
    }
    this.toPlace.clear();
    const result = placeProcesses(this.self, placed, unplaced, this.graph.nodes);
    for (const key of this.inferredKeys) if (!result.namespaces.has(key)) this.graph.nodes.delete(key);
    for (const [key, node] of result.namespaces) this.graph.nodes.set(key, node);
    this.inferredKeys = new Set(result.namespaces.keys());
    let changed = false;
    for (const info of result.processes) {
      const old = this.procs.get(info.pid);
      if (old !== undefined && sameValue(old, info)) continue;
      this.setProc(info.pid, info);
      changed = true;
    }
    this.placeDirty = false;
    return changed;
  }

  private unlinkKid(p: ProcessInfo): void {
    const set = this.kids.get(p.ppid);
    set?.delete(p.pid);
    if (set?.size === 0) this.kids.delete(p.ppid);
  }

  private build(): Snapshot {
    const snapshot = buildModel({
      self: this.self,
      processes: [...this.procs.values()],
      graph: this.graph.nodes,
      holders: this.holders,
      unreadable: this.denied.size,
      scannedAsUid: process.geteuid?.() ?? -1,
      takenAt: Date.now(),
    });
    this.graph.prune(new Set(snapshot.namespaces.map((n) => nsKey(n))));
    this.live.reset(snapshot);
    this.stale = false;
    return snapshot;
  }
}

/**
 * This process's PID as `procRoot` numbers it: its own opens of namespace files are not holders. -1 for a
 * /proc other than the kernel's own (a test's fake root, another namespace's mount), where it has none.
 */
function ownPidIn(procRoot: string): number {
  return procRoot === '/proc' ? process.pid : -1;
}

/**
 * One cold scan: what `pidns snapshot` prints. A straight pass (list, read, parse, build) without the
 * Poller's bookkeeping for later polls (pidfds, young/unwatched sets, refresh cursor). `holders: false`
 * leaves out the persistent-namespace pass (the bench's row for what `lsns -t pid` reads).
 */
export function takeSnapshot(procRoot = '/proc', opts: { holders?: boolean } = {}): Snapshot {
  const pids = listPids(procRoot);
  const holders = opts.holders ?? true;
  const pending = holders ? beginHolderRefs(procRoot, ownPidIn(procRoot), pids) : null;
  return scanPids(procRoot, pids, holders, pending);
}

/**
 * The head of a first snapshot: the namespace this /proc belongs to with its init (PID 1) and the helper
 * itself (PID 1 may be unreadable, e.g. in another user namespace), a few reads where a full scan of 10,000
 * processes takes a second or more. Its counts are not the namespace's.
 */
export function takeHeadSnapshot(procRoot = '/proc'): Snapshot {
  return scanPids(procRoot, procRoot === '/proc' ? [1, process.pid] : [1]);
}

/** `holders`: also find the namespaces held by mounts and fds (a full scan; the head skips it), `pending`'s refs read beside. */
function scanPids(procRoot: string, pids: Iterable<number>, holders = false, pending: PendingRefs | null = null): Snapshot {
  const self = statIdentity(`${procRoot}/self/ns/pid`);
  if (!self.ok) throw new Error(`cannot read ${procRoot}/self/ns/pid (${self.why})`);
  const graph = new NsGraph();
  const processes: ProcessInfo[] = [];
  const unplaced: UnplacedProcess[] = [];
  let unreadable = 0;
  for (const pid of pids) {
    const r = readProcess(procRoot, pid, self.value.dev, graph);
    if (r.kind === 'ok') processes.push(r.info);
    else if (r.kind === 'unplaced') unplaced.push(r.proc);
    else if (r.kind === 'denied') unreadable++;
  }
  const placement = placeProcesses(self.value, processes, unplaced, graph.nodes);
  for (const [key, node] of placement.namespaces) graph.nodes.set(key, node);
  const held = holders
    ? findHolders(
        procRoot,
        processes.map((p) => p.pid),
        self.value.dev,
        graph,
        ownPidIn(procRoot),
        pending?.join(),
      ).holders
    : undefined;
  return buildModel({
    self: self.value,
    processes: [...processes, ...placement.processes],
    graph: graph.nodes,
    holders: held,
    unreadable,
    scannedAsUid: process.geteuid?.() ?? -1,
    takenAt: Date.now(),
  });
}
