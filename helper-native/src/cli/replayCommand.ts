// `pidns replay FILE --at TIME`: the tree as it was at TIME in a trace written by `pidns record`, with the
// renderer `pidns tree` uses. A file that is not a complete, valid trace is refused (exit 2) naming the line.
import { stateAt, TraceError, type Trace } from '../../../shared/core/trace';
import { renderTree } from '../../../shared/core/treeText';
import { readTraceFile } from '../record/traceFile';
import { exitQuietlyOnEpipe, UsageError, wantsHelp } from './usage';

export const REPLAY_HELP = `Usage: pidns replay FILE [--at TIME] [--json] [--width N] [--color|--no-color]

Print the PID namespace tree as it was at TIME in a trace written by 'pidns record'
(plain or gzip). Without --at, print what the trace holds: when, where, how long.

Options:
  --at TIME          seconds from the start of the trace (e.g. 12.5), or an ISO 8601 time
                     (e.g. 2026-12-02T17:00:12Z; without a zone it is local time)
  --json             print the snapshot at TIME as JSON (the format of 'pidns snapshot --json')
  --width N          line width, 40 to 1000 (default: the terminal's, or 80)
  --color/--no-color force colour on or off (default: on only on a tty without NO_COLOR)
  -h, --help         show this help

A truncated, corrupted or newer-version file is refused with the line at fault (exit 2).
`;

interface ReplayArgs {
  file: string;
  at: string | null;
  json: boolean;
  width: number | null;
  color: boolean | null;
}

export function parseReplayArgs(argv: readonly string[]): ReplayArgs {
  const args: ReplayArgs = { file: '', at: null, json: false, width: null, color: null };
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--color') args.color = true;
    else if (a === '--no-color') args.color = false;
    else if (a === '--at' || a === '--width') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`replay: ${a} needs a value (see 'pidns replay --help')`);
      if (a === '--at') args.at = v;
      else {
        if (!/^\d+$/.test(v) || Number(v) < 40 || Number(v) > 1000)
          throw new UsageError('replay: --width needs an integer from 40 to 1000');
        args.width = Number(v);
      }
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`replay: unknown option '${a}' (see 'pidns replay --help')`);
    else files.push(a);
  }
  if (files.length !== 1)
    throw new UsageError(
      files.length === 0 ? `replay: which trace? (pidns replay FILE --at TIME)` : `replay: one trace at a time, got ${files.length} files`,
    );
  args.file = files[0];
  return args;
}

const SECONDS = /^\d+(\.\d+)?$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')} s`;
}

/** TIME as milliseconds from the trace's start. */
export function resolveAt(at: string, trace: Trace): number {
  let t: number;
  if (SECONDS.test(at)) t = Math.round(Number(at) * 1000);
  else if (ISO.test(at) && !Number.isNaN(Date.parse(at))) t = Date.parse(at) - trace.startMs;
  else
    throw new UsageError(
      `replay: --at needs seconds from the start of the trace (e.g. 12.5) or an ISO 8601 time (e.g. ${trace.header.startedAt}), got '${at}'`,
    );
  if (t < 0 || t > trace.endT) {
    const endIso = new Date(trace.startMs + trace.endT).toISOString();
    throw new UsageError(
      `replay: --at ${at} is outside the trace, which runs from 0 to ${secs(trace.endT)} (${trace.header.startedAt} to ${endIso})`,
    );
  }
  return t;
}

function summary(file: string, trace: Trace): string {
  const h = trace.header;
  const diffs = trace.entries.length - trace.keyframes.length;
  return (
    [
      `${file}: pidns trace version ${h.version}, recorded on ${h.host.hostname} (kernel ${h.host.kernel}) as uid ${h.host.uid}, scan every ${h.host.intervalMs} ms`,
      `  from ${h.startedAt} for ${secs(trace.endT)}: ${trace.keyframes.length} keyframe${trace.keyframes.length === 1 ? '' : 's'}, ${diffs} change${diffs === 1 ? '' : 's'}`,
      trace.end === null
        ? '  no end record: the recorder was stopped abruptly; everything up to the last line replays'
        : `  ended: ${trace.end.reason}`,
    ].join('\n') + '\n'
  );
}

export async function runReplayCommand(argv: string[]): Promise<number> {
  exitQuietlyOnEpipe();
  if (wantsHelp(argv)) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  const args = parseReplayArgs(argv);
  let trace: Trace;
  try {
    trace = readTraceFile(args.file);
  } catch (err) {
    // A bad file is bad input, like a bad option: exit 2 with the reason, never a stack.
    if (err instanceof TraceError) throw new UsageError(`replay: ${args.file} is not a readable trace: ${err.message}`);
    throw new UsageError(`replay: ${(err as Error).message}`);
  }
  if (args.at === null) {
    process.stdout.write(summary(args.file, trace));
    return 0;
  }
  const t = resolveAt(args.at, trace);
  const snapshot = stateAt(trace, t);
  if (args.json) {
    process.stdout.write(JSON.stringify(snapshot) + '\n');
    return 0;
  }
  const width = args.width ?? (process.stdout.isTTY ? process.stdout.columns || 80 : 80);
  const color = args.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  process.stdout.write(
    `At ${secs(t)} into ${args.file} (${new Date(trace.startMs + t).toISOString()}, recorded on ${trace.header.host.hostname}):\n`,
  );
  process.stdout.write(renderTree(snapshot, { width, color }));
  return 0;
}
