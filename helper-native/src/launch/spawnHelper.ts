// One attempt at starting the helper through one command line (direct, pkexec …, sudo …): spawn it and
// wait for its `hello` line. The helper writes hello before reading anything, so hello means the
// privilege step is behind us; an exit before hello is the privilege tool's failure or the helper's crash,
// which the caller tells apart from the tool's stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { PROTOCOL_VERSION, type HelloEvent } from '../../../shared/helperProtocol';
import { LineReader } from './lineReader';

export interface SpawnSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Written to stdin before anything else (sudo -S's password line). Kept out of argv, env and logs. */
  secretStdinLine?: string;
  /** A stderr line that means "this attempt has failed, stop feeding it" (sudo's "Sorry, try again."): stdin is closed so the tool exits at once. */
  giveUpOn?: RegExp;
  timeoutMs: number;
}

export type SpawnOutcome =
  | { ok: true; child: ChildProcess; lines: LineReader; stderr: LineReader; hello: HelloEvent; stderrText: string }
  | {
      ok: false;
      why: 'spawn-error' | 'exited' | 'timeout' | 'incompatible';
      /** errno code of a spawn error (ENOENT: the tool is not installed). */
      errno?: string;
      exitCode: number | null;
      signal: NodeJS.Signals | null;
      stderrText: string;
      hello?: HelloEvent;
    };

const MAX_STDERR_KEPT = 16 * 1024;

export function spawnHelper(spec: SpawnSpec): Promise<SpawnOutcome> {
  return new Promise((resolve) => {
    const child = spawn(spec.command, spec.args, { stdio: ['pipe', 'pipe', 'pipe'], env: spec.env ?? process.env });
    const lines = new LineReader(child.stdout);
    const stderr = new LineReader(child.stderr);
    let stderrText = '';
    let settled = false;
    let failing = false;
    child.stdin.on('error', () => undefined); // EPIPE when the tool exits without reading its stdin
    if (spec.secretStdinLine !== undefined) child.stdin.write(spec.secretStdinLine + '\n');

    const finish = (outcome: SpawnOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      lines.onLine(undefined);
      stderr.onLine(undefined);
      child.removeListener('close', onClose);
      resolve(outcome);
    };
    const fail = (why: 'exited' | 'timeout' | 'incompatible', hello?: HelloEvent): void => {
      // The first cause wins: the exit that a timeout or a refused hello provokes is not a new failure.
      if (failing || settled) return;
      failing = true;
      // Closing stdin is the only stop that works on a helper already running as root; then try signals.
      child.stdin.end();
      if (child.exitCode === null && child.signalCode === null) {
        try {
          child.kill('SIGTERM');
        } catch {
          // EPERM: a root child; EOF on stdin makes it exit.
        }
      }
      const report = (): void =>
        finish({ ok: false, why, exitCode: child.exitCode, signal: child.signalCode, stderrText: stderrText.trim(), hello });
      if (child.exitCode !== null || child.signalCode !== null) report();
      else child.once('close', report);
    };
    const onClose = (): void => fail('exited');

    stderr.onLine((line) => {
      if (stderrText.length < MAX_STDERR_KEPT) stderrText += line + '\n';
      if (spec.giveUpOn?.test(line)) child.stdin.end();
    });
    lines.onLine((line) => {
      const hello = parseHello(line);
      if (!hello) {
        if (stderrText.length < MAX_STDERR_KEPT) stderrText += `[stdout before hello] ${line.slice(0, 300)}\n`;
        return;
      }
      if (hello.protocol !== PROTOCOL_VERSION) fail('incompatible', hello);
      else finish({ ok: true, child, lines, stderr, hello, stderrText: stderrText.trim() });
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      finish({ ok: false, why: 'spawn-error', errno: err.code, exitCode: null, signal: null, stderrText: err.message });
    });
    child.once('close', onClose);
    const timer = setTimeout(() => fail('timeout'), spec.timeoutMs);
  });
}

function parseHello(line: string): HelloEvent | undefined {
  try {
    const msg = JSON.parse(line) as Partial<HelloEvent> | null;
    return msg && msg.type === 'event' && msg.event === 'hello' && typeof msg.protocol === 'number' ? (msg as HelloEvent) : undefined;
  } catch {
    return undefined;
  }
}
