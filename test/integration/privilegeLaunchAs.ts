// Run as the test user by privilegeHarness.launchAs: climbs the privilege ladder from a non-root account,
// asks the helper for one snapshot, shuts it down, and prints what happened as one JSON object.
// The password (if any) is read from stdin, never from argv or the environment.
import { readdirSync, readFileSync } from 'node:fs';
import { HelperClient } from '../../helper-native/src/launch/helperClient';
import { LaunchError, launchHelper, type UntrustedHelperAnswer, type UntrustedHelperInfo } from '../../helper-native/src/launch/launchHelper';
import type { PrivilegeRequest } from '../../helper-native/src/launch/privilegeTypes';

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
   * Test instrumentation: the moment the launcher has started `sudo -S` (and written the password to its
   * stdin), stop that sudo (SIGSTOP; its real uid is still ours) and say "FROZEN <pids>" on stderr, so the
   * root test process can read every /proc entry while the password is in flight and then SIGCONT it.
   */
  freezeSudo?: boolean;
}

/** Our own children named sudo, stopped (SIGSTOP takes effect when sudo is next scheduled: wait for state T); their pids. */
async function freezeSudoChildren(): Promise<number[]> {
  const kids = readdirSync('/proc/self/task').flatMap((tid) => readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  const sent = kids.filter((pid) => {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'sudo') return false;
      process.kill(pid, 'SIGSTOP');
      return true;
    } catch {
      return false;
    }
  });
  const state = (pid: number): string => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? 'gone';
    } catch {
      return 'gone';
    }
  };
  for (const end = Date.now() + 5000; Date.now() < end && sent.some((p) => !['T', 'gone'].includes(state(p))); ) await new Promise((r) => setTimeout(r, 1));
  return sent.filter((p) => state(p) === 'T');
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
      log: (l) => {
        logs.push(l);
        // spawnHelper spawns (exec done when spawn() returns) and writes the password before this callback's caller awaits.
        if (args.freezeSudo && l.startsWith('privilege: trying sudo-password')) setImmediate(() => void freezeSudoChildren().then((pids) => process.stderr.write(`FROZEN ${pids.join(',')}\n`)));
      },
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
    console.log(JSON.stringify({ mode, hello, attempts, logs, confirmAsked, namespaces: snapshot.namespaces.length, launchMs, snapshotMs, disposeMs, totalMs }));
  } catch (e) {
    const attempts = e instanceof LaunchError ? e.attempts : [];
    console.log(JSON.stringify({ attempts, logs, confirmAsked, error: (e as Error).message, totalMs: Date.now() - started }));
  }
}

void main();
