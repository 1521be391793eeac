// What the tree and the graph ask before a signal leaves: the one list of signals offered, which of them
// need a modal confirmation and in what words, when "from inside its own namespace" is offered, and the
// kill-init question. Pure (no vscode), so it is unit tested; signalDialogs.ts shows these questions.
import { nsName } from '../../shared/core/nsName';

/** Where the helper sends from: its own (an ancestor) namespace, or inside the target's namespace. */
export type SignalOrigin = 'ancestor' | 'inside';

export interface SignalSpec {
  name: string;
  detail: string;
  /** Ends or interrupts the process: asked in a modal before it is sent. */
  destructive: boolean;
}

/** The signals "Send Signal…" offers, in the tree and in the graph, most common first. */
export const SIGNALS: readonly SignalSpec[] = [
  { name: 'SIGTERM', detail: 'ask it to terminate', destructive: true },
  { name: 'SIGKILL', detail: 'kill it (cannot be caught)', destructive: true },
  { name: 'SIGINT', detail: 'interrupt (Ctrl+C)', destructive: true },
  { name: 'SIGHUP', detail: 'hang up', destructive: true },
  { name: 'SIGQUIT', detail: 'quit with a core dump', destructive: true },
  { name: 'SIGSTOP', detail: 'stop (pause) it', destructive: false },
  { name: 'SIGCONT', detail: 'continue a stopped process', destructive: false },
  { name: 'SIGUSR1', detail: 'user-defined 1', destructive: false },
  { name: 'SIGUSR2', detail: 'user-defined 2', destructive: false },
];

export function signalSpec(name: string): SignalSpec | undefined {
  return SIGNALS.find((s) => s.name === name);
}

/** A signal chosen by a caller (tests, other extensions): sent without prompts or confirmation. */
export interface SignalChoice {
  signal: string;
  from?: SignalOrigin;
}

export function isSignalChoice(v: unknown): v is SignalChoice {
  if (typeof v !== 'object' || v === null) return false;
  const { signal, from } = v as Partial<SignalChoice>;
  return typeof signal === 'string' && (from === undefined || from === 'ancestor' || from === 'inside');
}

/** The process a signal is for, as the questions name it. */
export interface SignalTarget {
  comm: string;
  /** Host PID. */
  pid: number;
  /** Its PID namespace: inode, level, and the host PID of that namespace's init (null: none seen). */
  ns: { inode: number; level: number; init: number | null } | undefined;
}

/**
 * "From inside its own namespace" is offered for the PID 1 of a namespace below the initial one: the
 * instructive case, where init ignores, from inside, the signals it has no handler for.
 */
export function offersFromInside(t: SignalTarget): boolean {
  return t.ns !== undefined && t.ns.init === t.pid && t.ns.level > 0;
}

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export function signalItems(): PickItem<string>[] {
  return SIGNALS.map((s) => ({ label: s.name, detail: s.detail, value: s.name }));
}

export function signalPickTitle(t: SignalTarget): string {
  return `Signal for ${t.comm} (host PID ${t.pid})`;
}

export function originItems(): PickItem<SignalOrigin>[] {
  return [
    { label: 'From the helper (an ancestor namespace)', value: 'ancestor' },
    { label: 'From inside its own namespace', description: 'init ignores signals it has no handler for', value: 'inside' },
  ];
}

export function originPickTitle(t: SignalTarget): string {
  return `${t.comm} is PID 1 of ${t.ns ? nsName(t.ns.inode) : 'pid:[?]'}: send from where?`;
}

/** A modal question: the message, an optional detail line, and the one button that goes ahead. */
export interface Confirmation {
  message: string;
  detail?: string;
  button: string;
}

/** The modal before sending `signal`, or undefined when it is sent without asking (stop, continue, user signals). */
export function signalConfirmation(signal: string, t: SignalTarget): Confirmation | undefined {
  const spec = signalSpec(signal);
  // A name outside the list is asked about too: nothing unknown goes out unconfirmed.
  if (spec && !spec.destructive) return undefined;
  return { message: `Send ${signal} to ${t.comm} (host PID ${t.pid})?`, button: 'Send' };
}

/** What "Kill Init" kills, for its modal. */
export interface KillInitTarget {
  nsInode: number;
  initComm: string;
  initPid: number;
  /** Processes in the namespace and every namespace below it. */
  processes: number;
  nestedNamespaces: number;
}

export function killInitConfirmation(t: KillInitTarget): Confirmation {
  return {
    message: `Kill ${t.initComm} (host PID ${t.initPid}), PID 1 of ${nsName(t.nsInode)}?`,
    detail: `When a namespace's init dies the kernel kills every process in it: ${t.processes} processes, including ${t.nestedNamespaces} nested namespaces.`,
    button: 'Kill Init',
  };
}

/** The signal and origin "Kill Init" sends: SIGKILL from the helper, which init cannot ignore from an ancestor. */
export const KILL_INIT_CHOICE: Required<SignalChoice> = { signal: 'SIGKILL', from: 'ancestor' };
