// Run as the test user by support/polkit.ts launchAs: climbs the privilege ladder from a non-root account,
// asks the helper for one snapshot, shuts it down, and prints what happened as one JSON object.
// The password (if any) is read from stdin, never from argv or the environment.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { HelperClient } from '../../../helper-native/src/launch/helperClient';
import {
  LaunchError,
  launchHelper,
  type UntrustedHelperAnswer,
  type UntrustedHelperInfo,
} from '../../../helper-native/src/launch/launchHelper';
import type { PrivilegeRequest } from '../../../helper-native/src/launch/privilegeTypes';

interface Args {
  mode: PrivilegeRequest;
  path?: string;
  askPassword: boolean;
  pidnsJs: string;
  /** Where the installed helper is looked for (a missing path: no system helper). */
  installedHelper?: string;
  /** The folders pkexec and sudo are looked up in. */
  toolDirs?: string[];
  /** The answer to confirmUntrustedHelper; absent: no callback (like a caller that never allows it). */
  confirm?: UntrustedHelperAnswer;
  /** Keep the helper running this long after its snapshot (so a test can look at the processes meanwhile). */
  holdMs?: number;
  /**
   * Test instrumentation: the moment the launcher has started `sudo -S`, stop that sudo and say
   * "FROZEN <pid>" on stderr, so the root test process can read every /proc entry while the password is
   * in flight and then SIGCONT it (see freezeEverySudoS).
   */
  freezeSudo?: boolean;
}

/**
 * Test instrumentation for freezeSudo: wraps child_process.spawn (which the launcher's spawnHelper calls
 * through the module object) so that a `sudo -S` is stopped (SIGSTOP; its real uid is still ours) the
 * moment spawn() returns, i.e. after exec and before the launcher writes the password into its stdin.
 * Deterministic whatever the machine's load: sudo cannot authenticate, exec in place or exit before the
 * root test process has read every /proc entry and sent SIGCONT.
 */
function freezeEverySudoS(): void {
  const cp = createRequire(__filename)('node:child_process') as typeof import('node:child_process');
  const original = cp.spawn;
  const wrapped = (...args: Parameters<typeof original>): ReturnType<typeof original> => {
    const child = (original as (...a: unknown[]) => ReturnType<typeof original>)(...args);
    const [command, argv] = args as unknown as [string, string[] | undefined];
    if (command.endsWith('/sudo') && Array.isArray(argv) && argv.includes('-S') && child.pid !== undefined) {
      process.kill(child.pid, 'SIGSTOP');
      const pid = child.pid;
      // SIGSTOP takes effect when sudo is next scheduled: report it once it is really stopped.
      const report = (): void => {
        const state = readState(pid);
        if (state === 'T' || state === 'gone') process.stderr.write(`FROZEN ${state === 'T' ? pid : ''}\n`);
        else setTimeout(report, 1);
      };
      report();
    }
    return child;
  };
  cp.spawn = wrapped as typeof original;
}

function readState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? 'gone';
  } catch {
    return 'gone';
  }
}

function readStdinLine(): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    process.stdin.on('data', (d: Buffer) => (data += d.toString()));
    process.stdin.on('end', () => resolve(data.split('\n')[0]));
  });
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as Args;
  if (args.freezeSudo) freezeEverySudoS();
  const logs: string[] = [];
  const started = Date.now();
  const env = args.path !== undefined ? { ...process.env, PATH: args.path } : process.env;
  const confirmAsked: UntrustedHelperInfo[] = [];
  const answer = args.confirm;
  const confirmUntrustedHelper = answer
    ? async (info: UntrustedHelperInfo): Promise<UntrustedHelperAnswer> => {
        confirmAsked.push(info);
        return answer;
      }
    : undefined;
  try {
    const launched = await launchHelper({
      mode: args.mode,
      pidnsJs: args.pidnsJs,
      env,
      log: (l) => logs.push(l),
      askPassword: args.askPassword ? readStdinLine : undefined,
      helloTimeoutMs: 15_000,
      authTimeoutMs: 20_000,
      installedHelper: args.installedHelper,
      toolDirs: args.toolDirs,
      confirmUntrustedHelper,
    });
    const launchMs = Date.now() - started;
    const client = new HelperClient(launched);
    const snapshot = await client.request('snapshot', {});
    const snapshotMs = Date.now() - started - launchMs;
    if (args.holdMs) await new Promise((r) => setTimeout(r, args.holdMs));
    await client.dispose();
    const disposeMs = Date.now() - started - launchMs - snapshotMs;
    const { mode, hello, attempts } = launched;
    const totalMs = Date.now() - started;
    console.log(
      JSON.stringify({
        mode,
        hello,
        attempts,
        logs,
        confirmAsked,
        namespaces: snapshot.namespaces.length,
        launchMs,
        snapshotMs,
        disposeMs,
        totalMs,
      }),
    );
  } catch (e) {
    const attempts = e instanceof LaunchError ? e.attempts : [];
    console.log(JSON.stringify({ attempts, logs, confirmAsked, error: (e as Error).message, totalMs: Date.now() - started }));
  }
}

void main();
