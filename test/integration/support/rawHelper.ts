// A line-level client for `pidns helper`: writes arbitrary bytes (the hostile-input corpus cannot go
// through HelperClient, which only sends well-formed requests) and reads replies one at a time.
import { spawn, type ChildProcess } from 'node:child_process';
import type { HelloEvent, HelperMessage, HelperResponse } from '../../../shared/helperProtocol';
import { LineReader } from '../../../helper-native/src/launch/lineReader';
import { pidnsBundle } from './nativeTools';

export class RawHelper {
  readonly child: ChildProcess;
  private readonly queue: HelperMessage[] = [];
  private waiter: (() => void) | undefined;
  readonly stderr: string[] = [];
  readonly events: HelperMessage[] = [];

  constructor(env: NodeJS.ProcessEnv, argv: string[] = [process.execPath, pidnsBundle(), 'helper']) {
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child.stdin?.on('error', () => undefined);
    new LineReader(this.child.stdout as NonNullable<ChildProcess['stdout']>).onLine((line) => {
      this.queue.push(JSON.parse(line) as HelperMessage);
      this.waiter?.();
    });
    new LineReader(this.child.stderr as NonNullable<ChildProcess['stderr']>).onLine((line) => this.stderr.push(line));
  }

  /** Write raw text (a newline is NOT added). */
  write(text: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.child.stdin?.write(text, (err) => (err ? reject(err) : resolve())));
  }

  /** The next message that satisfies `pick`; messages before it are kept in `events` (responses too, when not picked). */
  async next<T extends HelperMessage>(pick: (m: HelperMessage) => m is T, timeoutMs = 15_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      while (this.queue.length > 0) {
        const m = this.queue.shift() as HelperMessage;
        if (pick(m)) return m;
        this.events.push(m);
      }
      const left = end - Date.now();
      if (left <= 0)
        throw new Error(`no matching message from the helper within ${timeoutMs} ms; stderr: ${this.stderr.slice(-5).join(' | ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  hello(): Promise<HelloEvent> {
    return this.next((m): m is HelloEvent => m.type === 'event' && m.event === 'hello');
  }

  /** Send one line, return the next response. */
  async ask(line: string): Promise<HelperResponse> {
    await this.write(line + '\n');
    return this.next((m): m is HelperResponse => m.type === 'response');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const closed = new Promise((r) => this.child.once('close', r));
    this.child.stdin?.end();
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await closed;
    clearTimeout(kill);
  }
}
