// The privilege ladder: start `pidns helper` as root if at all possible, and say at each rung what
// happened. auto: already privileged → direct; else pkexec (never its tty agent: a test or a Remote-SSH
// host must not hang on a prompt); where pkexec cannot ask, sudo -n, then sudo -S with a password from
// the caller's askPassword(); when nothing works, unprivileged (the helper shows what this user can see).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HelloEvent } from '../../../shared/helperProtocol';
import { FAILURE_MESSAGES, UNPRIVILEGED_LIMITS, classifyPkexecFailure, classifySudoFailure, pkexecCouldNotAsk } from './failureMessages';
import type { HelperChannel } from './helperClient';
import { INSTALLED_HELPER, inspectInstalledHelper } from './installedHelper';
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
  /** Environment for the privilege tools (PATH decides whether pkexec/sudo are found). Default process.env. */
  env?: NodeJS.ProcessEnv;
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
    const r = await tryStep(ctx, 'pkexec', 'pkexec', {
      command: 'pkexec',
      args: ['--disable-internal-agent', ...ctx.helper],
      timeoutMs: ctx.opts.authTimeoutMs ?? 120_000,
    });
    if ('launched' in r || mode === 'pkexec' || !pkexecCouldNotAsk(r.reason)) return r;
  }
  const n = await tryStep(ctx, 'sudo-n', 'sudo', { command: 'sudo', args: ['-n', '--', ...ctx.helper] });
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
  return tryStep(ctx, 'sudo-password', 'sudo', {
    command: 'sudo',
    args: ['-S', '-k', '-p', '', '--', ...ctx.helper],
    secretStdinLine: password,
    giveUpOn: /Sorry, try again/,
    timeoutMs: ctx.opts.authTimeoutMs ?? 120_000,
  });
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
    if (o.errno === 'ENOENT' && step === 'pkexec') return 'pkexec-missing';
    if (o.errno === 'ENOENT' && step.startsWith('sudo')) return 'sudo-missing';
    return 'tool-failed';
  }
  if (step === 'pkexec') return classifyPkexecFailure(o.exitCode, o.stderrText);
  if (step === 'sudo-n' || step === 'sudo-password') return classifySudoFailure(o.exitCode, o.stderrText);
  return 'helper-crashed';
}

function record(ctx: Ctx, step: LaunchStep, started: number, reason: FailureReason, o?: Exclude<SpawnOutcome, { ok: true }>): StepResult {
  const how = o ? (o.signal ? `signal ${o.signal}` : o.exitCode !== null ? `exit ${o.exitCode}` : o.why) : 'not run';
  const attempt: LaunchAttempt = { step, ok: false, reason, message: FAILURE_MESSAGES[reason], detail: o?.stderrText || undefined, exitCode: o?.exitCode, ms: Date.now() - started };
  ctx.attempts.push(attempt);
  ctx.opts.log?.(`privilege: ${step} failed (${reason}, ${how}): ${attempt.message}${attempt.detail ? ` [${attempt.detail.replace(/\n/g, ' | ')}]` : ''}`);
  return { reason };
}

function makeContext(opts: LaunchOptions): Ctx {
  const attempts: LaunchAttempt[] = [];
  const userHelper = [opts.nodePath ?? process.execPath, opts.pidnsJs ?? defaultPidnsJs(), 'helper'];
  const installed = inspectInstalledHelper(opts.installedHelper ?? INSTALLED_HELPER);
  if (installed.state === 'unsafe') {
    const message = `${FAILURE_MESSAGES['unsafe-installed-helper']} ${installed.problem}.`;
    attempts.push({ step: 'pkexec', ok: false, reason: 'unsafe-installed-helper', message, ms: 0 });
    opts.log?.(`privilege: refusing ${installed.path}: ${installed.problem}`);
  }
  return { opts, attempts, userHelper, helper: installed.state === 'safe' ? [installed.path] : userHelper };
}

function defaultPidnsJs(): string {
  // dist/extension.js and dist/pidns.js sit beside it; out/helper-native/src/launch/*.js is four levels below the repo.
  const candidates = [join(__dirname, 'pidns.js'), join(__dirname, '..', '..', '..', '..', 'dist', 'pidns.js')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}
