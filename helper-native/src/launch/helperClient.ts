// Request/response and events over a running helper's stdio (see shared/helperProtocol.ts). Plain Node, no
// vscode import, so the extension, the CLI and tests share it. The child may run as root (pkexec), in
// which case this user cannot signal it: closing stdin is the one shutdown path that always works, so
// the helper must exit on EOF, and dispose() relies on that before trying signals.
import type { ChildProcess } from 'node:child_process';
import { HelperError } from '../helperError';
import type { HelperEvent, HelperMessage, HelperOp, HelperRequest, HelperResponse, ResultMap } from '../../../shared/helperProtocol';
import type { LineReader } from './lineReader';

/** The fields of a request besides `id` and `op`. */
export interface RequestOptions {
  timeoutMs?: number;
  onId?: (id: number) => void;
}

export type RequestParams<K extends HelperOp> = Omit<Extract<HelperRequest, { op: K }>, 'id' | 'op'>;

/** What the client needs of a started helper; `launchHelper` returns a superset. */
export interface HelperChannel {
  child: ChildProcess;
  /** The helper's stdout, split into lines (the `hello` line already consumed). */
  lines: LineReader;
  /** The helper's stderr, split into lines: free-form log. */
  stderr: LineReader;
}

export interface HelperExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last stderr lines, for an error message after a crash. */
  stderrTail: string[];
  /** True when the exit followed dispose() (an expected exit). */
  disposed: boolean;
}

export interface Subscription {
  dispose(): void;
}

export interface HelperClientOptions {
  /** Default per-request timeout in ms (30 s). */
  timeoutMs?: number;
  /** How long dispose() waits for the helper to exit on EOF before signalling it (2 s). */
  exitGraceMs?: number;
}

/** A request failed without a helper error reply: it timed out, the helper exited, or the client was disposed. */
export class HelperClientError extends Error {
  constructor(
    readonly kind: 'timeout' | 'exited' | 'disposed' | 'write',
    message: string,
  ) {
    super(message);
    this.name = 'HelperClientError';
  }
}

interface Pending {
  op: HelperOp;
  resolve: (value: unknown) => void;
  reject: (reason: Error) => void;
  timer: NodeJS.Timeout;
}

const STDERR_TAIL_LINES = 20;

export class HelperClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: HelperEvent) => void>();
  private readonly exitListeners = new Set<(exit: HelperExit) => void>();
  private readonly stderrListeners = new Set<(line: string) => void>();
  private readonly stderrTail: string[] = [];
  private exitInfo: HelperExit | undefined;
  private disposed = false;
  private readonly timeoutMs: number;
  private readonly exitGraceMs: number;
  private readonly exited: Promise<HelperExit>;

  constructor(
    private readonly channel: HelperChannel,
    options: HelperClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.exitGraceMs = options.exitGraceMs ?? 2_000;
    // EPIPE on a write after the helper died must not crash the host; the exit handler reports it.
    channel.child.stdin?.on('error', () => undefined);
    channel.stderr.onLine((line) => this.onStderrLine(line));
    channel.lines.onLine((line) => this.onStdoutLine(line));
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => resolve(this.onChildExit(code, signal));
      if (channel.child.exitCode !== null || channel.child.signalCode !== null) done(channel.child.exitCode, channel.child.signalCode);
      // 'close' (not 'exit'): by then stdout is drained, so no response is lost to a race.
      else channel.child.once('close', done);
    });
  }

  /**
   * Send a request; resolves with its result, rejects with HelperError (the helper's error reply) or HelperClientError.
   * `onId` learns the request's id before it is sent, so a caller can match the events that name it (createProgress.requestId).
   */
  request<K extends HelperOp>(op: K, params: RequestParams<K>, options: RequestOptions = {}): Promise<ResultMap[K]> {
    if (this.disposed) return Promise.reject(new HelperClientError('disposed', `helper client disposed; cannot send '${op}'`));
    if (this.exitInfo) return Promise.reject(this.exitedError(op));
    const id = this.nextId++;
    options.onId?.(id);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise<ResultMap[K]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HelperClientError('timeout', `helper did not answer '${op}' (id ${id}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { op, resolve: resolve as (v: unknown) => void, reject, timer });
      const line = JSON.stringify({ ...params, id, op }) + '\n';
      const stdin = this.channel.child.stdin;
      if (!stdin || stdin.destroyed || !stdin.writable) {
        this.settle(id)?.reject(new HelperClientError('write', `helper stdin is closed; cannot send '${op}'`));
        return;
      }
      stdin.write(line);
    });
  }

  /** Every unsolicited event (snapshot, diff, createProgress, chainExited, log). */
  onEvent(listener: (event: HelperEvent) => void): Subscription {
    return subscribe(this.eventListeners, listener);
  }

  /** Called once when the helper process has exited (at once, asynchronously, if it already has). */
  onExit(listener: (exit: HelperExit) => void): Subscription {
    if (this.exitInfo) {
      const info = this.exitInfo;
      queueMicrotask(() => listener(info));
      return { dispose: () => undefined };
    }
    return subscribe(this.exitListeners, listener);
  }

  /** The helper's stderr lines and any stdout line that is not a protocol message. */
  onStderr(listener: (line: string) => void): Subscription {
    return subscribe(this.stderrListeners, listener);
  }

  get pid(): number | undefined {
    return this.channel.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Resolves when the helper has exited. */
  whenExited(): Promise<HelperExit> {
    return this.exited;
  }

  /**
   * Ask the helper to exit: a `shutdown` request and EOF on stdin; after the grace period SIGTERM, then
   * SIGKILL (which fail silently for a root helper this user may not signal). Resolves once it exited.
   */
  async dispose(): Promise<void> {
    if (this.disposed) {
      await this.exited;
      return;
    }
    this.disposed = true;
    this.rejectAll(new HelperClientError('disposed', 'helper client disposed'));
    const stdin = this.channel.child.stdin;
    if (!this.exitInfo && stdin && stdin.writable) {
      stdin.write(JSON.stringify({ id: 0, op: 'shutdown' }) + '\n');
      stdin.end();
    }
    const escalate = setTimeout(() => {
      trySignal(this.channel.child, 'SIGTERM');
      setTimeout(() => trySignal(this.channel.child, 'SIGKILL'), this.exitGraceMs).unref();
    }, this.exitGraceMs);
    escalate.unref();
    await this.exited;
    clearTimeout(escalate);
  }

  private onStdoutLine(line: string): void {
    if (line.trim() === '') return;
    let message: HelperMessage;
    try {
      message = JSON.parse(line) as HelperMessage;
    } catch {
      this.onStderrLine(`[stdout, not JSON] ${line.slice(0, 500)}`);
      return;
    }
    if (message && message.type === 'response') this.onResponse(message);
    else if (message && message.type === 'event') for (const l of [...this.eventListeners]) l(message);
    else this.onStderrLine(`[stdout, not a protocol message] ${line.slice(0, 500)}`);
  }

  private onResponse(response: HelperResponse): void {
    const pending = response.id === null ? undefined : this.settle(response.id);
    if (!pending) {
      // id null: the helper could not parse a request; id 0: our own shutdown from dispose().
      if (response.id !== 0) this.onStderrLine(`[unmatched response] ${JSON.stringify(response).slice(0, 500)}`);
      return;
    }
    if (response.ok) pending.resolve(response.result);
    else pending.reject(new HelperError(response.error.code, response.error.message));
  }

  private onStderrLine(line: string): void {
    this.stderrTail.push(line);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    for (const l of [...this.stderrListeners]) l(line);
  }

  private onChildExit(code: number | null, signal: NodeJS.Signals | null): HelperExit {
    const info: HelperExit = { code, signal, stderrTail: [...this.stderrTail], disposed: this.disposed };
    this.exitInfo = info;
    this.rejectAll(this.exitedError());
    for (const l of [...this.exitListeners]) l(info);
    this.exitListeners.clear();
    return info;
  }

  private exitedError(op?: string): HelperClientError {
    const info = this.exitInfo;
    const how = info ? (info.signal ? `killed by ${info.signal}` : `exit code ${info.code}`) : 'exited';
    const tail = info && info.stderrTail.length > 0 ? `: ${info.stderrTail.slice(-3).join(' | ')}` : '';
    return new HelperClientError('exited', `helper exited (${how})${op ? ` before '${op}' could be sent` : ''}${tail}`);
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }

  private rejectAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
  }
}

function subscribe<T>(set: Set<T>, listener: T): Subscription {
  set.add(listener);
  return { dispose: () => void set.delete(listener) };
}

/** A root helper under pkexec cannot be signalled by its user (EPERM): that is expected, not an error. */
function trySignal(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill(signal);
  } catch {
    // EPERM/ESRCH: nothing more this user can do.
  }
}
