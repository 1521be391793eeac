// The VS Code dialogs of signalPolicy.ts: the tree's commands and the graph's buttons both ask through
// these, so "Send Signal…" and "Kill Init" look and behave the same wherever they start.
import * as vscode from 'vscode';
import {
  originItems,
  originPickTitle,
  offersFromInside,
  signalConfirmation,
  signalItems,
  signalPickTitle,
  type Confirmation,
  type SignalChoice,
  type SignalOrigin,
  type SignalTarget,
} from './signalPolicy';

/** A modal warning with one button; true when the user pressed it. */
export async function confirmModal(c: Confirmation): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(c.message, { modal: true, ...(c.detail ? { detail: c.detail } : {}) }, c.button);
  return answer === c.button;
}

/**
 * Which signal, from where, and are you sure: the signal is asked unless `preset` names it; the origin only
 * for a namespace's PID 1; the modal only for a destructive signal. Undefined when the user cancelled.
 */
export async function askSignal(t: SignalTarget, preset?: string): Promise<SignalChoice | undefined> {
  const signal = preset ?? (await vscode.window.showQuickPick(signalItems(), { title: signalPickTitle(t) }))?.value;
  if (!signal) return undefined;
  let from: SignalOrigin = 'ancestor';
  if (offersFromInside(t)) {
    const where = await vscode.window.showQuickPick(originItems(), { title: originPickTitle(t) });
    if (!where) return undefined;
    from = where.value;
  }
  const question = signalConfirmation(signal, t);
  if (question && !(await confirmModal(question))) return undefined;
  return { signal, from };
}
