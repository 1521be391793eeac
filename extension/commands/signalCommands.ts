// "Kill Init (destroys the namespace)" and "Send Signal…". Both confirm anything destructive, and pass the
// process's start time so the helper refuses if the PID was reused in the meantime.
import * as vscode from 'vscode';
import type { ProcessInfo } from '../../shared/core/types';
import type { ModelIndex } from '../../shared/core/modelIndex';
import type { CommandContext } from './commandContext';
import { namespaceFromNode, processFromNode } from './commandContext';
import { pickNamespace, pickProcess } from './pickers';

const SIGNALS = [
  { label: 'SIGTERM', detail: 'ask it to terminate', destructive: true },
  { label: 'SIGKILL', detail: 'kill it (cannot be caught)', destructive: true },
  { label: 'SIGINT', detail: 'interrupt (Ctrl+C)', destructive: true },
  { label: 'SIGHUP', detail: 'hang up', destructive: true },
  { label: 'SIGQUIT', detail: 'quit with a core dump', destructive: true },
  { label: 'SIGSTOP', detail: 'stop (pause) it', destructive: false },
  { label: 'SIGCONT', detail: 'continue a stopped process', destructive: false },
  { label: 'SIGUSR1', detail: 'user-defined 1', destructive: false },
  { label: 'SIGUSR2', detail: 'user-defined 2', destructive: false },
];

export async function killInit(ctx: CommandContext, node?: unknown): Promise<boolean> {
  const view = ctx.tree.currentView();
  if (!view) return false;
  const ns =
    namespaceFromNode(view, node) ??
    (await pickNamespace(view, 'Kill the init of which namespace?', (n) => n.level > 0 && n.init !== null));
  if (!ns) return false;
  const init = ns.init === null ? undefined : view.process(ns.init);
  if (!init || ns.level === 0) {
    void vscode.window.showWarningMessage(`pid:[${ns.inode}] has no init this extension may kill.`);
    return false;
  }
  const inside = view.subtree(ns).reduce((n, s) => n + view.processes(s).length, 0);
  const force = (node as { force?: boolean } | undefined)?.force === true;
  if (!force) {
    const answer = await vscode.window.showWarningMessage(
      `Kill ${init.comm} (host PID ${init.pid}), PID 1 of pid:[${ns.inode}]?`,
      {
        modal: true,
        detail: `When a namespace's init dies the kernel kills every process in it: ${inside} processes, including ${view.subtree(ns).length - 1} nested namespaces.`,
      },
      'Kill Init',
    );
    if (answer !== 'Kill Init') return false;
  }
  await sendSignal(ctx, init, 'SIGKILL', 'ancestor');
  return true;
}

/** A signal chosen by a caller (tests, other extensions): no prompts, no confirmation. */
export interface SignalChoice {
  signal: string;
  from?: 'ancestor' | 'inside';
}

function isSignalChoice(v: unknown): v is SignalChoice {
  return typeof v === 'object' && v !== null && typeof (v as SignalChoice).signal === 'string';
}

/** Args: a tree node (or nothing: asks), and optionally a SignalChoice (a context menu passes the selection there instead). */
export async function sendSignalCommand(ctx: CommandContext, node?: unknown, given?: unknown): Promise<boolean> {
  const view = ctx.tree.currentView();
  if (!view) return false;
  const p = processFromNode(view, node) ?? (await pickProcess(view, 'Send a signal to which process?'));
  if (!p) return false;
  const choice = isSignalChoice(given) ? given : await askSignal(view, p);
  if (!choice) return false;
  await sendSignal(ctx, p, choice.signal, choice.from ?? 'ancestor');
  return true;
}

async function askSignal(view: ModelIndex, p: ProcessInfo): Promise<SignalChoice | undefined> {
  const pick = await vscode.window.showQuickPick(SIGNALS, { title: `Signal for ${p.comm} (host PID ${p.pid})` });
  if (!pick) return undefined;
  const ns = view.namespaceOf(p);
  let from: 'ancestor' | 'inside' = 'ancestor';
  if (ns && ns.init === p.pid && ns.level > 0) {
    // The instructive case: PID 1 ignores, from inside its namespace, signals it has no handler for.
    const where = await vscode.window.showQuickPick(
      [
        { label: 'From the helper (an ancestor namespace)', value: 'ancestor' as const },
        { label: 'From inside its own namespace', description: 'init ignores signals it has no handler for', value: 'inside' as const },
      ],
      { title: `${p.comm} is PID 1 of pid:[${ns.inode}]: send from where?` },
    );
    if (!where) return undefined;
    from = where.value;
  }
  if (pick.destructive) {
    const answer = await vscode.window.showWarningMessage(`Send ${pick.label} to ${p.comm} (host PID ${p.pid})?`, { modal: true }, 'Send');
    if (answer !== 'Send') return undefined;
  }
  return { signal: pick.label, from };
}

export async function sendSignal(ctx: CommandContext, p: ProcessInfo, signal: string, from: 'ancestor' | 'inside'): Promise<void> {
  try {
    await ctx.session.request('signal', { pid: p.pid, startTime: p.startTime, signal, from });
    ctx.log.info(`sent ${signal} to ${p.pid} (${p.comm}) from ${from}`);
  } catch (e) {
    void vscode.window.showErrorMessage(`Could not send ${signal} to ${p.comm} (host PID ${p.pid}): ${(e as Error).message}`);
    return;
  }
  await ctx.session.refresh();
}
