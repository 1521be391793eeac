// The one module of message types between the helper (`pidns helper`, maybe running as root through
// pkexec/sudo) and its client (the extension host, tests). Both sides import it.
//
// Wire format: one JSON object per line (UTF-8, `\n`-terminated) on the helper's stdin (requests) and
// stdout (responses and events). stderr carries free-form log lines only. The helper writes a `hello`
// event as soon as it starts, before reading anything, so a client knows the privilege step succeeded.

import type { NamespaceInfo, ProcessInfo, Snapshot, SnapshotDiff } from './core/types';

/** Bumped on any incompatible change; the client refuses a helper with another major. */
export const PROTOCOL_VERSION = 1;

/** Longest request line the helper accepts; a longer one is discarded (up to its newline) with an error reply. */
export const MAX_REQUEST_BYTES = 64 * 1024;

export const MIN_POLL_MS = 100;
export const MAX_POLL_MS = 60_000;
/** Bounds of the reconcile pass that runs beside kernel events (what no event reports). */
export const MIN_RECONCILE_MS = 1000;
export const MAX_RECONCILE_MS = 3_600_000;
export const DEFAULT_RECONCILE_MS = 30_000;
/** The kernel's nesting limit below the initial PID namespace. */
export const MAX_PID_NS_LEVEL = 32;

// ---------------------------------------------------------------- requests (client → helper)

interface RequestBase {
  /** Chosen by the client, echoed in the response; a non-negative integer. */
  id: number;
}

export interface SnapshotRequest extends RequestBase {
  op: 'snapshot';
}

/** Start streaming: one `snapshot` event, then `diff` events each time something changed. Re-subscribing changes the interval. */
export interface SubscribeRequest extends RequestBase {
  op: 'subscribe';
  /** Poll interval when polling (no kernel events here, or `events: false`). */
  intervalMs: number;
  /** Use the kernel's process events where available (default true); false: always poll. */
  events?: boolean;
  /** With kernel events: how often a full incremental poll reconciles what no event reports (default 30 s). */
  reconcileMs?: number;
  /**
   * On the first subscribe, send a `partial` snapshot of the helper's own namespace and its init (a few reads)
   * before the full one, so a view shows its root while thousands of processes are scanned. Only for a helper
   * whose hello says `snapshotHead` (older helpers reject unknown fields).
   */
  head?: boolean;
}

export interface UnsubscribeRequest extends RequestBase {
  op: 'unsubscribe';
}

/** Create a chain of `depth` nested PID namespaces; progress arrives as `createProgress`, the response when it is ready. */
export interface CreateRequest extends RequestBase {
  op: 'create';
  depth: number;
  /** Give each level a private mount namespace with its own procfs on /proc (default true). */
  mountProc?: boolean;
  /** argv of the command to run in the innermost level, as the requesting user; default: sleep until destroyed. No shell is involved. */
  command?: string[];
}

export interface DestroyRequest extends RequestBase {
  op: 'destroy';
  chainId: string;
}

/** Send a signal to a process the helper created or that the requesting user owns. */
export interface SignalRequest extends RequestBase {
  op: 'signal';
  pid: number;
  /** When given, the signal is only sent if the process still has this start time (guards against PID reuse). */
  startTime?: number;
  /** Name such as "SIGTERM" or "TERM", or a number. */
  signal: string | number;
  /**
   * 'ancestor' (default): sent from the helper, which lives in an ancestor namespace.
   * 'inside': sent by a process inside the target's own namespace (shows that an init ignores signals it has no handler for).
   */
  from?: 'ancestor' | 'inside';
}

/** Inside a chain's level, start a process whose parent exits at once, so the level's init must adopt and reap it. */
export interface OrphanRequest extends RequestBase {
  op: 'orphan';
  chainId: string;
  level: number;
  /** How long the orphan lives before exiting, in ms (default 2000, max 600000). */
  lifetimeMs?: number;
}

export interface ListChainsRequest extends RequestBase {
  op: 'chains';
}

/** Ask the helper to tear down its chains and exit 0. */
export interface ShutdownRequest extends RequestBase {
  op: 'shutdown';
}

export type HelperRequest =
  | SnapshotRequest
  | SubscribeRequest
  | UnsubscribeRequest
  | CreateRequest
  | DestroyRequest
  | SignalRequest
  | OrphanRequest
  | ListChainsRequest
  | ShutdownRequest;

export type HelperOp = HelperRequest['op'];

// ---------------------------------------------------------------- responses (helper → client)

export interface ChainLevel {
  /** 1 for the outermost created namespace, `depth` for the innermost. */
  level: number;
  /** Inode of that level's PID namespace. */
  ns: number;
  /** Caller-level PID of that level's PID 1. */
  init: number;
}

export interface ChainInfo {
  chainId: string;
  depth: number;
  mountProc: boolean;
  levels: ChainLevel[];
  /** Caller-level PID of the leaf command's process. */
  leaf: number;
  /** uid the leaf command runs as. */
  uid: number;
  /** How the chain was built: the native init, or the util-linux fallback. */
  engine: 'native' | 'unshare';
}

/**
 * Where the stream's changes come from. 'kernel-events': the proc connector tells the helper of every fork,
 * exec, exit, comm and uid change at once, with a reconcile poll every `reconcileMs`; 'polling': /proc is
 * rescanned every `intervalMs`. `why` says in words why this source (why events are unavailable, or off).
 */
export interface LiveSource {
  kind: 'kernel-events' | 'polling';
  why: string;
  intervalMs: number;
  reconcileMs?: number;
  /** Times the kernel dropped events for this helper (ENOBUFS) and it resynchronised from /proc. */
  overflows: number;
}

export interface ResultMap {
  snapshot: Snapshot;
  /** `source` is absent from helpers older than kernel events (they always poll). */
  subscribe: { intervalMs: number; source?: LiveSource };
  unsubscribe: Record<string, never>;
  create: ChainInfo;
  destroy: { chainId: string };
  signal: { pid: number; signal: number };
  orphan: { pid: number; level: number };
  chains: { chains: ChainInfo[] };
  shutdown: Record<string, never>;
}

export type ErrorCode =
  | 'parse' // not JSON, or not an object
  | 'too-large' // line over MAX_REQUEST_BYTES
  | 'bad-request' // unknown op, missing or wrongly typed field, out of range
  | 'not-permitted' // the user may not do this (foreign process, not created here)
  | 'not-found' // no such process / chain
  | 'limit' // kernel or helper limit (depth beyond what is left, too many chains)
  | 'unsupported' // kernel or platform lacks it
  | 'failed'; // the operation was attempted and failed

export interface HelperErrorBody {
  code: ErrorCode;
  message: string;
}

export type HelperResponse =
  | { [K in HelperOp]: { type: 'response'; id: number; op: K; ok: true; result: ResultMap[K] } }[HelperOp]
  | { type: 'response'; id: number | null; op?: string; ok: false; error: HelperErrorBody };

// ---------------------------------------------------------------- events (helper → client, unsolicited)

export interface HelloEvent {
  type: 'event';
  event: 'hello';
  protocol: number;
  helperVersion: string;
  /** Effective uid the helper runs as. */
  uid: number;
  /** The user the helper acts for when root: PKEXEC_UID or SUDO_UID, else null. */
  actingForUid: number | null;
  via: 'pkexec' | 'sudo' | 'direct';
  /** Effective capability names it holds (e.g. CAP_SYS_ADMIN). */
  capabilities: string[];
  /** `uname -r`. */
  kernel: string;
  pid: number;
  /** Can it create namespaces natively (the native init is present and runnable)? */
  nativeInit: boolean;
  /** Could it subscribe to the kernel's process events (probed at start), and if not, why. Absent from older helpers. */
  kernelEvents?: { available: boolean; why: string };
  /** It accepts `subscribe`'s `head` (a partial first snapshot). Absent from older helpers. */
  snapshotHead?: boolean;
}

export interface SnapshotEvent {
  type: 'event';
  event: 'snapshot';
  seq: number;
  snapshot: Snapshot;
  /**
   * A head (asked for with `subscribe`'s `head`): only the helper's own namespace and its init. The full
   * snapshot follows as the next event and replaces it; diffs apply to that one only.
   */
  partial?: true;
}

export interface DiffEvent {
  type: 'event';
  event: 'diff';
  seq: number;
  diff: SnapshotDiff;
}

export interface CreateProgressEvent {
  type: 'event';
  event: 'createProgress';
  /** id of the create request. */
  requestId: number;
  chainId: string;
  /** Levels ready so far. */
  ready: number;
  depth: number;
}

export interface ChainExitedEvent {
  type: 'event';
  event: 'chainExited';
  chainId: string;
  reason: 'destroyed' | 'init-killed' | 'leaf-exited' | 'failed';
  message?: string;
}

export interface LogEvent {
  type: 'event';
  event: 'log';
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/** The stream's source changed (events failed and it fell back to polling) or the kernel dropped events (overflows grew). */
export interface LiveSourceEvent {
  type: 'event';
  event: 'liveSource';
  source: LiveSource;
}

export type HelperEvent = HelloEvent | SnapshotEvent | DiffEvent | CreateProgressEvent | ChainExitedEvent | LogEvent | LiveSourceEvent;

export type HelperMessage = HelperResponse | HelperEvent;

export type { NamespaceInfo, ProcessInfo, Snapshot, SnapshotDiff };
