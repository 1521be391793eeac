// `pidns create --depth N [--no-mount-proc] [--json] [-- COMMAND ARGS…]`: build a chain of nested PID
// namespaces in the foreground, print one ready line, and tear everything down on SIGINT/SIGTERM/SIGHUP or
// when our parent dies. With a COMMAND, its end ends the chain and its exit status becomes ours.
import type { ChainExitedEvent, ChainInfo } from '../../../shared/helperProtocol';
import { roomBelow, statusText } from '../../../shared/core/chainReport';
import { ChainManager } from '../create/chainManager';
import { actingUid } from '../identity/actingUser';
import { cloexecInheritedFds } from '../sys/pidfd';
import { ownNestingLevel } from '../create/runtime';
import { prctl } from '../sys/calls';
import { UsageError, wantsHelp } from './usage';
import { nsName } from '../../../shared/core/nsName';

export const CREATE_HELP = `Usage: pidns create --depth N [--no-mount-proc] [--json] [-- COMMAND [ARGS...]]

Create N nested PID namespaces (1 <= N <= 32 minus the caller's own nesting level), each
level's PID 1 creating the next, and run COMMAND (default: a sleeper, 'pidns-sleep') as the
innermost level's PID 1. Stays in the foreground: prints one line when everything is ready,
and on SIGINT/SIGTERM/SIGHUP, or when its parent dies, tears the whole chain down and exits 0.
With COMMAND, the chain ends when COMMAND does, and pidns exits with its status.

As root, COMMAND runs as the invoking user (PKEXEC_UID/SUDO_UID) when there is one. Without
CAP_SYS_ADMIN the chain is built inside a new user namespace (your uid mapped to root).

Options:
  --depth N         how many nested PID namespaces to create
  --no-mount-proc   keep the caller's /proc (default: each level gets a private mount
                    namespace with its own procfs on /proc; nothing is mounted in yours)
  --json            print {"event":"ready","levels":[{"level":1,"ns":<inode>,"init":<pid>},...],
                    "leaf":<pid>}, and later {"event":"gone",...} / {"event":"exit",...} lines
  -h, --help        show this help
`;

interface CreateArgs {
  depth: number;
  mountProc: boolean;
  json: boolean;
  command?: string[];
}

export function parseCreateArgs(argv: readonly string[]): CreateArgs {
  const dash = argv.indexOf('--');
  const opts = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? undefined : argv.slice(dash + 1);
  if (command !== undefined && command.length === 0) throw new UsageError(`create: '--' must be followed by a command`);
  let depth: number | undefined;
  const out = { mountProc: true, json: false };
  for (let i = 0; i < opts.length; i++) {
    const a = opts[i];
    if (a === '--no-mount-proc') out.mountProc = false;
    else if (a === '--json') out.json = true;
    else if (a === '--depth' || a.startsWith('--depth=')) {
      const v = a === '--depth' ? opts[++i] : a.slice('--depth='.length);
      if (v === undefined || !/^\d{1,3}$/.test(v) || Number(v) < 1) {
        throw new UsageError(
          `create: --depth needs an integer from 1 to ${roomBelow(ownNestingLevel())}, got ${v === undefined ? 'nothing' : `'${v}'`}`,
        );
      }
      depth = Number(v);
    } else throw new UsageError(`create: unknown option '${a}' (see 'pidns create --help')`);
  }
  if (depth === undefined) throw new UsageError(`create: --depth N is required (see 'pidns create --help')`);
  return { depth, ...out, command };
}

function readyText(info: ChainInfo): string {
  const lines = [
    `Created ${info.depth} nested PID namespace${info.depth > 1 ? 's' : ''} (${info.engine} engine, ${info.mountProc ? 'private /proc per level' : 'shared /proc'}):`,
  ];
  for (const l of info.levels) lines.push(`  level ${String(l.level).padStart(2)}  ${nsName(l.ns)}  init ${l.init}`);
  lines.push(`  leaf: PID ${info.leaf} (PID 1 of level ${info.depth}), uid ${info.uid}`);
  const mid = info.levels[Math.floor((info.levels.length - 1) / 2)];
  lines.push(
    `Enter a level:  nsenter -t <init> -p${info.mountProc ? ' -m' : ''} [COMMAND]   e.g. nsenter -t ${mid.init} -p${info.mountProc ? ' -m' : ''} sh`,
  );
  lines.push('Ctrl-C or SIGTERM tears everything down.');
  return lines.join('\n') + '\n';
}

/** Ask for SIGTERM when our parent dies, so a vanished parent (shell, extension host) means teardown. */
function followParent(): void {
  const initialParent = process.ppid;
  prctl(1 /* PR_SET_PDEATHSIG */, 15, 0, 0, 0);
  if (process.ppid !== initialParent) process.kill(process.pid, 'SIGTERM'); // it died before prctl
}

export async function runCreateCommand(argv: string[]): Promise<number> {
  if (wantsHelp(argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv)) {
    process.stdout.write(CREATE_HELP);
    return 0;
  }
  const args = parseCreateArgs(argv);
  cloexecInheritedFds(); // nothing our caller left open reaches the leaf
  const manager = new ChainManager({
    leafStdio: 'inherit',
    log: (level, msg) => level !== 'info' && level !== 'debug' && process.stderr.write(`pidns: ${msg}\n`),
  });
  // A consumer that closed our stdout (e.g. `| head -1`) must not crash us with EPIPE: the chain stays up
  // until a signal, as always.
  process.stdout.on('error', () => undefined);
  let ready = false;
  const done = trackEnd(manager, args, () => ready);
  const stop = onTeardownSignal(manager);
  followParent();
  try {
    // Under sudo or pkexec the leaf runs as the user who asked, like the helper's (never as root for them).
    const creating = manager.create({ depth: args.depth, mountProc: args.mountProc, command: args.command }, actingUid().uid);
    const first = await Promise.race([creating, stop]);
    if (typeof first === 'number') {
      creating.catch(() => undefined); // torn down by the signal before it was ready
      return first;
    }
    const info = first;
    ready = true;
    const levels = info.levels.map((l) => ({ level: l.level, ns: l.ns, init: l.init }));
    process.stdout.write(args.json ? JSON.stringify({ event: 'ready', levels, leaf: info.leaf }) + '\n' : readyText(info));
    return await Promise.race([done, stop]);
  } finally {
    await manager.destroyAll();
  }
}

/** Resolves with our exit code once the chain ends on its own, and reports partial teardowns. */
function trackEnd(manager: ChainManager, args: CreateArgs, isReady: () => boolean): Promise<number> {
  manager.on('levelsGone', (_id, level, status) => {
    if (args.json) process.stdout.write(JSON.stringify({ event: 'gone', level, status }) + '\n');
    else if (level < args.depth || args.command === undefined) {
      process.stderr.write(`pidns: level ${level} and every level below it are gone (its init ended: ${statusText(status)})\n`);
    }
  });
  return new Promise((resolve) => {
    manager.on('chainExited', (e: ChainExitedEvent, leafStatus: number) => {
      const status = e.reason === 'leaf-exited' ? leafStatus : e.reason === 'destroyed' ? 0 : 1;
      if (!isReady()) return; // a failed build is reported once, by the error create() throws
      if (args.json) process.stdout.write(JSON.stringify({ event: 'exit', reason: e.reason, status }) + '\n');
      else if (e.reason === 'leaf-exited')
        process.stderr.write(`pidns: ${e.message ?? 'the leaf command ended'}; the chain is torn down\n`);
      else if (e.reason !== 'destroyed') process.stderr.write(`pidns: the chain ended: ${e.reason}${e.message ? ` (${e.message})` : ''}\n`);
      resolve(status);
    });
  });
}

/** SIGINT/SIGTERM/SIGHUP: destroy every chain (verified), then resolve 0. */
function onTeardownSignal(manager: ChainManager): Promise<number> {
  return new Promise((resolve, reject) => {
    let started = false;
    const handler = (): void => {
      if (started) return;
      started = true;
      manager.destroyAll().then(() => resolve(0), reject);
    };
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, handler);
  });
}
