// Names shared by the launcher, its classifier and its callers (extension status bar, CLI, tests).

/** What the user asks for (the `privilege mode` setting). */
export type PrivilegeRequest = 'auto' | 'root' | 'pkexec' | 'sudo' | 'none';

/** What was reached: the helper runs as root directly, through pkexec, through sudo, or as this user. */
export type PrivilegeMode = 'root' | 'pkexec' | 'sudo' | 'none';

/** One rung of the ladder. */
export type LaunchStep = 'direct' | 'pkexec' | 'sudo-n' | 'sudo-password' | 'unprivileged';

/** Why a rung failed; each has its own human message (see failureMessages.ts). */
export type FailureReason =
  | 'pkexec-missing'
  | 'no-polkit-agent'
  | 'no-polkit-authority'
  | 'polkit-not-authorized'
  | 'polkit-dismissed'
  | 'pkexec-not-setuid'
  | 'sudo-missing'
  | 'sudo-needs-password'
  | 'sudo-wrong-password'
  | 'sudo-not-in-sudoers'
  | 'sudo-not-allowed'
  | 'sudo-password-cancelled'
  | 'unsafe-installed-helper'
  | 'elevation-tool-unsafe'
  | 'untrusted-helper-declined'
  | 'helper-crashed'
  | 'helper-timeout'
  | 'helper-incompatible'
  | 'tool-failed';

export interface LaunchAttempt {
  step: LaunchStep;
  ok: boolean;
  /** Set when ok is false. */
  reason?: FailureReason;
  /** One clear sentence for the user: what happened and what it means. */
  message: string;
  /** The privilege tool's or helper's stderr (trimmed), for the log. Never contains the sudo password. */
  detail?: string;
  exitCode?: number | null;
  ms: number;
}
