// Records the discovery stream: the same events `pidns helper` sends a subscriber (a snapshot, then
// diffs), turned into trace lines by the pure encoder and appended to a sink. Owns no timer and no poller:
// whoever drives the DiscoveryStream feeds onEvent, so the trace is exactly what a client would have seen.
import { hostname, release } from 'node:os';
import type { HelperEvent } from '../../../shared/helperProtocol';
import { DEFAULT_KEYFRAMES, TraceEncoder, type KeyframePolicy, type TraceHost } from '../../../shared/core/trace';
import type { TraceSink } from './traceFile';

export interface RecordingStats {
  bytes: number;
  keyframes: number;
  diffs: number;
  /** Milliseconds from the first snapshot to the end record; 0 when nothing was recorded. */
  durationMs: number;
}

export function hostInfo(intervalMs: number): TraceHost {
  return { hostname: hostname(), kernel: release(), uid: process.geteuid?.() ?? 0, intervalMs };
}

export class TraceRecorder {
  private readonly encoder: TraceEncoder;
  private startMs = 0;
  private stopped = false;

  constructor(
    private readonly sink: TraceSink,
    host: TraceHost,
    policy: KeyframePolicy = DEFAULT_KEYFRAMES,
  ) {
    this.encoder = new TraceEncoder(host, policy);
  }

  /** True once the first snapshot is written. */
  get started(): boolean {
    return this.encoder.started;
  }

  /** Feed every event of the stream; other events (log, progress) are not part of a trace. */
  onEvent(event: HelperEvent): void {
    if (this.stopped) return;
    if (event.event === 'snapshot') {
      this.startMs = event.snapshot.takenAt;
      this.sink.write(this.encoder.start(event.snapshot));
    } else if (event.event === 'diff') {
      this.sink.write(this.encoder.diff(event.diff));
    }
  }

  /** Writes the end record (when anything was recorded) and closes the sink. */
  async stop(reason: string): Promise<RecordingStats> {
    this.stopped = true;
    const now = Date.now();
    if (this.encoder.started) this.sink.write(this.encoder.end(reason, now));
    const bytes = await this.sink.close();
    return { bytes, ...this.encoder.counts, durationMs: this.encoder.started ? Math.max(0, now - this.startMs) : 0 };
  }
}
