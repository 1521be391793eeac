// Entry of dist/pidns.js: `pidns <command> [options]`. Wrong usage exits 2 with one line on stderr;
// a failure exits 1.
import { HelperError } from '../helperError';
import { runAuditCommand } from './auditCommand';
import { runCreateCommand } from './createCommand';
import { runDemoCommand } from './demoCommand';
import { runHelperCommand } from './helperCommand';
import { runPidCommand } from './pidCommand';
import { runRecordCommand } from './recordCommand';
import { runReplayCommand } from './replayCommand';
import { runSnapshotCommand, runTreeCommand } from './snapshotCommand';
import { UsageError, type Command } from './usage';
import { enableHolderThread, isHolderWorker } from '../scan/holderThread';

// The dispatch table: `pidns <name>` runs `run(argv)`, which handles its own --help; the summaries make the
// main help.
const COMMANDS: Record<string, Command> = {
  snapshot: { summary: 'print the PID namespaces and processes the caller can see (--json for JSON)', run: runSnapshotCommand },
  tree: { summary: 'print the PID namespace hierarchy as a tree', run: runTreeCommand },
  create: { summary: 'create a chain of nested PID namespaces in the foreground (--depth N)', run: runCreateCommand },
  demo: { summary: 'guided experiments: run a lesson on real namespaces, checking each claim (no name: the list)', run: runDemoCommand },
  pid: { summary: 'a PID as the host, a container or a namespace sees it: its PID at every level, container and pod', run: runPidCommand },
  record: { summary: 'record the live hierarchy to a trace file until stopped (-o FILE, --duration S)', run: runRecordCommand },
  replay: { summary: 'print the tree as it was at a moment of a recorded trace (FILE --at TIME)', run: runReplayCommand },
  helper: { summary: 'serve the line-delimited JSON protocol on stdin/stdout (used by the extension)', run: runHelperCommand },
  'audit-install': { summary: 'check that the installed system helper is root-owned and writable by root only', run: runAuditCommand },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: pidns <command> [options]

Explore Linux PID namespaces: discover the live hierarchy, see every process's PID at
every level.

Commands:
${lines.join('\n')}

Run 'pidns <command> --help' for a command's options.
`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError(`missing command (see 'pidns --help')`);
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp());
    return 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) throw new UsageError(`unknown command '${name}' (see 'pidns --help')`);
  return command.run(rest);
}

// This file is also the holder pass's worker (scan/holderThread.ts): there it only serves.
if (!isHolderWorker()) {
  enableHolderThread();
  runCli();
}

function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`pidns: ${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      const message = err instanceof HelperError || err instanceof Error ? err.message : String(err);
      process.stderr.write(`pidns: ${message.split('\n')[0]}\n`);
      process.exitCode = 1;
    },
  );
}
