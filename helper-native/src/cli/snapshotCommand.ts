// `pidns snapshot [--json]` and `pidns tree`: one cold scan, printed.
import { renderTree } from '../../../shared/core/treeText';
import type { Snapshot } from '../../../shared/core/types';
import { CLI_LOOKUP_MS, takeLabelledSnapshot } from '../containers/label';
import { ContainerResolver } from '../containers/resolver';
import { exitQuietlyOnEpipe, parseFlags, UsageError, wantsHelp } from './usage';

export const SNAPSHOT_HELP = `Usage: pidns snapshot [--json]

Scan /proc once and print every PID namespace and process the caller can see.

Options:
  --json     print one JSON object: self {nsInode, nsDev}, namespaces [{inode, dev, parent,
             level, init, pids, hidden?, ...}], processes [{pid, ppid, comm, uid, ns, nspid,
             container?, ...}], containers [{engine, id, name?, image?, pod?, pidNs, initPid?}],
             unreadable, scannedAsUid, takenAt
  -h, --help show this help

Without --json it prints the same as 'pidns tree'. Run as root to see every process;
unprivileged, other users' processes are counted as unreadable.
`;

export const TREE_HELP = `Usage: pidns tree [--width N] [--color|--no-color]

Print the PID namespace hierarchy as a tree: one node per namespace (pid:[inode], its
level, its init), under it its processes with their PID at every level, outermost first.

Options:
  --width N          line width (default: the terminal's, or 80 when not a tty)
  --color/--no-color force colour on or off (default: on only when stdout is a tty
                     and NO_COLOR is unset)
  -h, --help         show this help
`;

/**
 * A cold scan labelled with containers. The engines get under 1 s after the scan (DOCKER_HOST and
 * CONTAINER_HOST, as their own CLIs read them, point at other sockets); what they could not say in time
 * is shown as engine + short id and the reason goes to stderr. The engines are asked before the scan
 * and waited for after it, so a hung engine adds under 1 s to the command and nothing to the scan.
 */
export async function labelledSnapshot(): Promise<Snapshot> {
  const resolver = new ContainerResolver({ timeoutMs: CLI_LOOKUP_MS, log: (m) => process.stderr.write(`pidns: ${m}\n`) });
  return takeLabelledSnapshot(resolver);
}

async function treeText(width: number, color: boolean): Promise<string> {
  return renderTree(await labelledSnapshot(), { width, color });
}

export async function runSnapshotCommand(argv: string[]): Promise<number> {
  exitQuietlyOnEpipe();
  if (wantsHelp(argv)) {
    process.stdout.write(SNAPSHOT_HELP);
    return 0;
  }
  const flags = parseFlags(argv, ['--json'], 'snapshot');
  if (flags.has('--json')) process.stdout.write(JSON.stringify(await labelledSnapshot()) + '\n');
  else process.stdout.write(await treeText(80, false));
  return 0;
}

export async function runTreeCommand(argv: string[]): Promise<number> {
  exitQuietlyOnEpipe();
  if (wantsHelp(argv)) {
    process.stdout.write(TREE_HELP);
    return 0;
  }
  const rest = [...argv];
  let width = process.stdout.isTTY ? process.stdout.columns || 80 : 80;
  const w = rest.indexOf('--width');
  if (w >= 0) {
    const value = rest[w + 1];
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < 40 || Number(value) > 1000) {
      throw new UsageError('tree: --width needs an integer from 40 to 1000');
    }
    width = Number(value);
    rest.splice(w, 2);
  }
  const flags = parseFlags(rest, ['--color', '--no-color'], 'tree');
  let color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  if (flags.has('--color')) color = true;
  if (flags.has('--no-color')) color = false;
  process.stdout.write(await treeText(width, color));
  return 0;
}
