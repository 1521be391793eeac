// A sudo password and a sudoers entry for the VS Code suites' non-root user, for one test: what an
// administrator sets up so that a person can type their password into the extension's sudo box. Both are
// undone by the returned functions (the test registers them with t.after, so also when it fails).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** Sets `user`'s password; the remover puts back the exact shadow entry it had (`!`, no password, as useradd leaves it). */
export function setPassword(user: string, password: string): () => void {
  const entry = readFileSync('/etc/shadow', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!entry) throw new Error(`no /etc/shadow entry for ${user}`);
  const before = entry.split(':')[1];
  // On stdin: the password (and the old hash) never appear on a command line.
  execFileSync('chpasswd', { input: `${user}:${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  return () => execFileSync('chpasswd', ['-e'], { input: `${user}:${before}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** /etc/sudoers.d entry: `user` may run exactly `command` as root, with their password. Checked with visudo. */
export function allowSudo(user: string, command: string): () => void {
  const file = `/etc/sudoers.d/pidns-vscode-test-${process.pid}`;
  const remove = (): void => {
    rmSync(file, { force: true });
    // A sudo timestamp left behind would let a later run skip the password box.
    execFileSync('runuser', ['-u', user, '--', 'sudo', '-K'], { stdio: 'pipe' });
  };
  writeFileSync(file, `${user} ALL=(root) ${command}\n`, { mode: 0o440 });
  try {
    execFileSync('visudo', ['-cf', file], { stdio: 'pipe' });
    execFileSync('runuser', ['-u', user, '--', 'sudo', '-K'], { stdio: 'pipe' });
  } catch (err) {
    remove();
    throw err;
  }
  return remove;
}
