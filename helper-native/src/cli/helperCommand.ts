// `pidns helper`: the protocol server on stdin/stdout, with the chain ops of create/ops.ts.
import { chainService } from '../create/ops';
import { runHelperServer } from '../server/server';
import { cloexecInheritedFds } from '../sys/pidfd';
import { parseFlags, wantsHelp } from './usage';

export const HELPER_HELP = `Usage: pidns helper

Serve the pidns helper protocol: one JSON request per line on stdin, one JSON response or
event per line on stdout, log lines on stderr. The first line written is a 'hello' event
(protocol version, uid, the uid it acts for from PKEXEC_UID/SUDO_UID, capabilities, kernel).
Requests: snapshot, subscribe {intervalMs, events?, reconcileMs?} (the kernel's process
events where available, else polling every intervalMs; the response says which, and why),
unsubscribe, shutdown, create, destroy, signal, orphan, chains. Exits 0 on EOF or shutdown.
The extension starts it through pkexec; run as root to see every namespace.

Options:
  -h, --help   show this help
`;

export async function runHelperCommand(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(HELPER_HELP);
    return 0;
  }
  parseFlags(argv, [], 'helper');
  cloexecInheritedFds(); // nothing our caller left open reaches what we start for the user
  // A client that goes away must not kill us with EPIPE mid-write; EOF on stdin ends the server.
  process.stdout.on('error', () => process.stdin.destroy());
  const code = await runHelperServer({ input: process.stdin, output: process.stdout, chains: chainService });
  process.stdin.destroy();
  return code;
}
