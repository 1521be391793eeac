// The helper's op table. Discovery ops (snapshot, subscribe, unsubscribe) and shutdown are built in;
// other engineers plug theirs in from their own modules with ONE line in the helper entry
// (helper-native/src/cli/helperCommand.ts), e.g.
//
//   registerOp('create', createChain);          // createChain: OpHandler<'create'>
//   registerShutdownHook(destroyAllChains);     // runs on `shutdown` and on stdin EOF, before exit
//
// A handler receives the request ALREADY VALIDATED (validate.ts checks every field of every op in
// helperProtocol.ts strictly: types, integers, ranges) and returns the result object for its op. To fail,
// throw `new HelperError(code, message)` (helperError.ts): the client gets `{ok:false, error:{code,message}}`;
// anything else thrown is reported as code 'failed'. Requests run concurrently; a handler may send events
// (e.g. createProgress) through ctx.send at any time. An op that is valid in the protocol but has no
// handler registered answers 'unsupported'.
import type { HelperEvent, HelperOp, HelperRequest, ResultMap } from '../../../shared/helperProtocol';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface OpContext {
  /** Write one event line to the client. */
  send(event: HelperEvent): void;
  /** The uid the helper acts for: PKEXEC_UID / SUDO_UID when root through them, else its own uid. */
  actingUid: number;
  /** A log line on stderr (free-form; never on stdout). */
  log(level: LogLevel, message: string): void;
}

export type RequestOf<K extends HelperOp> = Extract<HelperRequest, { op: K }>;

export type OpHandler<K extends HelperOp> = (req: RequestOf<K>, ctx: OpContext) => Promise<ResultMap[K]>;

export type ShutdownHook = () => Promise<void> | void;

const handlers = new Map<HelperOp, OpHandler<HelperOp>>();
const shutdownHooks: ShutdownHook[] = [];

/** Register (or replace) the handler of one op. */
export function registerOp<K extends HelperOp>(op: K, handler: OpHandler<K>): void {
  handlers.set(op, handler as unknown as OpHandler<HelperOp>);
}

export function handlerFor<K extends HelperOp>(op: K): OpHandler<K> | undefined {
  return handlers.get(op) as unknown as OpHandler<K> | undefined;
}

/** Run on `shutdown` and on EOF, in registration order, before the helper exits. */
export function registerShutdownHook(hook: ShutdownHook): void {
  shutdownHooks.push(hook);
}

export async function runShutdownHooks(log: OpContext['log']): Promise<void> {
  for (const hook of shutdownHooks) {
    try {
      await hook();
    } catch (err) {
      log('error', `shutdown hook failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
