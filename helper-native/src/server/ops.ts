// The helper's op table: one handler per op of the protocol, checked by the compiler ({ [K in HelperOp] }),
// so an op added to shared/helperProtocol.ts without a handler fails to build. The server owns the
// discovery ops and shutdown (server.ts); the chain ops come from create/ops.ts as a ChainService.
//
// A handler receives the request ALREADY VALIDATED (validate.ts checks every field of every op strictly:
// types, integers, ranges) and returns the result object for its op. To fail, throw
// `new HelperError(code, message)` (helperError.ts): the client gets `{ok:false, error:{code,message}}`;
// anything else thrown is reported as code 'failed'. Requests run concurrently; a handler may send events
// (e.g. createProgress) through ctx.send at any time.
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

/** Handlers for the ops in K, one each. */
export type OpHandlers<K extends HelperOp> = { [P in K]: OpHandler<P> };

/** The ops the server itself answers; every other op is a chain op. */
export type ServerOp = 'snapshot' | 'subscribe' | 'unsubscribe' | 'shutdown';
export type ChainOp = Exclude<HelperOp, ServerOp>;

/** What the create module gives the server: a handler for every chain op, and its teardown. */
export interface ChainService {
  ops: OpHandlers<ChainOp>;
  /** Runs on `shutdown` and on EOF, before the helper exits. */
  shutdown(): Promise<void>;
}

/** The handler of `op` from a complete table, typed for that op. */
export function handlerOf<K extends HelperOp>(table: OpHandlers<HelperOp>, op: K): OpHandler<K> {
  return table[op] as OpHandler<K>;
}
