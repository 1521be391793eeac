// The command line of a terminal whose shell runs inside a PID namespace as the user. Pure, so it is unit
// tested. nsenter enters init's PID and mount namespaces (-m gives the namespace's own /proc when it has
// one) and the user's home; setpriv then switches to the user for good (uid, gid and every group of theirs,
// no new privileges), and env -i gives the shell a clean environment of the user's own. nsenter needs root,
// so a non-root window runs it through pkexec or sudo inside the terminal itself, where the pty lets their
// own password prompt work. Every program is named by its absolute path.

export interface TerminalUser {
  uid: number;
  gid: number;
  name: string;
  home: string;
  shell: string;
}

export type TerminalPrivilege = 'root' | 'pkexec' | 'sudo' | 'unprivileged';

export interface TerminalCommand {
  shellPath: string;
  shellArgs: string[];
}

export const NSENTER = '/usr/bin/nsenter';
export const SETPRIV = '/usr/bin/setpriv';
export const ENV = '/usr/bin/env';
export const SH = '/bin/sh';
/** PATH of the shell: system directories only (the user's profile may add to it). */
export const TERMINAL_PATH = '/usr/local/bin:/usr/bin:/bin';

export function terminalCommand(initPid: number, user: TerminalUser, how: TerminalPrivilege): TerminalCommand {
  if (how === 'unprivileged') {
    // No root: only namespaces owned by a user namespace the user created can be entered, through that user namespace.
    return { shellPath: NSENTER, shellArgs: ['-t', String(initPid), '-U', '-p', '-m', '--preserve-credentials', user.shell] };
  }
  // pkexec and sudo reset the environment: give the shell back the user's own HOME, USER and SHELL.
  const inner = [
    NSENTER,
    '-t',
    String(initPid),
    '-p',
    '-m',
    `--wd=${user.home}`,
    SETPRIV,
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    '--init-groups',
    '--no-new-privs',
    '--',
    ENV,
    '-i',
    `PATH=${TERMINAL_PATH}`,
    `HOME=${user.home}`,
    `USER=${user.name}`,
    `LOGNAME=${user.name}`,
    `SHELL=${user.shell}`,
    'TERM=xterm-256color',
    user.shell,
  ];
  if (how === 'root') return { shellPath: inner[0], shellArgs: inner.slice(1) };
  // The terminal's first process stays ours (a shell that waits for pkexec/sudo), not root: closing the
  // terminal signals that process, which a root one would refuse, and its exit hangs up the shell inside.
  const tool = how === 'pkexec' ? '/usr/bin/pkexec' : '/usr/bin/sudo';
  return { shellPath: SH, shellArgs: ['-c', '"$@"; exit $?', 'pidns-terminal', tool, ...inner] };
}
