// The one module of message types between the extension host and the namespace-graph webview.
// Both sides import it, so a renamed field breaks the build on both sides at once.
//
// Flow: the webview posts `ready` once its script runs (also after every hide/show, because VS Code
// throws the DOM away); the host answers with `config` and a `snapshot`, then sends a `diff` for each
// change. The webview is sent what it draws (issue 13): a live snapshot carries every namespace with its
// member count, the PID 1 of each, and the processes of the namespaces it `holds`; the webview says with
// `draw` which namespaces' rows it draws, and the host answers with their `rows`. Diffs carry changes to
// held processes, namespace changes and new counts only. Search asks the host (`find` / `found`): the host
// keeps the one full model. A snapshot without `held` (a trace's replay) is the whole model. Everything the webview wants done (reveal, terminal, signals) goes back as a
// request that the HOST carries out: the webview itself has no privileges and no Node APIs.

import type { ProcessInfo, Snapshot, SnapshotDiff } from './core/types';

/** Bumped on an incompatible change; the webview shows an error instead of misreading messages. */
export const WEBVIEW_PROTOCOL_VERSION = 2;

/** Stable key of a namespace across one lifetime: nsfs device and inode. */
export interface NsRef {
  dev: number;
  inode: number;
}

/** Stable key of a process: a PID alone is reused, (pid, startTime) is not. */
export interface ProcRef {
  /** Caller-level (host) PID. */
  pid: number;
  startTime: number;
}

// ---------------------------------------------------------------- host → webview

/** Theme-independent settings; colours come from the --vscode-* CSS variables, never from here. */
export interface GraphConfig {
  /** A namespace with more member processes than this starts collapsed to a count and a search box. */
  collapseAbove: number;
  /** Most rows an expanded or searched card draws; the rest is summarised as "and N more". */
  maxRowsPerCard: number;
  /** Respect the user's reduced-motion preference even if the OS setting is not passed through. */
  animate: boolean;
}

export const DEFAULT_GRAPH_CONFIG: GraphConfig = { collapseAbove: 40, maxRowsPerCard: 500, animate: true };

export interface ConfigMessage {
  type: 'config';
  protocol: number;
  config: GraphConfig;
}

/** Member counts by namespace key (shared/core/identity.ts nsKey), for namespaces whose rows the webview may not hold. */
export type NsCounts = [key: string, members: number][];

/** Full replacement of the model (first snapshot, helper restart, or after the view was hidden). */
export interface SnapshotMessage {
  type: 'snapshot';
  /**
   * Every namespace (with `held`: its `pids` left empty, `counts` stand for them) and container; of the
   * processes, only those of the `held` namespaces, the PID 1 of every
   * namespace, and any the webview was sent by `rows` or `found` before. All of them when `held` is absent.
   */
  snapshot: Snapshot;
  /** Keys of the namespaces whose processes are all in `snapshot`; absent: all are. */
  held?: string[];
  /** Member count of every namespace (with `held`). */
  counts?: NsCounts;
  /** Namespaces this window created ("Create Nested PID Namespaces"): never grouped away, marked on their cards. */
  created?: NsRef[];
}

/** Incremental update on top of the last snapshot/diff the webview received. */
export interface DiffMessage {
  type: 'diff';
  /** Process changes only for the processes the webview holds (or now holds: new ones of held namespaces, new inits). */
  diff: SnapshotDiff;
  /** New member counts of the namespaces whose count changed (after a snapshot with `held`). */
  counts?: NsCounts;
  /** When present, replaces the set of namespaces created here (see SnapshotMessage). */
  created?: NsRef[];
  /**
   * A jump rather than a change as it happened (a replay's seek: the difference between two moments): drawn
   * at once, without the glides that let the eye follow a live change.
   */
  jump?: true;
}

/** The answer to `draw` (and processes the host wants shown: a reveal's, a lesson's): more processes to hold. */
export interface RowsMessage {
  type: 'rows';
  /** Namespaces whose processes are now all held: their members are replaced by the ones sent here. */
  held: string[];
  processes: ProcessInfo[];
}

/** The answer to `find`: the processes that match, which the webview holds from now on (and gets the changes of). */
export interface FoundMessage {
  type: 'found';
  id: number;
  query: string;
  processes: ProcessInfo[];
}

/** Select a node and centre it ("Show in Graph" from the tree's context menu or an editor hover). */
export interface RevealMessage {
  type: 'reveal';
  target: GraphTarget;
}

/** The host could not reach the helper, or lost it: shown as a banner over the graph. */
export interface StatusMessage {
  type: 'status';
  /** null clears the banner. */
  message: string | null;
  severity: 'info' | 'warning' | 'error';
}

/**
 * What a guided experiment's step points at (extension/lessons/): the named cards and rows are outlined, an
 * arrow may join two rows, and a caption says what happens. It holds through snapshots and diffs (a redrawn
 * card keeps its outline; one that appears later gets it) until a newer highlight, a null one, or `untilMs`.
 */
export interface Highlight {
  /** One line over the graph, e.g. "Level 2's init adopts the orphan". */
  caption: string;
  namespaces: NsRef[];
  processes: ProcRef[];
  /** An arrow from one process row to another: the orphan to the init that adopted it. */
  arrow?: { from: ProcRef; to: ProcRef };
  /**
   * The outlines and the arrow go by themselves after this many ms (should the host never send the null). The
   * caption stays until the host clears it or the person dismisses it: a graph that opens late (a slow machine, a
   * panel shown again) still says what the step did.
   */
  untilMs?: number;
}

export interface HighlightMessage {
  type: 'highlight';
  /** null clears. */
  highlight: Highlight | null;
}

// Replay of a trace file (the trace editor, extension/trace/): the same graph, fed the trace's state at the
// chosen moment as snapshot/diff messages, with a timeline under it. The host owns the clock; the webview
// only shows where it is and asks for moves.

/** Something a person would look for in a trace; `t` is ms from the trace's start. */
export interface ReplayEvent {
  t: number;
  kind: 'started' | 'exec' | 'exited' | 'nsCreated' | 'nsGone';
  text: string;
}

/** Enters replay mode: what the timeline needs to draw itself. */
export interface ReplayMessage {
  type: 'replay';
  /** ISO 8601 time of t = 0. */
  startedAt: string;
  /** Length of the trace in ms. */
  endT: number;
  /** The times of the recorded changes, ascending (the ticks and the "previous/next change" steps). */
  changes: number[];
  events: ReplayEvent[];
  /** Events not listed (the list is capped; namespace events are always listed). */
  eventsOmitted: number;
  /** "recorded on HOST (kernel …) as uid 0", for the header line. */
  source: string;
}

/** Where the replay is now (after the graph was sent that moment's state). */
export interface ReplayAtMessage {
  type: 'replayAt';
  t: number;
  playing: boolean;
  speed: number;
}

export type HostToWebview =
  | ConfigMessage
  | SnapshotMessage
  | DiffMessage
  | RowsMessage
  | FoundMessage
  | RevealMessage
  | StatusMessage
  | HighlightMessage
  | ReplayMessage
  | ReplayAtMessage;

// ---------------------------------------------------------------- webview → host

export type GraphTarget = { kind: 'namespace'; ns: NsRef } | { kind: 'process'; proc: ProcRef };

export interface ReadyMessage {
  type: 'ready';
  protocol: number;
}

/** The namespaces whose process rows the webview draws (replaces the last such list); the host answers with `rows`. */
export interface DrawMessage {
  type: 'draw';
  namespaces: string[];
}

/**
 * Search (the toolbar's or a group card's) over processes the webview may not hold: the host answers `found` with
 * the processes that match (webview/search.ts's rule, shared/core/processQuery.ts), at most MAX_FOUND.
 */
export interface FindMessage {
  type: 'find';
  id: number;
  query: string;
}

/** More matches than the toolbar's search lists (its MAX_HITS) are not sent: it says "5000+" either way. */
export const MAX_FOUND = 5001;

/** Click on a card or a process row: the host reveals the same item in the tree sidebar. */
export interface RevealInTreeMessage {
  type: 'revealInTree';
  target: GraphTarget;
}

/** Open an integrated terminal whose shell runs inside this namespace (the host asks the helper). */
export interface OpenTerminalMessage {
  type: 'openTerminal';
  ns: NsRef;
}

/** Kill the namespace's PID 1, which takes down every process in it; the host asks for confirmation. */
export interface KillInitMessage {
  type: 'killInit';
  ns: NsRef;
}

/** Send a signal to one process; the host asks which signal when `signal` is absent. */
export interface SendSignalMessage {
  type: 'sendSignal';
  proc: ProcRef;
  signal?: string;
}

/** The person closed the lesson's caption: the host forgets the highlight, so no view shows it again. */
export interface DismissHighlightMessage {
  type: 'dismissHighlight';
}

export interface LogMessage {
  type: 'log';
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/** A timeline control in replay mode. */
export type ReplayControlMessage =
  | { type: 'replayControl'; action: 'play' | 'pause' | 'previous' | 'next' }
  | { type: 'replayControl'; action: 'seek'; t: number }
  | { type: 'replayControl'; action: 'speed'; speed: number };

export type WebviewToHost =
  | ReadyMessage
  | DrawMessage
  | FindMessage
  | RevealInTreeMessage
  | OpenTerminalMessage
  | KillInitMessage
  | SendSignalMessage
  | LogMessage
  | DismissHighlightMessage
  | ReplayControlMessage;

// Every message type, once per direction. A Record over the union's `type` makes a type added to the union
// and missing here (or a stale one left here) a compile error, so the guards below cannot fall behind.
const WEBVIEW_TO_HOST_TYPES: Record<WebviewToHost['type'], true> = {
  ready: true,
  draw: true,
  find: true,
  revealInTree: true,
  openTerminal: true,
  killInit: true,
  sendSignal: true,
  log: true,
  dismissHighlight: true,
  replayControl: true,
};

const HOST_TO_WEBVIEW_TYPES: Record<HostToWebview['type'], true> = {
  config: true,
  snapshot: true,
  diff: true,
  rows: true,
  found: true,
  reveal: true,
  status: true,
  highlight: true,
  replay: true,
  replayAt: true,
};

function hasType(value: unknown, types: Record<string, true>): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  // Own keys only: "toString" or "constructor" is not a message type.
  return typeof type === 'string' && Object.hasOwn(types, type);
}

/** Narrow an unknown value that arrived through postMessage to a webview→host message; malformed input is dropped. */
export function isWebviewToHost(value: unknown): value is WebviewToHost {
  return hasType(value, WEBVIEW_TO_HOST_TYPES);
}

/** Narrow an unknown value that arrived through postMessage to a host→webview message. */
export function isHostToWebview(value: unknown): value is HostToWebview {
  return hasType(value, HOST_TO_WEBVIEW_TYPES);
}
