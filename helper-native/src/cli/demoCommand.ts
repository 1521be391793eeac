// `pidns demo [<lesson>] [--pause MS]`: the guided experiments of shared/core/lessons.ts in a terminal. Each
// lesson builds real namespaces, prints what happens with the PID at every level, checks every claim on the
// kernel, and removes everything it made, also on Ctrl-C/SIGTERM/SIGHUP or when its parent dies. Exit 0 when
// every claim held, 1 when one did not.
import { lessonByName, lessonListText } from '../../../shared/core/lessons';
import { startLesson } from '../demo/runLesson';
import { prctl } from '../sys/calls';
import { UsageError, wantsHelp } from './usage';

const DEFAULT_PAUSE_MS = 700;

export function parseDemoArgs(argv: readonly string[]): { name?: string; pauseMs: number } {
  let name: string | undefined;
  let pauseMs = DEFAULT_PAUSE_MS;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--pause' || a.startsWith('--pause=')) {
      const v = a === '--pause' ? argv[++i] : a.slice('--pause='.length);
      if (v === undefined || !/^\d{1,5}$/.test(v))
        throw new UsageError(`demo: --pause needs milliseconds (0-99999), got ${v === undefined ? 'nothing' : `'${v}'`}`);
      pauseMs = Number(v);
    } else if (a.startsWith('-')) throw new UsageError(`demo: unknown option '${a}' (see 'pidns demo --help')`);
    else if (name === undefined) name = a;
    else throw new UsageError(`demo: unexpected argument '${a}'`);
  }
  if (name !== undefined && !lessonByName(name)) throw new UsageError(`demo: no lesson '${name}' (run 'pidns demo' for the list)`);
  return { name, pauseMs };
}

export async function runDemoCommand(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(lessonListText());
    return 0;
  }
  const { name, pauseMs } = parseDemoArgs(argv);
  if (name === undefined) {
    process.stdout.write(lessonListText());
    return 0;
  }
  process.stdout.on('error', () => undefined);
  const started = startLesson(name, { out: (l) => process.stdout.write(l + '\n'), pauseMs, tty: process.stdout.isTTY === true });
  const interrupted = new Promise<number>((resolve) => {
    const stop = (sig: NodeJS.Signals): void => {
      process.stderr.write(`pidns: ${sig}: removing everything the lesson made\n`);
      started.run.cleanup().then(
        () => resolve(130),
        () => resolve(1),
      );
    };
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, stop);
  });
  // A vanished parent (closed terminal) means the same as Ctrl-C; the chains also have PR_SET_PDEATHSIG.
  prctl(1 /* PR_SET_PDEATHSIG */, 15, 0, 0, 0);
  const finished = started.done.then((outcome) => (outcome.every((r) => r.ok) ? 0 : 1));
  const code = await Promise.race([finished, interrupted]);
  finished.catch(() => undefined);
  // Pending timers of an interrupted step must not keep us alive.
  if (code === 130) process.exit(130);
  return code;
}
