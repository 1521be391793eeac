// Shared by the kernel-event tests: a `pidns helper` on the host whose stream is applied diff by diff and
// checked as it goes, with waits on "the model now shows X" that time how long the stream took.
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
