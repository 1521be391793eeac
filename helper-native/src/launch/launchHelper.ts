// The privilege ladder: start `pidns helper` as root if at all possible, and say at each rung what
// happened. auto: already privileged → direct; else pkexec (never its tty agent: a test or a Remote-SSH
// host must not hang on a prompt); where pkexec cannot ask, sudo -n, then sudo -S with a password from
// the caller's askPassword(); when nothing works, unprivileged (the helper shows what this user can see).
// pkexec and sudo are run by absolute path from root-owned system folders (elevationTools.ts), never PATH.
// What they run as root is the root-owned installed helper; without one, the only other candidate is the
// extension's own files, which this user and every other extension can write: those are elevated only when
// the caller's confirmUntrustedHelper() says so (the extension asks in a modal dialog; nothing else does).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HelloEvent } from '../../../shared/helperProtocol';
import { FAILURE_MESSAGES, UNPRIVILEGED_LIMITS, classifyPkexecFailure, classifySudoFailure, pkexecCouldNotAsk } from './failureMessages';
import type { HelperChannel } from './helperClient';
import { INSTALLED_HELPER, inspectInstalledHelper } from './installedHelper';
import { findElevationTool, SYSTEM_TOOL_DIRS, type ElevationTool } from './elevationTools';
import { directLaunchIsPrivileged } from './privileges';
import type { FailureReason, LaunchAttempt, LaunchStep, PrivilegeMode, PrivilegeRequest } from './privilegeTypes';
import { spawnHelper, type SpawnOutcome, type SpawnSpec } from './spawnHelper';

export interface LaunchOptions {
  mode?: PrivilegeRequest;
  /** The `pidns` bundle (dist/pidns.js); default: found next to this module or in the repo's dist/. */
  pidnsJs?: string;
  /** Node to run the bundle with; default process.execPath (code-server's own node inside code-server). */
  nodePath?: string;
  /** Asked once, only when sudo needs a password; undefined means the user cancelled. */
  askPassword?: () => Promise<string | undefined>;
  /** One line per attempt and outcome; never receives the password. */
  log?: (line: string) => void;
  /** Wait for hello when no authentication is involved (direct, unprivileged, sudo -n). Default 15 s. */
  helloTimeoutMs?: number;
  /** Wait for hello when a person may be answering a dialog (pkexec with a desktop agent, sudo -S). Default 120 s. */
  authTimeoutMs?: number;
  /** The root-owned installed helper to prefer; default /usr/local/lib/pidns-explorer/pidns-helper. */
  installedHelper?: string;
  /** Environment for the privilege tools and the helper. Default process.env. PATH is never used to find pkexec or sudo. */
  env?: NodeJS.ProcessEnv;
  /** The folders pkexec and sudo are looked up in (each must be root-owned, see elevationTools.ts). Default SYSTEM_TOOL_DIRS. */
  toolDirs?: readonly string[];
  /**
   * Asked once, before pkexec or sudo would run a helper that is NOT the safe root-owned installed copy
   * (the bundle next to this module, which the user and every other extension can write). 'run-once':
   * elevate it this time; 'installed': the caller has just installed the system helper, use it if it is
   * safe now; 'cancel' (or no callback at all): nothing is elevated, the ladder ends unprivileged.
   */
  confirmUntrustedHelper?: (info: UntrustedHelperInfo) => Promise<UntrustedHelperAnswer>;
}

export type UntrustedHelperAnswer = 'run-once' | 'installed' | 'cancel';

export interface UntrustedHelperInfo {
  /** The command that would run as root: node and the bundle, both writable by the user. */
  command: string[];
  /** Where the safe copy would be, and why it was not used (absent, or the audit's finding). */
  installedHelper: string;
  installedProblem?: string;
}

export interface LaunchedHelper extends HelperChannel {
  hello: HelloEvent;
  mode: PrivilegeMode;
  /** Every rung tried, in order, the last one the one that worked. */
  attempts: LaunchAttempt[];
}

export class LaunchError extends Error {
  constructor(
    message: string,
    readonly attempts: LaunchAttempt[],
  ) {
    super(message);
    this.name = 'LaunchError';
  }
}

interface Ctx {
  opts: LaunchOptions;
  attempts: LaunchAttempt[];
  /** The command that runs the helper: the safe installed copy, or node + the bundle. */
  helper: string[];
  /** The helper run directly by this user (never the installed copy: it is meant for root). */
  userHelper: string[];
  installedPath: string;
  installedProblem?: string;
  /** What pkexec/sudo may run, decided once per launch (undefined inside: nothing may be elevated). */
  elevatable?: Promise<string[] | undefined>;
}

type StepResult = { launched: LaunchedHelper } | { reason: FailureReason };

export async function launchHelper(opts: LaunchOptions = {}): Promise<LaunchedHelper> {
  const ctx = makeContext(opts);
  const mode = opts.mode ?? 'auto';
  if (mode === 'root' || (mode === 'auto' && directLaunchIsPrivileged())) {
    const r = await tryStep(ctx, 'direct', 'root', { command: ctx.userHelper[0], args: ctx.userHelper.slice(1) });
    if ('launched' in r) return r.launched;
  } else if (mode === 'auto' || mode === 'pkexec' || mode === 'sudo') {
    const r = await climb(ctx, mode);
    if (r && 'launched' in r) return r.launched;
  }
  const r = await tryStep(ctx, 'unprivileged', 'none', { command: ctx.userHelper[0], args: ctx.userHelper.slice(1) });
  if ('launched' in r) return r.launched;
  throw new LaunchError(`the helper could not be started: ${ctx.attempts.map((a) => a.message).join(' ')}`, ctx.attempts);
}

/** pkexec, then (if pkexec could not even ask) sudo -n, then sudo -S. */
async function climb(ctx: Ctx, mode: 'auto' | 'pkexec' | 'sudo'): Promise<StepResult | undefined> {
  if (mode !== 'sudo') {
    const r = await elevate(ctx, 'pkexec', 'pkexec', (helper) => ({
      args: ['--disable-internal-agent', ...helper],
      timeoutMs: ctx.opts.authTimeoutMs ?? 120_000,
    }));
    if ('launched' in r || mode === 'pkexec' || !pkexecCouldNotAsk(r.reason)) return r;
  }
  const n = await elevate(ctx, 'sudo-n', 'sudo', (helper) => ({ args: ['-n', '--', ...helper] }));
  if ('launched' in n || n.reason !== 'sudo-needs-password') return n;
  return trySudoPassword(ctx);
}

async function trySudoPassword(ctx: Ctx): Promise<StepResult> {
  const started = Date.now();
  const password = ctx.opts.askPassword ? await ctx.opts.askPassword() : undefined;
  if (password === undefined) return record(ctx, 'sudo-password', started, 'sudo-password-cancelled');
  // sudo reads one line: a line break would end the password early and hand the rest to the helper as a request.
  if (/[\r\n]/.test(password)) return record(ctx, 'sudo-password', started, 'sudo-wrong-password');
  // -k: ignore a cached timestamp, so sudo certainly reads the password line and never passes it on to
  // the helper's stdin; -p '': no prompt text on stderr; "Sorry, try again." means wrong: stop at once.
  return elevate(ctx, 'sudo-password', 'sudo', (helper) => ({
    args: ['-S', '-k', '-p', '', '--', ...helper],
    secretStdinLine: password,
    giveUpOn: /Sorry, try again/,
    timeoutMs: ctx.opts.authTimeoutMs ?? 120_000,
  }));
}

/** One elevated rung: the tool from a root-owned system folder, running a helper we may elevate. */
async function elevate(
  ctx: Ctx,
  step: LaunchStep,
  tool: ElevationTool,
  spec: (helper: string[]) => Omit<SpawnSpec, 'timeoutMs' | 'env' | 'command'> & { timeoutMs?: number },
): Promise<StepResult> {
  const started = Date.now();
  const found = findElevationTool(tool, ctx.opts.toolDirs ?? SYSTEM_TOOL_DIRS);
  if (found.state === 'missing') return record(ctx, step, started, tool === 'pkexec' ? 'pkexec-missing' : 'sudo-missing');
  if (found.state === 'unsafe') return record(ctx, step, started, 'elevation-tool-unsafe', undefined, found.problem);
  ctx.elevatable ??= decideElevatable(ctx);
  const helper = await ctx.elevatable;
  if (!helper) return record(ctx, step, started, 'untrusted-helper-declined');
  return tryStep(ctx, step, tool, { command: found.path, ...spec(helper) });
}

/** The safe installed helper; else the user-writable bundle only if the caller confirms; else nothing. */
async function decideElevatable(ctx: Ctx): Promise<string[] | undefined> {
  if (ctx.helper !== ctx.userHelper) return ctx.helper;
  const why = ctx.installedProblem ?? `${ctx.installedPath} is not installed`;
  const ask = ctx.opts.confirmUntrustedHelper;
  if (!ask) {
    ctx.opts.log?.(`privilege: no safe system helper (${why}); the bundled helper is writable by this user, so it is not run as root`);
    return undefined;
  }
  let answer: UntrustedHelperAnswer;
  try {
    answer = await ask({ command: ctx.userHelper, installedHelper: ctx.installedPath, installedProblem: ctx.installedProblem });
  } catch (e) {
    answer = 'cancel'; // a question that failed is not a yes
    ctx.opts.log?.(`privilege: asking whether to elevate the bundled helper failed: ${(e as Error).message}`);
  }
  ctx.opts.log?.(`privilege: no safe system helper (${why}); asked whether to run the user-writable bundle as root: ${answer}`);
  if (answer === 'run-once') return ctx.userHelper;
  if (answer !== 'installed') return undefined;
  const now = inspectInstalledHelper(ctx.installedPath);
  if (now.state === 'safe') return [now.path];
  ctx.opts.log?.(`privilege: the system helper is still not usable: ${now.state === 'unsafe' ? now.problem : 'absent'}`);
  return undefined;
}

async function tryStep(
  ctx: Ctx,
  step: LaunchStep,
  mode: PrivilegeMode,
  spec: Omit<SpawnSpec, 'timeoutMs' | 'env'> & { timeoutMs?: number },
): Promise<StepResult> {
  const started = Date.now();
  ctx.opts.log?.(`privilege: trying ${step}: ${[spec.command, ...spec.args].join(' ')}`);
  const outcome = await spawnHelper({ ...spec, env: ctx.opts.env, timeoutMs: spec.timeoutMs ?? ctx.opts.helloTimeoutMs ?? 15_000 });
  if (outcome.ok) {
    // Direct and unprivileged runs are whatever this process is: name the mode by the uid the helper reports.
    const reached: PrivilegeMode = mode === 'pkexec' || mode === 'sudo' ? mode : outcome.hello.uid === 0 ? 'root' : 'none';
    const running = `helper running (${reached}): uid ${outcome.hello.uid}, acting for ${outcome.hello.actingForUid ?? 'itself'}`;
    const message = reached === 'none' ? `${running}. ${UNPRIVILEGED_LIMITS}` : running;
    ctx.attempts.push({ step, ok: true, message, detail: outcome.stderrText || undefined, exitCode: null, ms: Date.now() - started });
    ctx.opts.log?.(`privilege: ${step} ok in ${Date.now() - started} ms: ${message}`);
    const { child, lines, stderr, hello } = outcome;
    return { launched: { child, lines, stderr, hello, mode: reached, attempts: ctx.attempts } };
  }
  return record(ctx, step, started, classify(step, outcome), outcome);
}

function classify(step: LaunchStep, o: Exclude<SpawnOutcome, { ok: true }>): FailureReason {
  if (o.why === 'incompatible') return 'helper-incompatible';
  if (o.why === 'timeout') return 'helper-timeout';
  if (o.why === 'spawn-error') {
    // The tools were found by absolute path just before: ENOENT now means it vanished meanwhile.
    if (o.errno === 'ENOENT' && step === 'pkexec') return 'pkexec-missing';
    if (o.errno === 'ENOENT' && step.startsWith('sudo')) return 'sudo-missing';
    return 'tool-failed';
  }
  if (step === 'pkexec') return classifyPkexecFailure(o.exitCode, o.stderrText);
  if (step === 'sudo-n' || step === 'sudo-password') return classifySudoFailure(o.exitCode, o.stderrText);
  return 'helper-crashed';
}

function record(
  ctx: Ctx,
  step: LaunchStep,
  started: number,
  reason: FailureReason,
  o?: Exclude<SpawnOutcome, { ok: true }>,
  detail?: string,
): StepResult {
  const how = o ? (o.signal ? `signal ${o.signal}` : o.exitCode !== null ? `exit ${o.exitCode}` : o.why) : 'not run';
  const attempt: LaunchAttempt = {
    step,
    ok: false,
    reason,
    message: FAILURE_MESSAGES[reason],
    detail: o?.stderrText || detail || undefined,
    exitCode: o?.exitCode,
    ms: Date.now() - started,
  };
  ctx.attempts.push(attempt);
  ctx.opts.log?.(
    `privilege: ${step} failed (${reason}, ${how}): ${attempt.message}${attempt.detail ? ` [${attempt.detail.replace(/\n/g, ' | ')}]` : ''}`,
  );
  return { reason };
}

function makeContext(opts: LaunchOptions): Ctx {
  const attempts: LaunchAttempt[] = [];
  const userHelper = [opts.nodePath ?? process.execPath, opts.pidnsJs ?? defaultPidnsJs(), 'helper'];
  const installedPath = opts.installedHelper ?? INSTALLED_HELPER;
  const installed = inspectInstalledHelper(installedPath);
  if (installed.state === 'unsafe') {
    const message = `${FAILURE_MESSAGES['unsafe-installed-helper']} ${installed.problem}.`;
    attempts.push({ step: 'pkexec', ok: false, reason: 'unsafe-installed-helper', message, ms: 0 });
    opts.log?.(`privilege: refusing ${installed.path}: ${installed.problem}`);
  }
  const installedProblem = installed.state === 'unsafe' ? installed.problem : undefined;
  return {
    opts,
    attempts,
    userHelper,
    installedPath,
    installedProblem,
    helper: installed.state === 'safe' ? [installed.path] : userHelper,
  };
}

function defaultPidnsJs(): string {
  // dist/extension.js and dist/pidns.js sit beside it; out/helper-native/src/launch/*.js is four levels below the repo.
  const candidates = [join(__dirname, 'pidns.js'), join(__dirname, '..', '..', '..', '..', 'dist', 'pidns.js')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}
