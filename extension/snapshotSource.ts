// What the views (tree, hovers, graph) need from the live model, so that each can be written and tested
// against this interface alone. The extension's helper client implements it.
import type * as vscode from 'vscode';
import type { Snapshot, SnapshotDiff } from '../shared/core/types';

export interface SnapshotChange {
  snapshot: Snapshot;
  /** Absent for a full replacement (first snapshot, helper restart). */
  diff?: SnapshotDiff;
  /** The source switched between the live model and a trace's (trace/followedSource.ts): a whole other model. */
  switched?: boolean;
}

export interface SnapshotSource {
  /** The latest snapshot, or undefined before the first one arrived. */
  current(): Snapshot | undefined;
  readonly onDidChange: vscode.Event<SnapshotChange>;
  /** A view became visible (true) or hidden (false): polling runs only while at least one view wants it. */
  setViewVisible(viewId: string, visible: boolean): void;
}
