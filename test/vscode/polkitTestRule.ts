// A polkit rule that lets one test user run the pidns helper as root through pkexec without a password:
// what an administrator's rule does on a real machine, installed for the duration of a test and removed
// after (also when the test fails). Rules take effect within ~40 ms of being written (notes/privilege.md).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RULES_DIR = '/etc/polkit-1/rules.d';

/**
 * Installs the rule; returns its remover. Allowed: command lines that run the pidns helper, and the
 * terminal's `pkexec /usr/bin/nsenter …` ("Open Terminal in Namespace" in a non-root window), which
 * stands in for the password a person types at pkexec's prompt in that terminal.
 */
export function installPolkitRule(user: string): () => void {
  mkdirSync(RULES_DIR, { recursive: true });
  const file = join(RULES_DIR, `40-pidns-explorer-test-${process.pid}.rules`);
  const rule = `// Written by pidns-explorer's VS Code tests (pid ${process.pid}); removed when they end.
polkit.addRule(function (action, subject) {
  if (subject.user !== ${JSON.stringify(user)}) return polkit.Result.NOT_HANDLED;
  var cmd = action.lookup("command_line") || "";
  if (/pidns\\.js helper$|pidns-explorer\\/pidns-helper/.test(cmd)) return polkit.Result.YES;
  if (/^\\/usr\\/bin\\/nsenter /.test(cmd)) return polkit.Result.YES;
  return polkit.Result.NOT_HANDLED;
});
`;
  writeFileSync(file, rule, { mode: 0o644 });
  return () => rmSync(file, { force: true });
}

/** The system bus (and polkit behind it) must answer, or pkexec cannot work at all. */
export function startSystemServices(repo: string): void {
  execFileSync('bash', [join(repo, 'scripts', 'services.sh'), 'start'], { stdio: 'inherit' });
}
