// "Kill Init (destroys the namespace)" and "Send Signal…", for the tree, the graph and tests alike. The core
// functions take the namespace or process itself; the command adapters below turn a tree node (or nothing:
// ask) into one. What is asked before a signal goes out is signalPolicy.ts, shown by signalDialogs.ts. The
// process's start time goes with every signal, so the helper refuses if the PID was reused in the meantime.
import * as vscode from 'vscode';
import type { NamespaceInfo, ProcessInfo } from '../../shared/core/types';
import type { ModelIndex } from '../../shared/core/modelIndex';
import type { CommandContext } from './commandContext';
import { namespaceFromNode, processFromNode } from './commandContext';
import { pickNamespace, pickProcess } from './pickers';
import { liveView, refusedOnTrace } from './traceGuard';
import { askSignal, confirmModal } from './signalDialogs';
import { isSignalChoice, KILL_INIT_CHOICE, killInitConfirmation, type SignalChoice, type SignalTarget } from './signalPolicy';
import { nsName } from '../../shared/core/nsName';

export type { SignalChoice } from './signalPolicy';

/** Kill the namespace's PID 1 (the kernel then kills everything in it and below), after the modal unless told not to. */
export async function killInit(ctx: CommandContext, ns: NamespaceInfo, opts: { confirm: boolean }): Promise<boolean> {
  const view = liveView(ctx);
  if (!view) return false;
  const init = ns.init === null ? undefined : view.process(ns.init);
  if (!init || ns.level === 0) {
    void vscode.window.showWarningMessage(`${nsName(ns.inode)} has no init this extension may kill.`);
    return false;
  }
  const below = view.subtree(ns);
  const question = killInitConfirmation({
    nsInode: ns.inode,
    initComm: init.comm,
    initPid: init.pid,
    processes: below.reduce((n, s) => n + view.processes(s).length, 0),
    nestedNamespaces: below.length - 1,
  });
  if (opts.confirm && !(await confirmModal(question))) return false;
  return sendSignal(ctx, init, KILL_INIT_CHOICE);
}

/** Ask which signal (unless `preset` names one), from where and whether to go ahead, then send it. */
export async function askAndSendSignal(ctx: CommandContext, p: ProcessInfo, preset?: string): Promise<boolean> {
  const view = liveView(ctx);
  if (!view) return false;
  const choice = await askSignal(signalTarget(view, p), preset);
  return choice ? sendSignal(ctx, p, choice) : false;
}

/** Send a chosen signal, no questions; false (and an error message) when the helper refused or failed. */
export async function sendSignal(ctx: CommandContext, p: ProcessInfo, choice: SignalChoice): Promise<boolean> {
  const { signal } = choice;
  const from = choice.from ?? 'ancestor';
  try {
    await ctx.session.request('signal', { pid: p.pid, startTime: p.startTime, signal, from });
    ctx.log.info(`sent ${signal} to ${p.pid} (${p.comm}) from ${from}`);
  } catch (e) {
    void vscode.window.showErrorMessage(`Could not send ${signal} to ${p.comm} (host PID ${p.pid}): ${(e as Error).message}`);
    return false;
  }
  await ctx.session.refresh();
  return true;
}

export function signalTarget(view: ModelIndex, p: ProcessInfo): SignalTarget {
  const ns = view.namespaceOf(p);
  return { comm: p.comm, pid: p.pid, ns: ns && { inode: ns.inode, level: ns.level, init: ns.init } };
}

// ---------------------------------------------------------------- command adapters

/** Args: a namespace node (or nothing: asks); `{ ...node, force: true }` skips the modal (tests). */
export async function killInitCommand(ctx: CommandContext, node?: unknown): Promise<boolean> {
  if (node !== undefined && refusedOnTrace(ctx, 'Kill Init')) return false;
  const view = liveView(ctx);
  if (!view) return false;
  const ns =
    namespaceFromNode(view, node) ??
    (await pickNamespace(view, 'Kill the init of which namespace?', (n) => n.level > 0 && n.init !== null));
  if (!ns) return false;
  const force = (node as { force?: boolean } | undefined)?.force === true;
  return killInit(ctx, ns, { confirm: !force });
}

/** Args: a process node (or nothing: asks), and optionally a SignalChoice, sent as is (a context menu passes the selection there instead). */
export async function sendSignalCommand(ctx: CommandContext, node?: unknown, given?: unknown): Promise<boolean> {
  if (node !== undefined && refusedOnTrace(ctx, 'Send Signal')) return false;
  const view = liveView(ctx);
  if (!view) return false;
  const p = processFromNode(view, node) ?? (await pickProcess(view, 'Send a signal to which process?'));
  if (!p) return false;
  return isSignalChoice(given) ? sendSignal(ctx, p, given) : askAndSendSignal(ctx, p);
}
