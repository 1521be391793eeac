// Turns the launcher's outcome into what the user reads: what happened, what still works, what to do.
// Pure (no vscode), so each case is unit tested. The launcher's own per-rung messages say what happened;
// this adds the "what still works / what to do" that only the extension knows (settings, commands).
import type { FailureReason, LaunchAttempt, PrivilegeMode } from '../helper-native/src/launch/privilegeTypes';

export interface Advice {
  /** One-paragraph message for a notification. */
  message: string;
  /** Buttons to offer, by id; privilegeMode.ts showAdvice labels them and carries them out. */
  actions: AdviceAction[];
}

export type AdviceAction = 'showLog' | 'useSudo' | 'usePkexec' | 'useNone' | 'retry' | 'installHelper';

const WHAT_TO_DO: Partial<Record<FailureReason, string>> = {
  'pkexec-missing': 'Install pkexec and polkitd, or switch the privilege mode to sudo.',
  'no-polkit-agent':
    'Run a polkit agent in your desktop session, or have an administrator install the system helper and its polkit rule, or switch the privilege mode to sudo (the password is asked in an input box).',
  'no-polkit-authority': 'Start the system D-Bus and polkit (e.g. `systemctl start polkit`), or switch the privilege mode to sudo.',
  'polkit-not-authorized': 'Ask an administrator for a polkit rule that allows the helper, or switch the privilege mode to sudo.',
  'polkit-dismissed': 'Retry and authenticate in the dialog, or switch the privilege mode to sudo.',
  'pkexec-not-setuid': 'pkexec cannot work in this environment (no_new_privs); switch the privilege mode to sudo.',
  'sudo-missing': 'Install sudo, or use pkexec.',
  'sudo-wrong-password': 'Retry with the right password (the status bar item restarts the helper).',
  'sudo-not-in-sudoers': 'Ask an administrator to allow you sudo, or use pkexec with a polkit rule.',
  'sudo-not-allowed': 'Ask an administrator to allow the helper in sudoers, or use pkexec.',
  'sudo-password-cancelled': 'Retry and enter your password, or stay unprivileged.',
  'unsafe-installed-helper': 'Reinstall the system helper as root (it must be owned by root and not writable by others).',
  'untrusted-helper-declined': 'Run "PID Namespaces: Install the System Helper…" once; later starts then use the root-owned copy.',
  'elevation-tool-unsafe': 'Ask an administrator to reinstall pkexec and sudo from the distribution (root-owned, in /usr/bin).',
  'helper-incompatible': 'Reinstall the system helper from this version of the extension.',
};

/** After a successful launch: advice when it ended less privileged than asked (undefined when all is well). */
export function adviceForLaunch(mode: PrivilegeMode, attempts: LaunchAttempt[]): Advice | undefined {
  if (mode !== 'none') return undefined;
  const failed = attempts.filter((a) => !a.ok);
  if (failed.length === 0) return undefined; // unprivileged was what the user chose
  const last = failed[failed.length - 1];
  const what = failed.map((a) => a.message).join(' ');
  const whatToDo = last.reason ? (WHAT_TO_DO[last.reason] ?? '') : '';
  return {
    message:
      `PID Namespaces runs without root. ${what} What still works: the namespaces of your own processes, and creating nested namespaces through user namespaces. ${whatToDo}`.trim(),
    actions: actionsFor(last.reason),
  };
}

/** When no helper could be started at all. */
export function adviceForFailure(error: Error, platform: string, hasPidNs: boolean): Advice {
  if (platform !== 'linux') {
    return {
      message: `PID Namespaces needs Linux, and this extension host runs on ${platform}. Nothing can be shown here. Open a Linux machine through Remote-SSH, WSL or a dev container: the extension runs on that side.`,
      actions: [],
    };
  }
  if (!hasPidNs) {
    return {
      message:
        'This kernel has no PID namespaces (/proc/self/ns/pid is missing: built without CONFIG_PID_NS?). Nothing can be shown or created here. Use a kernel with PID namespaces (every mainstream distribution kernel has them).',
      actions: [],
    };
  }
  const attempts = (error as { attempts?: LaunchAttempt[] }).attempts ?? [];
  const last = attempts.filter((a) => !a.ok).pop();
  const whatToDo = last?.reason ? (WHAT_TO_DO[last.reason] ?? '') : '';
  return {
    message:
      `The PID Namespaces helper could not be started: ${error.message} Nothing is shown until it runs. ${whatToDo} The helper log has every attempt.`.trim(),
    actions: ['showLog', 'retry', ...actionsFor(last?.reason).filter((a) => a !== 'showLog')],
  };
}

function actionsFor(reason: FailureReason | undefined): AdviceAction[] {
  if (reason === undefined) return ['showLog'];
  if (reason === 'untrusted-helper-declined' || reason === 'unsafe-installed-helper') return ['installHelper', 'showLog'];
  if (reason.startsWith('sudo'))
    return reason === 'sudo-wrong-password' || reason === 'sudo-password-cancelled'
      ? ['retry', 'usePkexec', 'showLog']
      : ['usePkexec', 'showLog'];
  return ['useSudo', 'showLog'];
}

/** The status bar's explanation of each mode. */
export function explainMode(mode: string, actingForUid: number | null | undefined): string {
  switch (mode) {
    case 'root':
      return 'The helper runs as root because VS Code does: every process and namespace is visible and chains are created directly.';
    case 'pkexec':
      return `The helper runs as root through pkexec, acting for uid ${actingForUid ?? '?'}: every namespace is visible; what it starts for you runs as you.`;
    case 'sudo':
      return `The helper runs as root through sudo, acting for uid ${actingForUid ?? '?'}: every namespace is visible; what it starts for you runs as you.`;
    case 'unprivileged':
      return "The helper runs as you, without root: only your own processes' namespaces are visible, and new chains are made inside a user namespace.";
    default:
      return 'The helper is not running.';
  }
}
