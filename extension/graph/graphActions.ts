// What the graph asks the rest of the extension to do. The extension supplies these callbacks
// (commands/graphBridge.ts, which calls the same core functions as the tree's commands); the graph never
// touches the helper itself, and asks nothing of the user itself: choosing a signal and confirming it
// happen in the callbacks, by the same policy as in the tree.

import type { GraphTarget, NsRef, ProcRef } from '../../shared/webviewProtocol';

export interface GraphActions {
  /** Reveal and select the namespace or process in the tree sidebar. */
  revealInTree(target: GraphTarget): void | Thenable<void>;
  /** Open an integrated terminal whose shell runs inside this namespace. */
  openTerminal(ns: NsRef): void | Thenable<void>;
  /** Kill the namespace's PID 1 after the same modal as the tree's "Kill Init". */
  killInit(ns: NsRef): void | Thenable<void>;
  /** "Send Signal…" as in the tree (which signal unless `signal` names it, from where for a PID 1, the modal), guarded by the start time against PID reuse. */
  sendSignal(proc: ProcRef, signal?: string): void | Thenable<void>;
  /** Inodes of the namespaces this window created: the graph never groups them away and marks them. */
  createdInodes?(): Set<number>;
  /** The person closed a lesson's caption: clear the highlight in every view. */
  dismissHighlight?(): void;
  /** Log lines and errors from the webview, for the extension's output channel. */
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}
