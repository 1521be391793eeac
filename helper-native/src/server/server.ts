// `pidns helper`: line-delimited JSON on stdin/stdout (shared/helperProtocol.ts). Writes `hello` first,
// then answers each request line with exactly one response; bad input of any kind (not JSON, not an
// object, unknown op, wrong field types, over-long line, binary) gets an error reply and the helper keeps
// serving. EOF or `shutdown` runs the shutdown hooks and ends the server.
import { warmHolderThreadFor } from '../scan/holderThread';
import { MAX_REQUEST_BYTES, type ErrorCode, type HelperMessage, type HelperOp, type HelperRequest } from '../../../shared/helperProtocol';
import { HelperError } from '../helperError';
import { DiscoveryStream } from './discovery';
import { helperIdentity, type HelperIdentity } from '../identity/actingUser';
import { helloEvent } from './hello';
import { MAX_HELPERS_PER_USER, takeHelperSlot } from './helperSlots';
import { BoundedLineSplitter } from './lineInput';
import { handlerOf, type ChainService, type LogLevel, type OpContext, type OpHandlers, type ServerOp } from './ops';
import { isKnownOp, requestIdOf, validateRequest } from './validate';

export interface ServerOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Where log lines go (default: stderr). */
  logStream?: NodeJS.WritableStream;
  procRoot?: string;
  /** Who the helper is (default: read from the euid and PKEXEC_UID/SUDO_UID). */
  identity?: HelperIdentity;
  /** The chain ops, given the context they report through (create/ops.ts's chainService). */
  chains: (ctx: OpContext) => ChainService;
}

function errorReply(id: number | null, op: string | undefined, code: ErrorCode, message: string): HelperMessage {
  const reply: HelperMessage = { type: 'response', id, ok: false, error: { code, message } };
  if (op !== undefined) reply.op = op;
  return reply;
}

/**
 * Resolves with the exit code once the server is done (EOF or shutdown), or at once with 2 when the helper
 * must not serve: root that cannot tell whom it works for, or a user who already has every helper slot.
 */
export async function runHelperServer(opts: ServerOptions): Promise<number> {
  const refuse = (code: ErrorCode, message: string): number => {
    opts.output.write(JSON.stringify(errorReply(null, undefined, code, message)) + '\n');
    (opts.logStream ?? process.stderr).write(`[error] ${message}\n`);
    return 2;
  };
  let who: HelperIdentity;
  try {
    who = opts.identity ?? helperIdentity();
  } catch (err) {
    return refuse('bad-request', `refusing to serve: ${err instanceof Error ? err.message : String(err)}`);
  }
  const acting = who.actingForUid;
  const slot = who.uid === 0 && acting !== null && acting !== 0 ? await takeHelperSlot(acting) : undefined;
  if (slot === null) {
    return refuse(
      'limit',
      `uid ${acting} already has ${MAX_HELPERS_PER_USER} root helpers running (limit helpers-per-user); close a window that uses one`,
    );
  }
  const code = await serve(opts, who);
  slot?.close();
  return code;
}

function serve(opts: ServerOptions, who: HelperIdentity): Promise<number> {
  return new Promise((resolve) => {
    let done = false;
    const write = (msg: HelperMessage): void => {
      if (!done) opts.output.write(JSON.stringify(msg) + '\n');
    };
    const logStream = opts.logStream ?? process.stderr;
    const ctx: OpContext = {
      send: write,
      actingUid: who.actingForUid ?? who.uid,
      log: (level: LogLevel, message: string) => logStream.write(`[${level}] ${message}\n`),
    };
    const stream = new DiscoveryStream(write, opts.procRoot, ctx.log);
    const chains = opts.chains(ctx);
    const table: OpHandlers<HelperOp> = { ...serverOps(stream, () => void finish()), ...chains.ops };

    let finishing = false;
    const finish = async (): Promise<void> => {
      if (finishing) return;
      finishing = true;
      stream.unsubscribe();
      try {
        await chains.shutdown();
      } catch (err) {
        ctx.log('error', `shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      done = true;
      opts.input.removeListener('data', onData);
      resolve(0);
    };

    const splitter = new BoundedLineSplitter(MAX_REQUEST_BYTES, {
      line: (text) => void handleLine(text, table, ctx, write),
      tooLong: () => write(errorReply(null, undefined, 'too-large', `request line longer than ${MAX_REQUEST_BYTES} bytes, discarded`)),
    });
    const onData = (chunk: Buffer | string): void => splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    opts.input.on('data', onData);
    opts.input.on('end', () => {
      splitter.end();
      void finish();
    });
    opts.input.on('error', () => void finish());
    // stdin destroyed (e.g. after EPIPE on stdout: the client is gone) ends the server like EOF does, so
    // the shutdown hooks (chain teardown) still run.
    opts.input.on('close', () => void finish());
    write(helloEvent(who));
    // A client subscribes next, and its first snapshot is a full pass: have the holder thread serving by then.
    warmHolderThreadFor(opts.procRoot ?? '/proc');
  });
}

function serverOps(stream: DiscoveryStream, shutdown: () => void): OpHandlers<ServerOp> {
  return {
    snapshot: async () => stream.snapshot(),
    subscribe: async (req) => {
      const source = stream.subscribe({ intervalMs: req.intervalMs, events: req.events, reconcileMs: req.reconcileMs, head: req.head });
      return { intervalMs: req.intervalMs, source };
    },
    unsubscribe: async () => {
      stream.unsubscribe();
      return {};
    },
    shutdown: async () => {
      // Reply first, then tear down: the reply is the client's confirmation.
      setImmediate(shutdown);
      return {};
    },
  };
}

async function handleLine(text: string, table: OpHandlers<HelperOp>, ctx: OpContext, write: (m: HelperMessage) => void): Promise<void> {
  if (text.trim() === '') return;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    write(errorReply(null, undefined, 'parse', 'request is not valid JSON'));
    return;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    write(errorReply(null, undefined, 'parse', 'request must be a JSON object'));
    return;
  }
  const obj = raw as Record<string, unknown>;
  const id = requestIdOf(obj);
  const op = isKnownOp(obj.op) ? obj.op : undefined;
  let req: HelperRequest;
  try {
    req = validateRequest(obj);
  } catch (err) {
    const e = err instanceof HelperError ? err : new HelperError('bad-request', String(err));
    write(errorReply(id, op, e.code, e.message));
    return;
  }
  await dispatch(req, table, ctx, write);
}

async function dispatch(req: HelperRequest, table: OpHandlers<HelperOp>, ctx: OpContext, write: (m: HelperMessage) => void): Promise<void> {
  try {
    const result = await handlerOf(table, req.op)(req as never, ctx);
    write({ type: 'response', id: req.id, op: req.op, ok: true, result } as HelperMessage);
  } catch (err) {
    const code: ErrorCode = err instanceof HelperError ? err.code : 'failed';
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof HelperError)) ctx.log('error', `${req.op} failed: ${err instanceof Error ? (err.stack ?? message) : message}`);
    write(errorReply(req.id, req.op, code, message));
  }
}
