// Turns a privilege tool's exit (code + stderr) into a named reason and one clear message. Pure: the
// texts matched here were measured on Debian 12 (pkexec 122, sudo 1.9.13; see notes/privilege.md).
import type { FailureReason } from './privilegeTypes';

export const FAILURE_MESSAGES: Record<FailureReason, string> = {
  'pkexec-missing': 'pkexec is not installed (Debian/Ubuntu: apt-get install pkexec polkitd).',
  'no-polkit-agent':
    'pkexec cannot ask for a password here: no polkit authentication agent is running for this session. This is normal over Remote-SSH and in headless sessions.',
  'no-polkit-authority': 'pkexec cannot reach polkit: the system D-Bus or polkitd is not running.',
  'polkit-not-authorized': 'polkit did not authorize running the helper as root (a polkit rule or the administrator said no).',
  'polkit-dismissed': 'The polkit authentication dialog was dismissed.',
  'pkexec-not-setuid': 'pkexec cannot gain root here (it must be setuid root, and no_new_privs forbids that).',
  'sudo-missing': 'sudo is not installed.',
  'sudo-needs-password': 'sudo needs a password to run the helper.',
  'sudo-wrong-password': 'The sudo password was wrong.',
  'sudo-not-in-sudoers': 'This user is not in the sudoers file, so sudo cannot be used.',
  'sudo-not-allowed': 'sudo does not allow this user to run the helper as root.',
  'sudo-password-cancelled': 'No sudo password was given.',
  'unsafe-installed-helper':
    'The installed helper is not safe to run as root (it or a folder above it is not owned by root or is writable by others); it was not used.',
  'elevation-tool-unsafe':
    'The pkexec or sudo found in the system folders is not owned by root or is writable by others; it was not run (PATH is never searched for them).',
  'untrusted-helper-declined':
    'No root-owned system helper is installed, and running the extension\'s own helper files (which you and every other extension can write) as root was not confirmed; nothing was run as root. "Install the System Helper…" installs a root-owned copy once.',
  'helper-crashed': 'The helper exited before it was ready.',
  'helper-timeout': 'The helper did not start in time.',
  'helper-incompatible': 'The helper speaks another protocol version (an old installed copy?); reinstall it.',
  'tool-failed': 'The privilege tool failed.',
};

/** What an unprivileged helper cannot do, said whenever the ladder ends there. */
export const UNPRIVILEGED_LIMITS =
  "Without root the helper sees only this user's processes (others' /proc/PID/ns links are unreadable, so their namespaces stay hidden or unknown) and creates namespaces inside a new user namespace.";

/** pkexec's exit before the helper said hello: a pkexec failure, or (unknown text) the helper's own crash. */
export function classifyPkexecFailure(exitCode: number | null, stderr: string): FailureReason {
  if (/No authentication agent found|Error creating textual authentication agent|\/dev\/tty/.test(stderr)) return 'no-polkit-agent';
  if (/Error getting authority|Error initializing authority/.test(stderr)) return 'no-polkit-authority';
  if (/Not authorized/.test(stderr)) return 'polkit-not-authorized';
  if (/must be setuid root/.test(stderr)) return 'pkexec-not-setuid';
  // 126 is pkexec's "the dialog was dismissed"; a helper's own exit code is never 126 (node exits 1, or dies by signal).
  if (exitCode === 126) return 'polkit-dismissed';
  if (exitCode === 127 && /^Error executing command as another user/m.test(stderr)) return 'tool-failed';
  return 'helper-crashed';
}

/** sudo's exit before the helper said hello. */
export function classifySudoFailure(exitCode: number | null, stderr: string): FailureReason {
  if (/is not in the sudoers file/.test(stderr)) return 'sudo-not-in-sudoers';
  if (/is not allowed to execute/.test(stderr)) return 'sudo-not-allowed';
  if (/Sorry, try again|incorrect password attempt/.test(stderr)) return 'sudo-wrong-password';
  if (/a password is required|no password was provided|a terminal is required/.test(stderr)) return 'sudo-needs-password';
  if (/^sudo: /m.test(stderr) && exitCode === 1) return 'tool-failed';
  return 'helper-crashed';
}

/** pkexec failures after which sudo is worth trying: pkexec could not ask at all. A "no" or a dismissal is final. */
export function pkexecCouldNotAsk(reason: FailureReason): boolean {
  return (
    reason === 'pkexec-missing' ||
    reason === 'elevation-tool-unsafe' ||
    reason === 'no-polkit-agent' ||
    reason === 'no-polkit-authority' ||
    reason === 'pkexec-not-setuid'
  );
}
