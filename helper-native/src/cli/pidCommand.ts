// `pidns pid PID [--in CONTAINER | --ns INODE] [--json]`: a PID as the host, a container or a namespace
// sees it → the process, its PID at every level, its container and pod.
import { findContainer, pidReport, renderPidReport } from '../../../shared/core/pidReport';
import { labelledSnapshot } from './snapshotCommand';
import { exitQuietlyOnEpipe, UsageError, wantsHelp } from './usage';

export const PID_HELP = `Usage: pidns pid PID [--in CONTAINER | --ns INODE] [--json]

Find the process that has PID as seen from the caller's namespace (default), from a
container's PID namespace (--in: its name, id or id prefix, or pod-namespace/pod/name) or
from the PID namespace with that inode (--ns), and print its PID at every level,
outermost first, with its container and pod.

Options:
  --in CONTAINER  PID is as the container sees it
  --ns INODE      PID is as namespace pid:[INODE] sees it
  --json          print {process, levels [{level, ns, pid, containers}], container?, pod?}
  -h, --help      show this help
`;

const POSITIVE = /^[1-9]\d{0,9}$/;

export async function runPidCommand(argv: string[]): Promise<number> {
  exitQuietlyOnEpipe();
  if (wantsHelp(argv)) {
    process.stdout.write(PID_HELP);
    return 0;
  }
  let pid: number | undefined;
  let inContainer: string | undefined;
  let inNs: number | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--in' || a === '--ns') {
      const v = argv[++i];
      if (v === undefined || v === '') throw new UsageError(`pid: ${a} needs a value`);
      if (inContainer !== undefined || inNs !== undefined) throw new UsageError('pid: give at most one of --in and --ns');
      if (a === '--in') inContainer = v;
      else if (!POSITIVE.test(v)) throw new UsageError(`pid: --ns needs a namespace inode, got '${v}'`);
      else inNs = Number(v);
    } else if (POSITIVE.test(a) && pid === undefined) pid = Number(a);
    else
      throw new UsageError(
        a.startsWith('-') ? `pid: unknown option '${a}' (see 'pidns pid --help')` : `pid: '${a}' is not a PID (see 'pidns pid --help')`,
      );
  }
  if (pid === undefined) throw new UsageError(`pid: missing PID (see 'pidns pid --help')`);
  const snapshot = await labelledSnapshot();
  let ns = inNs ?? snapshot.self.nsInode;
  if (inContainer !== undefined) {
    const c = findContainer(snapshot, inContainer);
    if (typeof c === 'string') {
      process.stderr.write(`pidns: ${c}\n`);
      return 1;
    }
    ns = c.pidNs;
  }
  const report = pidReport(snapshot, pid, ns);
  if (typeof report === 'string') {
    process.stderr.write(`pidns: ${report}\n`);
    return 1;
  }
  process.stdout.write(json ? JSON.stringify(report) + '\n' : renderPidReport(report));
  return 0;
}
