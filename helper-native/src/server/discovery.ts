// The snapshot/subscribe/unsubscribe ops: one Poller shared by the stream and on-demand snapshots, so a
// `snapshot` request during a subscription also advances the stream (a diff is sent first) and the
// client's applied state never skips a change.
//
// Two sources feed the stream. Where the kernel's process events are available (procConnector.ts), each
// fork, exec, comm, uid/gid and exit names the one process to read, and the Poller reads only that; a
// reconcile poll every `reconcileMs` (30 s) catches what has no event (a state letter; a setns that only
// moves pid_for_children, rechecked for an eighth of the processes per pass), and lost events (ENOBUFS) trigger a full resynchronisation at once.
// Namespaces held only by a bind mount or an open fd (nsHolders.ts) are looked for on that reconcile pass
// (when polling, on the first poll after each `reconcileMs`): every mount table, and the fds of a rotating
// share of the processes (all of them on a host of up to 500, else each within 16 passes; new ones first),
// and on a snapshot request the same. Lost events lose no holder (none comes from an event): a resync
// does no holder pass. A holder process's exit releases its fds at once.
// Elsewhere (inside a container, without CAP_NET_ADMIN, unprivileged, or `events: false`) it polls every
// `intervalMs` as before. Which one is live, and why, is in the subscribe response and `liveSource` events.
//
// Coalescing: events only mark PIDs dirty; a flush reads them and sends one diff. Flushes draw on a token
// bucket (BURST tokens, one more every MIN_GAP_MS): a lone event, or the few of one action (fork, then
// exec, then exit), is flushed on the next turn of the event loop with no timer, while a storm of thousands
// of forks a second yields at most 1000/MIN_GAP_MS diffs a second. A flush also waits GAP_FACTOR times
// what the last one cost, so flushing never takes more than 1/(GAP_FACTOR+1) of a core; resyncs after lost
// events are paced the same way on their own cost.
import { diffSnapshots, emptyDiff, isEmptyDiff } from '../../../shared/core/diff';
import type { Snapshot, SnapshotDiff } from '../../../shared/core/types';
import { DEFAULT_RECONCILE_MS, type HelperEvent, type LiveSource, type SnapshotEvent } from '../../../shared/helperProtocol';
import { openProcConnector, type ProcConnector } from '../scan/procConnector';
import type { ProcEvent } from '../scan/procEvents';
import { Poller, takeHeadSnapshot, takeSnapshot, type PollOptions, type PollResult } from '../scan/poller';
import { StreamLabeller } from '../containers/streamLabeller';

const MIN_GAP_MS = 25;
const BURST = 4;
const GAP_FACTOR = 3;
/** More dirty PIDs than this between two flushes is treated as a gap: one full resync instead of a read each. */
const MAX_DIRTY = 20_000;
/** Zombie rechecks after an exit (a reap has no event): quick at first, then once a second while any remain. */
const ZOMBIE_DELAYS_MS = [5, 20, 80, 300, 1000];
const LOST_REPORT_MS = 1000;
/** Reconcile passes over which every process's pid_for_children is reread once. */
const PENDING_ROUND = 8;

export interface SubscribeOptions {
  intervalMs: number;
  events?: boolean;
  reconcileMs?: number;
  /** First subscribe only: send a partial snapshot (own namespace and init) before the full scan. */
  head?: boolean;
}

export class DiscoveryStream {
  private poller: Poller | null = null;
  private sent: Snapshot | null = null;
  /** Event diffs went out since `sent` was last set (they are computed incrementally, without a snapshot). */
  private sentStale = false;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private firstEvent: SnapshotEvent | null = null;
  private intervalMs = 0;
  private reconcileMs = DEFAULT_RECONCILE_MS;
  private wantEvents = true;
  private connector: ProcConnector | null = null;
  private why = '';
  private overflows = 0;
  // Event mode: what the events named since the last flush.
  private readonly dirtyRead = new Set<number>();
  private readonly dirtyExited = new Set<number>();
  private readonly dirtyForked = new Set<number>();
  private gapPending = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushImmediate: NodeJS.Immediate | null = null;
  private lastFlushEnd = 0;
  private lastFlushCost = 0;
  private tokens = BURST;
  private tokensAt = 0;
  private zombieTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private nextResyncAt = 0;
  private lostReport: NodeJS.Timeout | null = null;
  private zombieStep = 0;
  /** When the last holder pass ran (polling mode runs one every reconcileMs). */
  private holdersAt = 0;

  constructor(
    private readonly send: (event: HelperEvent) => void,
    private readonly procRoot = '/proc',
    private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void = () => undefined,
  ) {
    this.labeller = new StreamLabeller(procRoot, {
      log: (message) => this.send({ type: 'event', event: 'log', level: 'warn', message }),
      learned: () => this.relabelSoon(),
    });
  }

  /** Container labels: cached, looked up in the background, never on the poll's path. */
  private readonly labeller: StreamLabeller;
  /** The containers list the client has (event diffs keep it current). */
  private sentContainers: Snapshot['containers'] = undefined;
  private relabelTimer: NodeJS.Timeout | null = null;

  get subscribed(): boolean {
    return this.poller !== null;
  }

  /** What feeds the stream now (meaningful while subscribed). */
  get source(): LiveSource {
    const live = this.connector !== null;
    return {
      kind: live ? 'kernel-events' : 'polling',
      why: this.why,
      intervalMs: this.intervalMs,
      ...(live ? { reconcileMs: this.reconcileMs } : {}),
      overflows: this.overflows,
    };
  }

  snapshot(): Snapshot {
    if (this.poller === null) return this.labeller.label(takeSnapshot(this.procRoot), true).snapshot;
    // A snapshot request is authoritative: pending events first, then a poll (with the holder pass's
    // share: a reveal right after a create asks for one, and every fd at 10,000 processes is ~400 ms).
    this.flush();
    return this.tick({ holders: 'share' });
  }

  /** First call: a full `snapshot` event, then `diff` events. Later calls only change the interval and source. */
  subscribe(opts: SubscribeOptions): LiveSource {
    this.intervalMs = opts.intervalMs;
    this.reconcileMs = opts.reconcileMs ?? DEFAULT_RECONCILE_MS;
    const wantEvents = opts.events !== false && process.env.PIDNS_EVENTS !== '0';
    const first = this.poller === null;
    if (first) this.poller = new Poller({ procRoot: this.procRoot });
    if (first || wantEvents !== this.wantEvents) {
      this.wantEvents = wantEvents;
      // Subscribe before the first scan: an event for a process the scan already read costs a reread,
      // while a process forked between the scan and a later subscription would be missed until reconcile.
      this.setSource(wantEvents ? this.openEvents() : 'kernel events are turned off (setting pidnsExplorer.kernelEvents)');
    }
    if (first) {
      // Written now (stdout is a pipe: synchronous), a full scan's time before the rest.
      if (opts.head === true)
        this.send({ type: 'event', event: 'snapshot', seq: ++this.seq, snapshot: takeHeadSnapshot(this.procRoot), partial: true });
      const snapshot = this.labelled((this.poller as Poller).poll().snapshot, true).snapshot;
      this.holdersAt = Date.now();
      this.sent = snapshot;
      this.firstEvent = { type: 'event', event: 'snapshot', seq: ++this.seq, snapshot };
      // After the subscribe response (written when the handler's promise settles): the client learns the
      // subscription is accepted before data arrives. A diff never overtakes it (tick flushes it first).
      setImmediate(() => this.flushFirst());
    }
    this.schedule();
    return this.source;
  }

  unsubscribe(): void {
    this.firstEvent = null;
    this.closeEvents();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.poller?.close();
    this.poller = null;
    this.sent = null;
    this.sentStale = false;
    if (this.relabelTimer !== null) clearTimeout(this.relabelTimer);
    this.relabelTimer = null;
  }

  /** Try the proc connector; returns why the stream polls instead, or null when events are live. */
  private openEvents(): string | null {
    if (this.procRoot !== '/proc') return `the helper reads ${this.procRoot}, whose PIDs are not the kernel's global ones`;
    const rcvbuf = Number(process.env.PIDNS_EVENTS_RCVBUF);
    const r = openProcConnector(
      {
        events: (batch) => this.onEvents(batch),
        lost: () => this.onLost(),
        failed: (why) => this.onFailed(why),
      },
      Number.isInteger(rcvbuf) && rcvbuf > 0 ? { rcvbufBytes: rcvbuf } : {},
    );
    if (!r.ok) return r.why;
    this.connector = r.connector;
    this.log('info', `kernel events: receive buffer ${Math.round(r.connector.receiveBuffer() / 1024)} KiB`);
    return null;
  }

  private setSource(pollWhy: string | null): void {
    if (pollWhy === null) {
      this.why = 'the kernel reports every fork, exec and exit (proc connector)';
      this.log('info', `live source: kernel events, reconciled every ${this.reconcileMs / 1000} s`);
    } else {
      this.closeEvents();
      this.why = pollWhy;
      this.log('info', `live source: polling every ${this.intervalMs / 1000} s, because ${pollWhy}`);
    }
  }

  private closeEvents(): void {
    this.connector?.close();
    this.connector = null;
    for (const t of [this.flushTimer, this.zombieTimer, this.lostReport, this.resyncTimer]) if (t !== null) clearTimeout(t);
    if (this.flushImmediate !== null) clearImmediate(this.flushImmediate);
    this.flushTimer = this.zombieTimer = this.flushImmediate = this.lostReport = this.resyncTimer = null;
    this.dirtyRead.clear();
    this.dirtyExited.clear();
    this.dirtyForked.clear();
    this.gapPending = false;
  }

  private onEvents(batch: ProcEvent[]): void {
    // While a resync is owed, events change nothing: the resync reads everything anyway.
    if (this.poller === null || this.gapPending) return;
    for (const ev of batch) {
      switch (ev.kind) {
        case 'fork':
          // A new thread (child pid ≠ tgid) is not a new process.
          if (ev.childPid !== ev.childTgid) break;
          this.dirtyRead.add(ev.childTgid);
          this.dirtyForked.add(ev.parentTgid);
          break;
        case 'exec':
        case 'id':
          this.dirtyRead.add(ev.tgid);
          break;
        case 'comm':
          // A thread's name is not the process's Name: only the leader's comm is shown.
          if (ev.pid === ev.tgid) this.dirtyRead.add(ev.tgid);
          break;
        case 'exit':
          if (ev.pid === ev.tgid) this.dirtyExited.add(ev.tgid);
          break;
        default:
          break;
      }
    }
    if (this.dirtyRead.size + this.dirtyExited.size > MAX_DIRTY) this.gapPending = true;
    this.scheduleFlush();
  }

  private onLost(): void {
    this.overflows++;
    this.gapPending = true;
    this.scheduleFlush();
    // Said at most once a second (a storm overflows on every read): the count carries the rest.
    if (this.lostReport !== null) return;
    const report = (): void => {
      this.log('warn', `the kernel dropped process events (ENOBUFS, ${this.overflows} so far): resynchronising from /proc`);
      this.send({ type: 'event', event: 'liveSource', source: this.source });
    };
    report();
    // While overflows keep coming, one more report per second; the first quiet second ends it.
    let reported = this.overflows;
    const tick = (): void => {
      this.lostReport = null;
      if (this.overflows === reported || this.connector === null) return;
      reported = this.overflows;
      report();
      this.lostReport = setTimeout(tick, LOST_REPORT_MS);
      this.lostReport.unref();
    };
    this.lostReport = setTimeout(tick, LOST_REPORT_MS);
    this.lostReport.unref();
  }

  private onFailed(why: string): void {
    if (this.connector === null) return;
    this.connector = null;
    this.setSource(`kernel events failed (${why})`);
    this.send({ type: 'event', event: 'liveSource', source: this.source });
    // Whatever the events missed is caught by polling from now on, starting at once.
    this.schedule(0);
  }

  private scheduleFlush(): void {
    const now = performance.now();
    if (this.gapPending) {
      // After lost events the model is no base for more diffs (a namespace inode may have been reused
      // unseen): nothing is applied until the resync, which runs at once unless the last one was recent.
      if (this.resyncTimer !== null || this.flushImmediate !== null) return;
      if (this.flushTimer !== null) clearTimeout(this.flushTimer);
      this.flushTimer = null;
      this.resyncTimer = setTimeout(
        () => {
          this.resyncTimer = null;
          this.flush();
        },
        Math.max(0, this.nextResyncAt - now),
      );
      return;
    }
    if (this.flushTimer !== null || this.flushImmediate !== null) return;
    this.tokens = Math.min(BURST, this.tokens + (now - this.tokensAt) / MIN_GAP_MS);
    this.tokensAt = now;
    const wait = Math.max((1 - this.tokens) * MIN_GAP_MS, this.lastFlushEnd + GAP_FACTOR * this.lastFlushCost - now);
    // A lone event flushes on the next turn of the loop (events already queued join it); a burst waits.
    if (wait <= 0) {
      this.flushImmediate = setImmediate(() => {
        this.flushImmediate = null;
        this.flush();
      });
    } else {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.flush();
      }, wait);
    }
  }

  /**
   * Read what the events named and send the diff; after lost events, resynchronise with a full poll. A
   * resync (hundreds of ms at 10,000 processes) waits GAP_FACTOR times its own cost after the previous one,
   * so overflows that keep coming cannot keep the helper busy.
   */
  private flush(): void {
    if (this.poller === null || this.connector === null) return;
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    if (this.flushImmediate !== null) clearImmediate(this.flushImmediate);
    this.flushTimer = this.flushImmediate = null;
    const started = performance.now();
    try {
      if (this.gapPending) {
        if (started < this.nextResyncAt) {
          this.scheduleFlush();
          return;
        }
        this.gapPending = false;
        this.dirtyRead.clear();
        this.dirtyExited.clear();
        this.dirtyForked.clear();
        this.sendEventDiff(this.poller.pollDiff({ full: true }));
        const cost = performance.now() - started;
        this.nextResyncAt = started + cost * (GAP_FACTOR + 1);
        this.log('info', `resynchronised from /proc in ${Math.round(cost)} ms`);
        this.scheduleZombieCheck();
        return;
      }
      if (this.dirtyRead.size + this.dirtyExited.size + this.dirtyForked.size > 0 || this.poller.zombies > 0) {
        const touched = { read: [...this.dirtyRead], exited: [...this.dirtyExited], forked: [...this.dirtyForked] };
        this.dirtyRead.clear();
        this.dirtyExited.clear();
        this.dirtyForked.clear();
        this.sendEventDiff(this.poller.applyEvents(touched));
        if (touched.exited.length > 0) this.zombieStep = 0;
      }
    } catch (err) {
      this.send({
        type: 'event',
        event: 'log',
        level: 'error',
        message: `event flush failed: ${err instanceof Error ? err.message : String(err)}`,
      });
      this.gapPending = true;
    }
    this.lastFlushEnd = performance.now();
    this.lastFlushCost = this.lastFlushEnd - started;
    this.tokens = Math.max(0, this.tokens - 1);
    if (this.gapPending) this.scheduleFlush();
    this.scheduleZombieCheck();
  }

  /** A diff from the poller's live model (events, reconcile, resync). */
  private sendEventDiff(diff: SnapshotDiff | null): void {
    if (diff === null) return;
    this.labelDiff(diff);
    this.flushFirst();
    this.send({ type: 'event', event: 'diff', seq: ++this.seq, diff });
    // `sent` no longer matches the client: rebuilt from the poller before a poll diffs against it.
    this.sentStale = true;
  }

  /** While zombies wait for their reap (no event tells), recheck them with a growing delay. */
  private scheduleZombieCheck(): void {
    if (this.zombieTimer !== null) clearTimeout(this.zombieTimer);
    this.zombieTimer = null;
    if (this.poller === null || this.poller.zombies === 0) return;
    const delay = ZOMBIE_DELAYS_MS[Math.min(this.zombieStep++, ZOMBIE_DELAYS_MS.length - 1)];
    this.zombieTimer = setTimeout(() => {
      this.zombieTimer = null;
      this.scheduleFlush();
    }, delay);
    this.zombieTimer.unref();
  }

  private flushFirst(): void {
    if (this.firstEvent === null) return;
    const event = this.firstEvent;
    this.firstEvent = null;
    this.send(event);
  }

  /** Polling: every intervalMs. With events: the reconcile pass every reconcileMs. */
  private schedule(delayMs?: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const period = this.connector !== null ? this.reconcileMs : this.intervalMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      const started = Date.now();
      try {
        // The reconcile pass also rereads pid_for_children (a setns moves it without an event), a share
        // each time: every process's within PENDING_ROUND passes (4 minutes at the default 30 s).
        if (this.connector !== null && this.poller !== null)
          this.sendEventDiff(this.poller.pollDiff({ pendingRound: PENDING_ROUND, holders: 'share' }));
        else this.tick(started - this.holdersAt >= this.reconcileMs ? { holders: 'share' } : {});
      } catch (err) {
        // A failed poll (EMFILE, procfs gone) must not kill the helper from a timer: say so and retry.
        this.send({
          type: 'event',
          event: 'log',
          level: 'error',
          message: `poll failed: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
      // Fixed rate rather than a fixed gap: the poll's own duration must not stretch the period (a fork
      // just missed by one poll would otherwise wait interval + 2 polls). The floor keeps a slow poll on
      // a loaded host from turning into back-to-back scanning.
      const p = this.connector !== null ? this.reconcileMs : this.intervalMs;
      if (this.poller !== null) this.schedule(Math.max(p / 4, p - (Date.now() - started)));
    }, delayMs ?? period);
    // The stream alone must not keep the helper alive after stdin closed.
    this.timer.unref();
  }

  /** Poll once; send a diff if anything changed since the last event. */
  private tick(opts: PollOptions = {}): Snapshot {
    if (this.poller === null) throw new Error('not subscribed');
    if (this.sentStale) {
      this.sent = this.poller.model();
      this.sentStale = false;
    }
    if (opts.holders !== undefined) this.holdersAt = Date.now();
    return this.emit(this.poller.poll(opts));
  }

  private emit(polled: PollResult): Snapshot {
    if (this.sent === null) throw new Error('not subscribed');
    const { snapshot, relabelled } = this.labelled(polled.snapshot, polled.changed);
    if (polled.changed || relabelled || snapshot.unreadable !== this.sent.unreadable) {
      const diff = diffSnapshots(this.sent, snapshot);
      if (!isEmptyDiff(diff) || diff.unreadable !== this.sent.unreadable) {
        this.flushFirst();
        this.send({ type: 'event', event: 'diff', seq: ++this.seq, diff });
      }
      this.sent = snapshot;
    }
    return snapshot;
  }

  /** The labeller's output, remembered as what the client will have. */
  private labelled(snapshot: Snapshot, changed: boolean): { snapshot: Snapshot; relabelled: boolean } {
    const out = this.labeller.label(snapshot, changed);
    this.sentContainers = out.snapshot.containers;
    return out;
  }

  /**
   * Container labels on an event diff, from the labeller's caches and the poller's table: what the diff
   * touches, never a pass over the host (the VS Code server's own ps/ls churn, or another user's
   * containers and namespaces, would otherwise cost a model rebuild and relabel per fork).
   */
  private labelDiff(diff: SnapshotDiff): void {
    const poller = this.poller;
    const self = this.sent?.self.nsInode; // constant for the helper's life: no model rebuild to learn it
    if (poller === null || self === undefined) return;
    const list = this.labeller.labelDiff(diff, (pid) => poller.process(pid), self, this.sentContainers);
    if (list === undefined) return;
    diff.containers = list;
    this.sentContainers = list;
  }

  /** An engine answered: send the new names soon (with events nothing polls for 30 s). */
  private relabelSoon(): void {
    if (this.relabelTimer !== null || this.poller === null) return;
    this.relabelTimer = setTimeout(() => {
      this.relabelTimer = null;
      if (this.poller === null || this.sent === null) return;
      const before = this.sentContainers;
      const { snapshot } = this.labelled(this.poller.model(), false);
      if (JSON.stringify(before ?? []) === JSON.stringify(snapshot.containers ?? [])) return;
      this.flushFirst();
      this.send({
        type: 'event',
        event: 'diff',
        seq: ++this.seq,
        diff: { ...emptyDiff(snapshot.unreadable, snapshot.takenAt), containers: snapshot.containers ?? [] },
      });
      this.sentStale = true;
    }, 50);
    this.relabelTimer.unref();
  }
}
