// Shared by the kernel-event tests: a `pidns helper` on the host whose stream is applied diff by diff and
// checked as it goes, with waits on "the model now shows X" that time how long the stream took.
import { execFileSync } from 'node:child_process';
import { HelperClient } from '../../../helper-native/src/launch/helperClient';
import { spawnHelper } from '../../../helper-native/src/launch/spawnHelper';
import { applyDiff } from '../../../shared/core/diff';
import type { Snapshot } from '../../../shared/core/types';
import type { HelloEvent, HelperEvent, LiveSource } from '../../../shared/helperProtocol';
import { diffProblems, modelProblems } from './modelChecks';
import { pidnsBundle } from './nativeTools';

export interface WatchedHelper {
  client: HelperClient;
  hello: HelloEvent;
  stderr: string[];
  /** Problems found in diffs and models so far (each diff against the model it applies to). */
  problems: string[];
  /** liveSource events received. */
  sources: LiveSource[];
  model(): Snapshot | null;
  diffs(): number;
  /** Resolves with ms from `since` (performance.now()) to the first model that satisfies `pred`. */
  until(pred: (s: Snapshot) => boolean, what: string, timeoutMs?: number, since?: number): Promise<number>;
  close(): Promise<void>;
}

export async function startWatchedHelper(
  opts: { env?: NodeJS.ProcessEnv; argvPrefix?: string[]; checkModel?: boolean } = {},
): Promise<WatchedHelper> {
  const prefix = opts.argvPrefix ?? [];
  const argv = [...prefix, process.execPath, pidnsBundle(), 'helper'];
  const o = await spawnHelper({ command: argv[0], args: argv.slice(1), env: { ...process.env, ...opts.env }, timeoutMs: 20_000 });
  if (!o.ok) throw new Error(`helper did not start: ${o.why} ${o.stderrText}`);
  const client = new HelperClient(o, { timeoutMs: 30_000, exitGraceMs: 1000 });
  const stderr: string[] = [];
  client.onStderr((l) => stderr.push(l));
  const problems: string[] = [];
  const sources: LiveSource[] = [];
  let model: Snapshot | null = null;
  let diffs = 0;
  const waiters = new Set<() => void>();
  client.onEvent((e: HelperEvent) => {
    if (e.type !== 'event') return;
    if (e.event === 'liveSource') sources.push(e.source);
    if (e.event === 'snapshot') model = e.snapshot;
    else if (e.event === 'diff' && model !== null) {
      diffs++;
      problems.push(...diffProblems(model, e.diff).map((p) => `diff ${e.seq}: ${p}`));
      model = applyDiff(model, e.diff);
      if (opts.checkModel !== false) problems.push(...modelProblems(model).map((p) => `after diff ${e.seq}: ${p}`));
    } else return;
    for (const w of [...waiters]) w();
  });
  const until = (pred: (s: Snapshot) => boolean, what: string, timeoutMs = 10_000, since = performance.now()): Promise<number> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (model !== null && pred(model)) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(performance.now() - since);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`the stream did not show ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    client,
    hello: o.hello,
    stderr,
    problems,
    sources,
    model: () => model,
    diffs: () => diffs,
    until,
    close: async () => {
      if (!client.hasExited) await client.dispose();
    },
  };
}

/**
 * Whether the kernel lets this argv prefix's user join the proc connector's group, asked without our code: a
 * Python one-liner binds a NETLINK_CONNECTOR socket to CN_IDX_PROC. Kernels differ here: with 6.6's
 * "Allow non-root users access" any user may; other builds (one 6.18.44 VM here) refuse with EPERM unless
 * the caller holds CAP_NET_ADMIN. Returns 'ok' or the errno's name.
 */
export function connectorBindAs(argvPrefix: string[]): string {
  const script = [
    'import errno, socket',
    's = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 11)',
    'try:',
    '    s.bind((0, 1)); print("ok")',
    'except OSError as e:',
    '    print(errno.errorcode.get(e.errno, str(e.errno)))',
  ].join('\n');
  // /usr/bin/python3 (scripts/ensure-deps.sh installs it): a PATH python may live where the user cannot read.
  const argv = [...argvPrefix, '/usr/bin/python3', '-c', script];
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' }).trim();
}
