// `pidns record [-o FILE] [--duration S] [--interval MS] [--gzip]`: run the discovery stream in-process (the
// same DiscoveryStream `pidns helper` serves) and write what it sends as a trace (shared/core/trace.ts) until
// SIGINT/SIGTERM/SIGHUP or the duration; the file is complete and valid either way.
import { DiscoveryStream } from '../server/discovery';
import { hostInfo, TraceRecorder } from '../record/recorder';
import { defaultTraceName, openTraceSink } from '../record/traceFile';
import { UsageError, wantsHelp } from './usage';

export const RECORD_HELP = `Usage: pidns record [-o FILE] [--duration S] [--interval MS] [--gzip]

Record the live PID namespace hierarchy to a trace file: one snapshot, then every change
with its time (the stream the extension gets), with a full keyframe every 60 s or 300
changes so that any moment can be replayed quickly ('pidns replay FILE --at TIME').
Stops on Ctrl-C, SIGTERM or SIGHUP, or after --duration, and leaves a complete file.

Options:
  -o FILE          where to write (default: pidns-<UTC time>.trace.jsonl[.gz] here; '-' for
                   stdout). An existing file is never overwritten.
  --duration S     stop after S seconds (a number > 0; default: until stopped)
  --interval MS    how often /proc is scanned, 100 to 60000 ms (default 1000)
  --gzip           compress with gzip (also implied by a FILE ending in .gz)
  -h, --help       show this help

Run as root to record every process; unprivileged, other users' processes are counted
as unreadable. Progress and the summary go to stderr.
`;

export interface RecordArgs {
  output: string | null;
  durationMs: number | null;
  intervalMs: number;
  gzip: boolean;
}

function valueOf(argv: readonly string[], i: number, flag: string): string {
  const v = argv[i + 1];
  if (v === undefined) throw new UsageError(`record: ${flag} needs a value (see 'pidns record --help')`);
  return v;
}

export function parseRecordArgs(argv: readonly string[]): RecordArgs {
  const args: RecordArgs = { output: null, durationMs: null, intervalMs: 1000, gzip: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--gzip') args.gzip = true;
    else if (a === '-o' || a === '--output') {
      args.output = valueOf(argv, i++, a);
      if (args.output === '') throw new UsageError('record: -o needs a file name');
    } else if (a === '--duration') {
      const v = valueOf(argv, i++, a);
      if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0 || Number(v) > 366 * 86400) {
        throw new UsageError(`record: --duration needs a number of seconds > 0, got '${v}'`);
      }
      args.durationMs = Math.round(Number(v) * 1000);
    } else if (a === '--interval') {
      const v = valueOf(argv, i++, a);
      if (!/^\d+$/.test(v) || Number(v) < 100 || Number(v) > 60000)
        throw new UsageError(`record: --interval needs an integer from 100 to 60000 (ms), got '${v}'`);
      args.intervalMs = Number(v);
    } else
      throw new UsageError(
        a.startsWith('-')
          ? `record: unknown option '${a}' (see 'pidns record --help')`
          : `record: unexpected argument '${a}' (see 'pidns record --help')`,
      );
  }
  if (args.output?.endsWith('.gz')) args.gzip = true;
  return args;
}

export async function runRecordCommand(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(RECORD_HELP);
    return 0;
  }
  const args = parseRecordArgs(argv);
  const path = args.output ?? defaultTraceName(args.gzip);
  const sink = openTraceSink(path, args.gzip);
  const recorder = new TraceRecorder(sink, hostInfo(args.intervalMs));

  let stop: (reason: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  let failure: Error | null = null;
  sink.onError((err) => {
    failure ??= err;
    stop('write error');
  });
  const stream = new DiscoveryStream((event) => {
    if (event.event === 'log') process.stderr.write(`pidns: record: ${event.message}\n`);
    else {
      try {
        recorder.onEvent(event);
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
        stop('error');
      }
    }
  });
  const onSignal = (signal: NodeJS.Signals): void => stop(signal);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, onSignal);
  // The stream's timer is unref'd (it must not keep `pidns helper` alive); this one keeps us recording.
  const alive = setInterval(() => undefined, 1 << 30);
  // The first (cold) scan runs synchronously in subscribe and can take seconds on a big host: the
  // duration counts from its end, so --duration 5 gives 5 s of changes.
  stream.subscribe({ intervalMs: args.intervalMs });
  const timer = args.durationMs === null ? null : setTimeout(() => stop('duration'), args.durationMs);
  const where = path === '-' ? 'stdout' : path;
  process.stderr.write(
    `Recording to ${where} (scan every ${args.intervalMs} ms${args.gzip ? ', gzip' : ''}${args.durationMs === null ? '' : `, for ${args.durationMs / 1000} s`}); Ctrl-C stops.\n`,
  );

  const reason = await stopped;
  // The stream sends its first snapshot on the next turn of the loop (after subscribe's caller returns);
  // a signal can arrive before that: let it be written so that the trace is never empty.
  await new Promise((resolve) => setImmediate(resolve));
  stream.unsubscribe();
  clearInterval(alive);
  if (timer !== null) clearTimeout(timer);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
  const stats = await recorder.stop(reason);
  if (failure !== null) throw new Error(`record: writing ${where} failed: ${(failure as Error).message}`);
  process.stderr.write(
    `Stopped (${reason}): ${where}, ${stats.bytes} bytes, ${(stats.durationMs / 1000).toFixed(1)} s, ${stats.keyframes} keyframe${stats.keyframes === 1 ? '' : 's'}, ${stats.diffs} change${stats.diffs === 1 ? '' : 's'}.\n`,
  );
  return 0;
}
