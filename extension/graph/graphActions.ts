// What the graph asks the rest of the extension to do. The extension supplies these callbacks; the
// graph never touches the helper itself. Confirmation (kill init) and the choice of signal are asked
// by the graph's host side before a callback runs, so the callbacks just carry the action out.

import type { GraphTarget, NsRef, ProcRef } from '../../shared/webviewProtocol';

export interface GraphActions {
  /** Reveal and select the namespace or process in the tree sidebar. */
  revealInTree(target: GraphTarget): void | Thenable<void>;
  /** Open an integrated terminal whose shell runs inside this namespace. */
  openTerminal(ns: NsRef): void | Thenable<void>;
  /** Kill the namespace's PID 1 (already confirmed by the user). */
  killInit(ns: NsRef): void | Thenable<void>;
  /** Send `signal` (a name such as "SIGTERM") to the process, guarded by its start time against PID reuse. */
  sendSignal(proc: ProcRef, signal: string): void | Thenable<void>;
  /** Inodes of the namespaces this window created: the graph never groups them away and marks them. */
  createdInodes?(): Set<number>;
  /** Log lines and errors from the webview, for the extension's output channel. */
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

/** Signals offered when the user picks "Send signal…" without naming one. */
export const OFFERED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL', 'SIGSTOP', 'SIGCONT', 'SIGUSR1', 'SIGUSR2'];
