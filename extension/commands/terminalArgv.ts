// The command line of a terminal whose shell runs inside a PID namespace as the user. Pure, so it is unit
// tested. nsenter enters init's PID and mount namespaces (-m gives the namespace's own /proc when it has
// one) and drops to the user's uid/gid; nsenter needs root, so a non-root window runs it through pkexec or
// sudo inside the terminal itself, where the pty lets their own password prompt work.

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

export function terminalCommand(initPid: number, user: TerminalUser, how: TerminalPrivilege): TerminalCommand {
  if (how === 'unprivileged') {
    // No root: only namespaces owned by a user namespace the user created can be entered, through that user namespace.
    return { shellPath: NSENTER, shellArgs: ['-t', String(initPid), '-U', '-p', '-m', '--preserve-credentials', user.shell] };
  }
  // pkexec and sudo reset the environment: give the shell back the user's own HOME, USER and SHELL.
  const inner = [
    NSENTER, '-t', String(initPid), '-p', '-m', '-S', String(user.uid), '-G', String(user.gid),
    '/usr/bin/env', `HOME=${user.home}`, `USER=${user.name}`, `LOGNAME=${user.name}`, `SHELL=${user.shell}`, user.shell,
  ];
  if (how === 'root') return { shellPath: inner[0], shellArgs: inner.slice(1) };
  return { shellPath: how === 'pkexec' ? '/usr/bin/pkexec' : '/usr/bin/sudo', shellArgs: inner };
}
