// The fast engine: dist/native/pidns-init builds the whole chain itself and reports each level on fd 3
// (see the header of helper-native/init/pidns-init.c for the line format). We only spawn it once.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { limitFromEnospc, parseInitReport, statusText, type InitReport } from '../../../shared/core/chainReport';
import { HelperError } from '../helperError';
import { errnoName } from '../sys/libc';
import { runAsArgs } from '../identity/runAs';
import { BoundedLineSplitter } from '../server/lineInput';
import type { ChainSpec, EngineListener, RunningChain } from './engine';

const ENOSPC = 28;
const EPERM = 1;
const EACCES = 13;

export function nativeArgs(spec: ChainSpec): string[] {
  const args = ['chain', '--depth', String(spec.depth), '--ready-fd', '3', '--expect-parent', String(process.pid)];
  if (!spec.mountProc) args.push('--no-mount-proc');
  if (spec.userns) args.push('--userns');
  if (spec.runAs) args.push(...runAsArgs(spec.runAs));
  if (spec.command) args.push('--', ...spec.command);
  return args;
}

/** The longest line of the chain's stderr (the leaf's, i.e. the user's command's) the helper keeps; the rest of it is dropped. */
export const MAX_STDERR_LINE = 4096;

/**
 * Lines of a child's stderr, each at most MAX_STDERR_LINE bytes: the leaf writes there, and a user's command
 * must not make the root helper buffer an endless line.
 */
export function boundedLines(stream: Readable, line: (text: string) => void): void {
  const splitter = new BoundedLineSplitter(MAX_STDERR_LINE, {
    line,
    tooLong: () => line(`(a line longer than ${MAX_STDERR_LINE} bytes was dropped: limit stderr-line)`),
  });
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  stream.on('end', () => splitter.end());
}

/** "ENOENT (errno 2)" from the number, for messages a user can look up. */
export function errnoText(errno: number): string {
  const name = errnoName(errno);
  return name.startsWith('E') ? `${name} (errno ${errno})` : name;
}

export function buildError(r: Extract<InitReport, { kind: 'error' }>, spec: Pick<ChainSpec, 'depth' | 'userns' | 'runAs'>): HelperError {
  const where = `creating level ${r.level} (${r.what})`;
  if (r.errno === ENOSPC && r.level === 0) {
    return new HelperError(
      'limit',
      `${where} failed: the limit of user namespaces was reached (ENOSPC; see /proc/sys/user/max_user_namespaces)`,
    );
  }
  if (r.errno === ENOSPC) return new HelperError('limit', limitFromEnospc(r.level, spec.depth));
  const userns = spec.userns;
  if (spec.runAs && /^(set|getresuid|credentials|getrlimit|PR_SET_NO_NEW_PRIVS|close_range|chdir|write the user namespace)/.test(r.what)) {
    return new HelperError(
      'not-permitted',
      `${where} failed: ${errnoText(r.errno)}: could not switch to uid ${spec.runAs.uid}, so the command was not run (never as root instead)`,
    );
  }
  if (r.errno === EPERM || r.errno === EACCES) {
    const why = userns
      ? 'unprivileged user namespaces may be disabled here (kernel.unprivileged_userns_clone, or an LSM)'
      : 'this needs CAP_SYS_ADMIN';
    return new HelperError('not-permitted', `${where} failed: permission denied (errno ${r.errno}): ${why}`);
  }
  if (r.what === 'find the command' || r.what === 'exec')
    return new HelperError(
      'failed',
      `${where} failed: ${errnoText(r.errno)}: the command was not found or is not executable for uid ${spec.runAs?.uid ?? 'of the caller'}`,
    );
  return new HelperError('failed', `${where} failed: ${errnoText(r.errno)}`);
}

export function startNativeChain(initPath: string, spec: ChainSpec, listener: EngineListener): RunningChain {
  const leafIo = spec.leafStdio === 'inherit' ? 'inherit' : 'ignore';
  const child = spawn(initPath, nativeArgs(spec), {
    env: spec.runAs?.env, // the init chdirs to the user's home itself (become_user)
    stdio: [leafIo, leafIo, spec.leafStdio === 'inherit' ? 'inherit' : 'pipe', 'pipe'],
  });
  let settle: { resolve(leaf: number): void; reject(err: Error): void } | undefined;
  const ready = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
  let failure: HelperError | undefined;
  let exitLine: Extract<InitReport, { kind: 'exit' }> | undefined;

  const onReport = (r: InitReport): void => {
    if (r.kind === 'level') listener.level({ level: r.level, ns: r.ns, init: r.init });
    else if (r.kind === 'ready') settle?.resolve(r.leaf);
    else if (r.kind === 'gone') listener.gone(r.level, r.status);
    else if (r.kind === 'error') failure = buildError(r, spec);
    else exitLine = r;
  };
  createInterface({ input: child.stdio[3] as Readable }).on('line', (line) => {
    const r = parseInitReport(line);
    if (r) onReport(r);
    else listener.log(`pidns-init: unexpected report line ${JSON.stringify(line.slice(0, 200))}`);
  });
  if (child.stderr) boundedLines(child.stderr, (line) => listener.log(line));

  child.on('error', (err) => {
    settle?.reject(new HelperError('failed', `could not start ${initPath}: ${err.message}`));
  });
  // 'close', not 'exit': the report lines still in the pipe must be read before the chain counts as gone.
  child.on('close', (code, signal) => {
    const status = code ?? 128;
    const message = failure?.message ?? (signal ? `pidns-init was killed by ${signal}` : undefined);
    settle?.reject(failure ?? new HelperError('failed', `pidns-init exited before the chain was ready (${statusText(status)})`));
    listener.exit(exitLine?.reason ?? 'failed', exitLine?.status ?? status, message);
  });

  return {
    engine: 'native',
    anchorPid: child.pid ?? -1,
    ready,
    terminate: () => void child.kill('SIGTERM'),
    kill: () => void child.kill('SIGKILL'),
  };
}
