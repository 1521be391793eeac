// The snapshot/subscribe/unsubscribe ops: one Poller shared by the stream and on-demand snapshots, so a
// `snapshot` request during a subscription also advances the stream (a diff is sent first) and the
// client's applied state never skips a change.
import { diffSnapshots, isEmptyDiff } from '../../../shared/core/diff';
import type { Snapshot } from '../../../shared/core/types';
import type { HelperEvent, SnapshotEvent } from '../../../shared/helperProtocol';
import { StreamLabeller } from '../containers/streamLabeller';
import { Poller, takeSnapshot } from '../scan/poller';

export class DiscoveryStream {
  private poller: Poller | null = null;
  private sent: Snapshot | null = null;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private firstEvent: SnapshotEvent | null = null;
  private intervalMs = 0;

  /** Container labels: cached, looked up in the background, never on the poll's path. */
  private readonly labeller: StreamLabeller;

  constructor(
    private readonly send: (event: HelperEvent) => void,
    private readonly procRoot = '/proc',
  ) {
    this.labeller = new StreamLabeller(procRoot, { log: (message) => this.send({ type: 'event', event: 'log', level: 'warn', message }) });
  }

  get subscribed(): boolean {
    return this.poller !== null;
  }

  snapshot(): Snapshot {
    return this.poller === null ? this.labeller.label(takeSnapshot(this.procRoot), true).snapshot : this.tick();
  }

  /** First call: a full `snapshot` event, then `diff` events. Later calls only change the interval. */
  subscribe(intervalMs: number): void {
    this.intervalMs = intervalMs;
    if (this.poller === null) {
      this.poller = new Poller({ procRoot: this.procRoot });
      const snapshot = this.labeller.label(this.poller.poll().snapshot, true).snapshot;
      this.sent = snapshot;
      this.firstEvent = { type: 'event', event: 'snapshot', seq: ++this.seq, snapshot };
      // After the subscribe response (written when the handler's promise settles): the client learns the
      // subscription is accepted before data arrives. A diff never overtakes it (tick flushes it first).
      setImmediate(() => this.flushFirst());
    }
    this.schedule();
  }

  private flushFirst(): void {
    if (this.firstEvent === null) return;
    const event = this.firstEvent;
    this.firstEvent = null;
    this.send(event);
  }

  unsubscribe(): void {
    this.firstEvent = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.poller?.close();
    this.poller = null;
    this.sent = null;
  }

  private schedule(delayMs = this.intervalMs): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const started = Date.now();
      try {
        this.tick();
      } catch (err) {
        // A failed poll (EMFILE, procfs gone) must not kill the helper from a timer: say so and retry.
        this.send({ type: 'event', event: 'log', level: 'error', message: `poll failed: ${err instanceof Error ? err.message : String(err)}` });
      }
      // Fixed rate rather than a fixed gap: the poll's own duration must not stretch the period (a fork
      // just missed by one poll would otherwise wait interval + 2 polls). The floor keeps a slow poll on
      // a loaded host from turning into back-to-back scanning.
      if (this.poller !== null) this.schedule(Math.max(this.intervalMs / 4, this.intervalMs - (Date.now() - started)));
    }, delayMs);
    // The stream alone must not keep the helper alive after stdin closed.
    this.timer.unref();
  }

  /** Poll once; send a diff if anything changed since the last event. */
  private tick(): Snapshot {
    if (this.poller === null || this.sent === null) throw new Error('not subscribed');
    const polled = this.poller.poll();
    const { snapshot, relabelled } = this.labeller.label(polled.snapshot, polled.changed);
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
}
