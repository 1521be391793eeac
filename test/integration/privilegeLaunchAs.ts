// Run as the test user by privilegeHarness.launchAs: climbs the privilege ladder from a non-root account,
// asks the helper for one snapshot, shuts it down, and prints what happened as one JSON object.
// The password (if any) is read from stdin, never from argv or the environment.
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
    console.log(JSON.stringify({ mode, hello, attempts, logs, confirmAsked, namespaces: snapshot.namespaces.length, launchMs, snapshotMs, disposeMs, totalMs }));
  } catch (e) {
    const attempts = e instanceof LaunchError ? e.attempts : [];
    console.log(JSON.stringify({ attempts, logs, confirmAsked, error: (e as Error).message, totalMs: Date.now() - started }));
  }
}

void main();
