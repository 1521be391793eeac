// Set-up for the privilege tests: a real system bus and polkitd (scripts/services.sh), the root-owned
// installed helper (scripts/install-system-helper.sh), a test user, and polkit rules / sudoers entries
// that each test adds and removes again (also when it fails).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { UntrustedHelperAnswer, UntrustedHelperInfo } from '../../../helper-native/src/launch/launchHelper';
import type { LaunchAttempt, PrivilegeMode, PrivilegeRequest } from '../../../helper-native/src/launch/privilegeTypes';
import type { HelloEvent } from '../../../shared/helperProtocol';

export const REPO = join(__dirname, '..', '..', '..', '..');
/**
 * Our own test user, left in place afterwards (documented). Not the VS Code suites' `pidns-test`: these
 * tests set its password, groups, polkit rules (including a denying one) and sudoers entries, which must
 * not leak into another suite's run.
 */
export const TEST_USER = 'pidns-priv-test';
export const TEST_PASSWORD = 'pidns-test-pw-7Qx';
export const INSTALLED_DIR = '/usr/local/lib/pidns-explorer';

interface AfterHook {
  after: (fn: () => unknown) => void;
}

export function ensureTestUser(): number {
  try {
    execFileSync('id', ['-u', TEST_USER], { stdio: 'pipe' });
  } catch {
    execFileSync('useradd', ['-m', '-s', '/bin/bash', TEST_USER], { stdio: 'pipe' });
  }
  // Passed on stdin: chpasswd never sees the password on a command line.
  execFileSync('chpasswd', { input: `${TEST_USER}:${TEST_PASSWORD}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  return Number(execFileSync('id', ['-u', TEST_USER], { encoding: 'utf8' }).trim());
}

export function startServices(): void {
  execFileSync('bash', [join(REPO, 'scripts/services.sh'), 'start'], { stdio: 'pipe' });
}

/** Installs the root-owned helper; the returned function removes it again unless it was there before. */
export function installSystemHelper(): () => void {
  const existed = existsSync(INSTALLED_DIR);
  execFileSync('bash', [join(REPO, 'scripts/install-system-helper.sh')], { stdio: 'pipe', cwd: REPO });
  return () => {
    if (!existed) execFileSync('bash', [join(REPO, 'scripts/install-system-helper.sh'), '--uninstall'], { stdio: 'pipe', cwd: REPO });
  };
}

/**
 * What every file of privilege tests sets up around its tests, as node:test hooks: root, the test user, the
 * system bus and polkitd, and the installed helper (removed after unless it was there); after the last test
 * no helper may still run. `onUser` gets the test user's uid.
 */
export function privilegeFixture(onUser: (uid: number) => void): void {
  let uninstall: () => void = () => undefined;
  before(() => {
    assert.equal(process.getuid?.(), 0, 'the privilege tests run as root');
    assert.ok(existsSync(join(REPO, 'dist/pidns.js')), 'dist/pidns.js missing: run node scripts/build.mjs');
    onUser(ensureTestUser());
    startServices();
    uninstall = installSystemHelper();
  });
  after(() => {
    uninstall();
    assert.deepEqual(strayHelpers(), [], 'no helper outlives the tests');
  });
}

/** A ladder's attempts as `step:ok` or `step:reason`, to compare with the expected climb. */
export function steps(attempts: LaunchAttempt[]): string[] {
  return attempts.map((a) => `${a.step}:${a.ok ? 'ok' : a.reason}`);
}

let counter = 0;
function uniqueName(): string {
  return `pidns-b2-${process.pid}-${++counter}`;
}

const ACTION = 'org.pidns-explorer.helper';

/** pkcheck's decision on our action for the process `pid`: 0 authorized, 1 not authorized, 2 needs authentication. */
function pkcheck(pid: number, details: string[]): number {
  const r = spawnSync('pkcheck', ['--action-id', ACTION, '--process', String(pid), ...details], { stdio: 'pipe', timeout: 10_000 });
  return r.status ?? -1;
}

/**
 * A polkit rule for our action and the test user, removed after the test. Returns once polkitd decides by
 * it: pkcheck, polled, must give the rule's answer both for a probe only this rule file knows (a detail with
 * a unique marker, asked for a `nobody` process, so an earlier rule for the test user cannot answer it) and
 * for a process of the test user (so no rule of an earlier test that is still loaded decides instead).
 */
export async function withPolkitRule(t: AfterHook, result: 'YES' | 'NO'): Promise<void> {
  const name = uniqueName();
  const file = `/etc/polkit-1/rules.d/10-${name}.rules`;
  t.after(() => rmSync(file, { force: true }));
  writeFileSync(
    file,
    `polkit.addRule(function (action, subject) {\n  if (action.id === "${ACTION}" && (subject.user === "${TEST_USER}" || action.lookup("pidnsprobe") === "${name}")) return polkit.Result.${result};\n});\n`,
    { mode: 0o644 },
  );
  const want = result === 'YES' ? 0 : 1;
  const id = (flag: string): number => Number(execFileSync('id', [flag, TEST_USER], { encoding: 'utf8' }).trim());
  const subjects = [
    spawn('sleep', ['60'], { uid: 65534, gid: 65534, stdio: 'ignore' }),
    spawn('sleep', ['60'], { uid: id('-u'), gid: id('-g'), stdio: 'ignore' }),
  ];
  try {
    const [probe, user] = subjects.map((c) => c.pid ?? -1);
    const end = Date.now() + 20_000;
    let got: number[] = [];
    for (;;) {
      got = [pkcheck(probe, ['--detail', 'pidnsprobe', name]), pkcheck(user, [])];
      if (got.every((g) => g === want)) return;
      if (Date.now() > end) throw new Error(`polkitd did not apply ${file} within 20 s: pkcheck said ${got.join(' and ')} (want ${want})`);
      await sleep(20);
    }
  } finally {
    for (const c of subjects) c.kill('SIGKILL');
  }
}

/** A sudoers.d entry for the test user (checked with visudo first), removed after the test. */
export function withSudoers(t: AfterHook, spec: string): void {
  const file = `/etc/sudoers.d/${uniqueName()}`;
  t.after(() => rmSync(file, { force: true }));
  writeFileSync(file, `${TEST_USER} ALL=(root) ${spec}\n`, { mode: 0o440 });
  execFileSync('visudo', ['-cf', file], { stdio: 'pipe' });
  // sudo's timestamp would let a later test pass without a password.
  execFileSync('runuser', ['-u', TEST_USER, '--', 'sudo', '-K'], { stdio: 'pipe' });
}

export interface LaunchAsResult {
  mode?: PrivilegeMode;
  hello?: HelloEvent;
  attempts: LaunchAttempt[];
  logs: string[];
  /** Each time the launcher asked to elevate the user-writable bundle. */
  confirmAsked: UntrustedHelperInfo[];
  /** Namespaces the helper's snapshot saw, to show it answers requests. */
  namespaces?: number;
  error?: string;
  /** Ladder until hello; first snapshot; dispose until the helper exited. */
  launchMs?: number;
  snapshotMs?: number;
  disposeMs?: number;
  totalMs: number;
}

export interface LaunchAsOptions {
  mode?: PrivilegeRequest;
  /** PATH for the launcher (which must NOT decide where pkexec and sudo are). */
  path?: string;
  /** installedHelper for the launcher: a missing path means no system helper. */
  installedHelper?: string;
  /** toolDirs for the launcher (where pkexec and sudo are looked up). */
  toolDirs?: string[];
  /** How the confirmUntrustedHelper callback answers; absent: no callback. */
  confirm?: UntrustedHelperAnswer;
  /** Keep the helper running this long after its snapshot. */
  holdMs?: number;
  /** Stop `sudo -S` right after the launcher started it (see privilegeLaunchAs.ts); onStderrLine gets "FROZEN <pids>". */
  freezeSudo?: boolean;
  /** Each line the launch writes on stderr, as it comes. */
  onStderrLine?: (line: string) => void;
  /** Offer this password when sudo asks; absent: no askPassword callback (the prompt is "cancelled"). */
  password?: string;
  /** Run in a private mount namespace with an empty /run/dbus: pkexec finds no system bus (as on a host without D-Bus). */
  hideSystemBus?: boolean;
}

/** Runs privilegeLaunchAs.js as the test user, so the launcher climbs the ladder from a non-root account. */
export function launchAs(opts: LaunchAsOptions): Promise<LaunchAsResult> {
  const args = JSON.stringify({
    mode: opts.mode ?? 'auto',
    path: opts.path,
    askPassword: opts.password !== undefined,
    pidnsJs: join(REPO, 'dist/pidns.js'),
    installedHelper: opts.installedHelper,
    toolDirs: opts.toolDirs,
    confirm: opts.confirm,
    holdMs: opts.holdMs,
    freezeSudo: opts.freezeSudo,
  });
  const asUser = ['runuser', '-u', TEST_USER, '--', process.execPath, join(__dirname, 'launchAs.js'), args];
  // The mount namespace dies with the process: nothing to unmount afterwards.
  const argv = opts.hideSystemBus
    ? ['unshare', '-m', '--propagation', 'private', '--', 'sh', '-c', 'mount -t tmpfs tmpfs /run/dbus && exec "$@"', 'sh', ...asUser]
    : asUser;
  const child = spawn(argv[0], argv.slice(1), {
    cwd: '/',
    stdio: ['pipe', 'pipe', 'pipe'],
    // A new process group, so a hung run can be killed with everything it started.
    detached: true,
  });
  // The password goes to the script's stdin, like the extension's input box hands it over in memory.
  child.stdin.end(opts.password !== undefined ? opts.password + '\n' : '');
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let partial = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) opts.onStderrLine?.(line);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child.pid);
      reject(new Error(`launchAs hung: ${err}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      killGroup(child.pid); // nothing should be left; this makes sure
      try {
        resolve(JSON.parse(out) as LaunchAsResult);
      } catch {
        reject(new Error(`launchAs exit ${code}: ${out} ${err}`));
      }
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** A group that exists only for one test, with the test user in it; removed (and the user taken out) afterwards. */
export function withTestGroup(t: AfterHook): { name: string; gid: number } {
  const name = `pidns-b2g-${process.pid % 100000}-${++counter}`;
  t.after(() => execFileSync('groupdel', [name], { stdio: 'pipe' }));
  execFileSync('groupadd', [name], { stdio: 'pipe' });
  execFileSync('gpasswd', ['-a', TEST_USER, name], { stdio: 'pipe' });
  return { name, gid: Number(execFileSync('getent', ['group', name], { encoding: 'utf8' }).split(':')[2]) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Helpers still running as the test user or from the installed copy (none should outlive a test). */
export function strayHelpers(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,user:20=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => / helper$/.test(l) && (l.includes(INSTALLED_DIR) || l.includes(` ${TEST_USER} `)));
}

export interface SecretWatch {
  /** Full passes over /proc. */
  scans: number;
  /** Full passes made while a `sudo -S` of the launch was stopped right after it got the password. */
  scansWhileSudo: number;
  /** Where the secret was found: "/proc/PID/cmdline (comm)" or "/proc/PID/environ (comm)". */
  hits: string[];
}

/**
 * launchAs, watched: reads every /proc/PID/cmdline and /proc/PID/environ (as root: every process's) while
 * the launch runs, looking for `secret`. The sudo password must live only in sudo's stdin pipe, never in
 * any process's command line or environment, the launcher's, sudo's or the helper's alike. Timing alone
 * cannot promise a look at a `sudo -S` that lives ~100 ms on a loaded machine, so the launch stops each
 * `sudo -S` the moment it is spawned (freezeSudo, privilegeLaunchAs.ts): a full pass runs with sudo frozen
 * and its password line waiting in its stdin, then sudo goes on (SIGCONT). Between those, full passes run
 * back to back (they cover the helper that sudo starts, and the launcher).
 */
export async function launchAsWatched(opts: LaunchAsOptions, secret: string): Promise<{ r: LaunchAsResult; seen: SecretWatch }> {
  const seen: SecretWatch = { scans: 0, scansWhileSudo: 0, hits: [] };
  const needle = Buffer.from(secret);
  const fullPass = (): void => {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      const comm = readOrEmpty(`/proc/${pid}/comm`).toString().trim();
      for (const file of ['cmdline', 'environ']) {
        const where = `/proc/${pid}/${file} (${comm})`;
        if (readOrEmpty(`/proc/${pid}/${file}`).includes(needle) && !seen.hits.includes(where)) seen.hits.push(where);
      }
    }
    seen.scans++;
  };
  const onStderrLine = (line: string): void => {
    if (!line.startsWith('FROZEN ')) return;
    const pids = line.slice(7).split(',').filter(Boolean).map(Number);
    try {
      // Only a sudo that really is stopped, still there, counts.
      const frozen = pids.filter((p) => readOrEmpty(`/proc/${p}/stat`).toString().split(') ')[1]?.startsWith('T'));
      fullPass();
      if (frozen.length > 0) seen.scansWhileSudo++;
    } finally {
      for (const p of pids) signal(p, 'SIGCONT');
    }
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      fullPass();
      await sleep(5);
    }
  })();
  try {
    const r = await launchAs({ ...opts, freezeSudo: true, onStderrLine });
    return { r, seen };
  } finally {
    running = false;
    await loop;
  }
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false; // exited meanwhile
  }
}

function readOrEmpty(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    return Buffer.alloc(0); // the process exited meanwhile
  }
}
