// The tree's source while a trace editor is the active editor (issue 12: "the tree view following the trace"):
// the live SnapshotSource, or the state the trace editor shows at its current moment. One switch here, so the
// tree, its calm refreshes and its commands need not know where a snapshot comes from; `followed` says whether
// it is the past. No vscode import (its Event is only a type), so it is unit tested in plain Node.
import type * as vscode from 'vscode';
import type { Snapshot } from '../../shared/core/types';
import type { SnapshotChange, SnapshotSource } from '../snapshotSource';

/** A trace editor's moment, as the tree shows it. */
export interface TraceMoment {
  /** The trace file's URI (which trace), and its name (what the tree's message says). */
  uri: string;
  file: string;
  /** Milliseconds from the trace's start. */
  t: number;
  /** The trace's state at t (what the editor's graph shows). */
  snapshot: Snapshot;
}

/** vscode.EventEmitter's part that is needed here, without the vscode module. */
class Emitter<T> {
  private readonly listeners = new Set<(e: T) => void>();

  readonly event: vscode.Event<T> = (listener, thisArgs?: unknown, disposables?: vscode.Disposable[]) => {
    const f = (e: T): void => void listener.call(thisArgs, e);
    this.listeners.add(f);
    const d = { dispose: () => void this.listeners.delete(f) };
    disposables?.push(d);
    return d;
  };

  fire(e: T): void {
    for (const f of [...this.listeners]) f(e);
  }

  clear(): void {
    this.listeners.clear();
  }
}

export class FollowedSource implements SnapshotSource {
  private moment: TraceMoment | undefined;
  private readonly changed = new Emitter<SnapshotChange>();
  private readonly momentChanged = new Emitter<TraceMoment | undefined>();
  private readonly liveSub: { dispose(): unknown };
  readonly onDidChange = this.changed.event;
  /** The moment shown changed (another t, another state, or back to live): the tree's message follows it. */
  readonly onDidChangeMoment = this.momentChanged.event;

  constructor(private readonly live: SnapshotSource) {
    // The live model's changes reach the tree only while it shows the live model.
    this.liveSub = live.onDidChange((c) => {
      if (!this.moment) this.changed.fire(c);
    });
  }

  current(): Snapshot | undefined {
    return this.moment?.snapshot ?? this.live.current();
  }

  /** The trace moment shown instead of the live model, or undefined (live). */
  get followed(): TraceMoment | undefined {
    return this.moment;
  }

  /** Polling follows the views on screen, whatever they show: the live model is back at once when needed. */
  setViewVisible(viewId: string, visible: boolean): void {
    this.live.setViewVisible(viewId, visible);
  }

  /** Show this trace moment (undefined: the live model again). Fires only when what is shown changes. */
  follow(moment: TraceMoment | undefined): void {
    const before = this.moment;
    this.moment = moment;
    if (before?.t !== moment?.t || before?.uri !== moment?.uri || before?.snapshot !== moment?.snapshot) this.momentChanged.fire(moment);
    // Same state at another t (a step between two recorded changes): nothing for the tree to redraw.
    if (before?.snapshot === moment?.snapshot && before?.uri === moment?.uri) return;
    const snapshot = this.current();
    if (!snapshot) return;
    this.changed.fire({ snapshot, switched: before === undefined || moment === undefined || before.uri !== moment.uri });
  }

  dispose(): void {
    this.liveSub.dispose();
    this.changed.clear();
    this.momentChanged.clear();
  }
}

/** "12.4 s" as "00:12.4", "3725 s" as "62:05.0": a position on the trace's timeline. */
export function formatTracePosition(ms: number): string {
  const tenths = Math.floor(Math.max(0, ms) / 100);
  const min = Math.floor(tenths / 600);
  const sec = Math.floor((tenths % 600) / 10);
  return `${String(min).padStart(2, '0')}:${String(sec).padStart(2, '0')}.${tenths % 10}`;
}

/** The tree view's message while it shows a trace: which file, which moment, and that it is not live. */
export function traceTreeMessage(m: Pick<TraceMoment, 'file' | 't' | 'snapshot'>): string {
  const clock = new Date(m.snapshot.takenAt).toTimeString().slice(0, 8);
  return `Trace ${m.file} at ${formatTracePosition(m.t)} (${clock}): not the live machine. Leave the trace editor to see it live.`;
}
