// Shared CLI plumbing: the command-table entry type and the usage error that makes main exit 2.

export interface Command {
  /** One line for `pidns --help`. */
  summary: string;
  /** Runs with the arguments after the command name; resolves to the exit code. Handles its own `--help`. */
  run(argv: string[]): Promise<number>;
}

/** Wrong usage: main prints `pidns: <message>` on one line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Accept only the given flags; anything else is a usage error. */
export function parseFlags<F extends string>(argv: readonly string[], allowed: readonly F[], command: string): Set<F> {
  const flags = new Set<F>();
  for (const a of argv) {
    if (!(allowed as readonly string[]).includes(a)) {
      throw new UsageError(
        a.startsWith('-')
          ? `${command}: unknown option '${a}' (see 'pidns ${command} --help')`
          : `${command}: unexpected argument '${a}' (see 'pidns ${command} --help')`,
      );
    }
    flags.add(a as F);
  }
  return flags;
}

/**
 * `pidns tree | head`: the reader closing the pipe early is normal for a printing command, not a crash.
 * (Not for `helper`, which must run its shutdown hooks instead.)
 */
export function exitQuietlyOnEpipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
