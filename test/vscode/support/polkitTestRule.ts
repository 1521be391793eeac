// A polkit rule that lets one test user run the pidns helper as root through pkexec without a password:
// what an administrator's rule does on a real machine, installed for the duration of a test and removed
// after (also when the test fails). Rules take effect within ~40 ms of being written (notes/privilege.md); each
// function here returns only once pkcheck gives the new answer.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RULES_DIR = '/etc/polkit-1/rules.d';
const HELPER = '/usr/local/lib/pidns-explorer/pidns-helper';

/**
 * Installs the rule; returns its remover. Only the root-owned installed helper is allowed (installSystemHelper
 * below): the extension never elevates its own user-writable bundle without asking, and these tests answer
 * no question, so a run that tried to would hang on the modal dialog and fail, not pass. Also allowed: the
 * terminal's `pkexec /usr/bin/nsenter …` ("Open Terminal in Namespace" in a non-root window), which stands in
 * for the password a person types at pkexec's prompt in that terminal.
 */
export async function installPolkitRule(user: string): Promise<() => void> {
  const rule = `// Written by pidns-explorer's VS Code tests (pid ${process.pid}); removed when they end.
polkit.addRule(function (action, subject) {
  if (subject.user !== ${JSON.stringify(user)}) return polkit.Result.NOT_HANDLED;
  var cmd = action.lookup("command_line") || "";
  if (/^\\/usr\\/local\\/lib\\/pidns-explorer\\/pidns-helper$/.test(cmd)) return polkit.Result.YES;
  if (/^\\/usr\\/bin\\/nsenter /.test(cmd)) return polkit.Result.YES;
  return polkit.Result.NOT_HANDLED;
});
`;
  return writeRule(`40-pidns-explorer-test-${process.pid}.rules`, rule, user, HELPER);
}

/**
 * Writes a rule of this run (stale ones of killed runs removed first) and returns its remover once polkitd grants
 * `user` `commandLine` (undefined: any program) by it.
 */
async function writeRule(name: string, rule: string, user: string, commandLine: string | undefined): Promise<() => void> {
  removeStaleTestRules();
  mkdirSync(RULES_DIR, { recursive: true });
  const file = join(RULES_DIR, name);
  writeFileSync(file, rule, { mode: 0o644 });
  const remove = (): void => rmSync(file, { force: true });
  try {
    await untilPolkitSays(user, commandLine, true, `${file} applied`);
  } catch (err) {
    remove();
    throw err;
  }
  return remove;
}

/**
 * Polls pkcheck for a fresh process of `user` asking to run `commandLine` (undefined: any program) through pkexec,
 * until polkitd's answer is `yes` or not; rules are reloaded asynchronously, so a test must not go on before.
 */
async function untilPolkitSays(user: string, commandLine: string | undefined, yes: boolean, what: string): Promise<void> {
  const id = (flag: string): number => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  // A node timer, not sleep(1): something on this machine kills stray sleeps.
  const subject = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { uid: id('-u'), gid: id('-g'), stdio: 'ignore' });
  const detail = commandLine === undefined ? [] : ['--detail', 'command_line', commandLine];
  try {
    const end = Date.now() + 20_000;
    for (;;) {
      const r = spawnSync('pkcheck', ['--action-id', 'org.freedesktop.policykit.exec', '--process', String(subject.pid), ...detail], {
        stdio: 'pipe',
        timeout: 10_000,
      });
      if ((r.status === 0) === yes) return;
      if (Date.now() > end) throw new Error(`polkitd: not ${what} within 20 s (pkcheck exit ${r.status})`);
      await new Promise((res) => setTimeout(res, 20));
    }
  } finally {
    subject.kill('SIGKILL');
  }
}

/**
 * Removes the rules of test runs that are gone: a run killed outright (SIGKILL, a machine stopped mid-run) never
 * ran its removers, and its rule would keep granting pkexec to the test user in every later run.
 */
export function removeStaleTestRules(): void {
  if (!existsSync(RULES_DIR)) return;
  for (const name of readdirSync(RULES_DIR)) {
    const owner = /^40-pidns-explorer-test-(?:any-)?(\d+)\.rules$/.exec(name)?.[1];
    if (owner !== undefined && !existsSync(`/proc/${owner}`)) rmSync(join(RULES_DIR, name), { force: true });
  }
}

/**
 * For a test that needs pkexec to be unable to ask: no rule of ours may grant `user` the installed helper. Stale
 * rules are removed; a live run's rule fails the test with its name (two runs at once cannot both be right).
 * Resolves once polkitd no longer says yes for it (pkcheck, polled), so a removal not yet loaded cannot pass for it.
 */
export async function noRuleGrants(user: string): Promise<void> {
  removeStaleTestRules();
  const live = existsSync(RULES_DIR) ? readdirSync(RULES_DIR).filter((n) => n.startsWith('40-pidns-explorer-test-')) : [];
  if (live.length > 0) throw new Error(`another test run's polkit rule is in ${RULES_DIR}: ${live.join(', ')}`);
  await untilPolkitSays(user, HELPER, false, `refusing ${user} ${HELPER} after our rules were removed`);
}

/** The system bus (and polkit behind it) must answer, or pkexec cannot work at all. */
export function startSystemServices(repo: string): void {
  execFileSync('bash', [join(repo, 'scripts', 'services.sh'), 'start'], { stdio: 'inherit' });
}

/**
 * The root-owned system helper (scripts/install-system-helper.sh from this checkout), as an administrator
 * installs it: what a non-root window elevates through pkexec. Returns its remover, which uninstalls it
 * only if it was not there before.
 */
export function installSystemHelper(repo: string): () => void {
  const existed = existsSync('/usr/local/lib/pidns-explorer');
  execFileSync('bash', [join(repo, 'scripts', 'install-system-helper.sh')], { stdio: 'pipe', cwd: repo });
  return () => {
    if (!existed) execFileSync('bash', [join(repo, 'scripts', 'install-system-helper.sh'), '--uninstall'], { stdio: 'pipe', cwd: repo });
  };
}

/** For a run that may install the system helper itself (the root suite runs the install command): uninstall it afterwards unless it was there before. */
export function restoreSystemHelperAfter(repo: string): () => void {
  const existed = existsSync('/usr/local/lib/pidns-explorer');
  return () => {
    if (!existed) execFileSync('bash', [join(repo, 'scripts', 'install-system-helper.sh'), '--uninstall'], { stdio: 'pipe', cwd: repo });
  };
}

/** For a test that needs NO system helper: removes it now; the returned function reinstalls it if it was there. */
export function withoutSystemHelper(repo: string): () => void {
  const existed = existsSync('/usr/local/lib/pidns-explorer');
  execFileSync('bash', [join(repo, 'scripts', 'install-system-helper.sh'), '--uninstall'], { stdio: 'pipe', cwd: repo });
  return () => {
    if (existed) execFileSync('bash', [join(repo, 'scripts', 'install-system-helper.sh')], { stdio: 'pipe', cwd: repo });
  };
}

/**
 * A rule that would let `user` run ANY program as root through pkexec: so only the extension's own question stands
 * between its writable files and root. Resolves once polkitd decides by it (pkcheck, polled, says yes for a process
 * of the user), so the test cannot pass only because the rule was not loaded yet.
 */
export async function allowAnyPkexecFor(user: string): Promise<() => void> {
  return writeRule(
    `40-pidns-explorer-test-any-${process.pid}.rules`,
    `polkit.addRule(function (action, subject) {\n  if (action.id === "org.freedesktop.policykit.exec" && subject.user === ${JSON.stringify(user)}) return polkit.Result.YES;\n});\n`,
    user,
    undefined,
  );
}
