// What a chain engine (the native init, or the util-linux fallback) takes and gives back, so the chain
// manager treats both alike.
import type { ChainExitedEvent, ChainLevel } from '../../../shared/helperProtocol';
import type { RunAs } from '../identity/runAs';

export interface ChainSpec {
  depth: number;
  mountProc: boolean;
  /** argv of the leaf command; undefined: sleep until destroyed. */
  command?: string[];
  /**
   * The user the leaf runs as (a root helper acting for someone else; see identity/runAs.ts); undefined: as
   * we are. With `userns` the whole chain runs as that user, in a user namespace the user owns.
   */
  runAs?: RunAs;
  /** Build inside a new user namespace (no CAP_SYS_ADMIN: an unprivileged caller, or root in a pod). */
  userns: boolean;
  /** Where the leaf's stdin/stdout/stderr go: the CLI shares its terminal, the helper must keep its stdout clean. */
  leafStdio: 'inherit' | 'ignore';
}

export type ExitReason = ChainExitedEvent['reason'];

export interface EngineListener {
  /** A level became ready (levels arrive in order, outermost first). */
  level(level: ChainLevel): void;
  /** Level `level` and every level below it are gone; the ones above stay (native engine only). */
  gone(level: number, status: number): void;
  /** The whole chain is gone: every process of it has exited. */
  exit(reason: ExitReason, status: number, message?: string): void;
  /** A free-form line worth logging (the init's or unshare's stderr). */
  log(line: string): void;
}

export interface RunningChain {
  readonly engine: 'native' | 'unshare';
  /** PID of the process we spawned (it stays in our namespace and anchors the chain). */
  readonly anchorPid: number;
  /** Resolves with the leaf PID once every level is ready; rejects (HelperError) if the build failed. */
  readonly ready: Promise<number>;
  /** Ask for a complete teardown; `exit` follows once every process is gone. */
  terminate(): void;
  /** Last resort: SIGKILL the anchor (its death takes the chain down through PR_SET_PDEATHSIG). */
  kill(): void;
}
