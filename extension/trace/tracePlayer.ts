// The host side of a trace replay: owns the clock (position, play/pause, speed) and sends the graph webview
// the trace's state at the current moment as the same snapshot/diff messages the live graph gets. Moving
// forward by a few recorded changes sends exactly those diffs; any other move (back, or far) takes the
// state from the nearest keyframe (stateAt) and sends the difference to what the webview shows, so the
// webview redraws only what differs and a seek costs one keyframe at most.
// No vscode import: the webview tests drive the real bundle with this class as the host.
import { diffTimes, stateAt, type Trace } from '../../shared/core/trace';
import { countAtOrBefore } from '../../shared/core/timeOrder';
import { traceEvents, type TraceEvents } from '../../shared/core/traceEvents';
import { diffSnapshots, isEmptyDiff } from '../../shared/core/diff';
import type { Snapshot, SnapshotDiff } from '../../shared/core/types';
import type { HostToWebview, ReplayControlMessage, ReplayMessage } from '../../shared/webviewProtocol';

/** Speeds the timeline offers (× real time). */
export const REPLAY_SPEEDS = [0.5, 1, 2, 5, 10, 60];
/** How often a playing replay moves on (real ms). */
const TICK_MS = 100;
/** Forward by at most this many recorded diffs: send them one by one; more: one difference. */
const MAX_STEP_DIFFS = 20;

export interface PlayerClock {
  now(): number;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_CLOCK: PlayerClock = {
  now: () => performance.now(),
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class TracePlayer {
  /** What the webview shows, and the moment it is of; null until the webview said ready. */
  private shown: Snapshot | null = null;
  private position = 0;
  private playing = false;
  private speed = 1;
  private timer: unknown;
  private lastTick = 0;
  private readonly changes: number[];
  private info: ReplayMessage | undefined;

  constructor(
    private readonly trace: Trace,
    /** `state`: the whole model once the message is applied, when the player has it at hand (drawnFeed.ts's DrawnRelay). */
    private readonly post: (m: HostToWebview, state?: Snapshot) => void,
    private readonly clock: PlayerClock = REAL_CLOCK,
    /** The trace's events when the caller has read them already (in slices: see traceEditor.ts). */
    private readonly events?: TraceEvents,
  ) {
    this.changes = diffTimes(trace);
  }

  /** Where the replay is (ms from the trace's start). */
  get t(): number {
    return this.position;
  }

  get isPlaying(): boolean {
    return this.playing;
  }

  /** The webview (re)loaded its page: the timeline, then the whole state at the current moment. */
  ready(): void {
    this.info ??= this.makeInfo();
    this.post(this.info);
    this.shown = stateAt(this.trace, this.position);
    this.post({ type: 'snapshot', snapshot: this.shown }, this.shown);
    this.postPosition();
  }

  /** The webview was hidden (VS Code drops its DOM): nothing is sent until it is ready again. */
  hidden(): void {
    this.shown = null;
    this.pause();
  }

  control(m: ReplayControlMessage): void {
    switch (m.action) {
      case 'play':
        if (this.position >= this.trace.endT) this.moveTo(0);
        this.playing = true;
        this.lastTick = this.clock.now();
        this.schedule();
        return this.postPosition();
      case 'pause':
        this.pause();
        return this.postPosition();
      case 'previous': {
        const before = this.changes.filter((c) => c < this.position);
        this.pause();
        return this.moveTo(before.length > 0 ? before[before.length - 1] : 0);
      }
      case 'next': {
        const after = this.changes.find((c) => c > this.position);
        this.pause();
        return this.moveTo(after ?? this.trace.endT);
      }
      case 'seek':
        if (typeof m.t === 'number' && Number.isFinite(m.t)) this.moveTo(m.t);
        return;
      case 'speed':
        if (typeof m.speed === 'number' && REPLAY_SPEEDS.includes(m.speed)) this.speed = m.speed;
        return this.postPosition();
    }
  }

  dispose(): void {
    this.pause();
    this.shown = null;
  }

  private pause(): void {
    this.playing = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => this.tick(), TICK_MS);
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.playing) return;
    const now = this.clock.now();
    const t = this.position + (now - this.lastTick) * this.speed;
    this.lastTick = now;
    if (t >= this.trace.endT) {
      this.playing = false;
      this.moveTo(this.trace.endT);
      return;
    }
    this.moveTo(Math.round(t));
    this.schedule();
  }

  /** Show the state at t (clamped to the trace) and say where we are. */
  private moveTo(target: number): void {
    const t = Math.min(this.trace.endT, Math.max(0, Math.round(target)));
    if (this.shown !== null) {
      const step = this.forwardDiffs(this.position, t);
      if (step !== null) {
        // The same state as applying `step` to what is shown; stateAt keeps its working state, so
        // this applies only `step` (or starts from the keyframe that `step` crossed).
        const after = stateAt(this.trace, t);
        step.forEach((diff, i) => this.post({ type: 'diff', diff }, i === step.length - 1 ? after : undefined));
        this.shown = after;
      } else {
        const next = stateAt(this.trace, t);
        const diff = diffSnapshots(this.shown, next);
        if (!isEmptyDiff(diff)) this.post({ type: 'diff', diff, jump: true }, next);
        this.shown = next;
      }
    }
    this.position = t;
    this.postPosition();
  }

  /** The recorded diffs in (from, to], when moving forward by only a few; else null. */
  private forwardDiffs(from: number, to: number): SnapshotDiff[] | null {
    if (to < from) return null;
    const entries = this.trace.entries;
    const out: SnapshotDiff[] = [];
    // From the first entry after `from` (entries are in time order).
    for (let i = countAtOrBefore(entries, from); i < entries.length && entries[i].t <= to; i++) {
      const e = entries[i];
      if ('diff' in e) out.push(e.diff);
      if (out.length > MAX_STEP_DIFFS) return null;
    }
    return out;
  }

  private postPosition(): void {
    this.post({ type: 'replayAt', t: this.position, playing: this.playing, speed: this.speed });
  }

  private makeInfo(): ReplayMessage {
    const { events, omitted } = this.events ?? traceEvents(this.trace);
    const h = this.trace.header.host;
    return {
      type: 'replay',
      startedAt: this.trace.header.startedAt,
      endT: this.trace.endT,
      changes: this.changes,
      events,
      eventsOmitted: omitted,
      source: `recorded on ${h.hostname} (kernel ${h.kernel}) as uid ${h.uid}${this.trace.end === null ? ', ended abruptly' : ''}`,
    };
  }
}
