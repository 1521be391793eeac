// Strict request validation: the helper may run as root, so nothing from stdin is trusted. Every op of
// helperProtocol.ts is checked here (types, integers, ranges, no unknown fields), whether or not a handler
// is registered, so handlers only ever see well-formed requests.
import {
  MAX_PID_NS_LEVEL,
  MAX_POLL_MS,
  MAX_RECONCILE_MS,
  MIN_POLL_MS,
  MIN_RECONCILE_MS,
  type HelperOp,
  type HelperRequest,
} from '../../../shared/helperProtocol';
import { HelperError } from '../helperError';

type Raw = Record<string, unknown>;
type FieldCheck = (value: unknown, name: string) => void;

const MAX_ARGV = 256;
const MAX_ARG_BYTES = 4096;
const MAX_LIFETIME_MS = 600_000;

function bad(message: string): never {
  throw new HelperError('bad-request', message);
}

function int(min: number, max: number): FieldCheck {
  return (v, name) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`'${name}' must be an integer from ${min} to ${max}`);
  };
}

const bool: FieldCheck = (v, name) => {
  if (typeof v !== 'boolean') bad(`'${name}' must be a boolean`);
};

function str(maxLen: number, pattern?: RegExp): FieldCheck {
  return (v, name) => {
    if (typeof v !== 'string' || v.length === 0 || v.length > maxLen)
      bad(`'${name}' must be a non-empty string of at most ${maxLen} characters`);
    if (pattern && !pattern.test(v)) bad(`'${name}' has an invalid format`);
  };
}

const argv: FieldCheck = (v, name) => {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_ARGV) bad(`'${name}' must be a non-empty array of at most ${MAX_ARGV} strings`);
  for (const a of v) {
    if (typeof a !== 'string' || Buffer.byteLength(a) > MAX_ARG_BYTES || a.includes('\0'))
      bad(`'${name}' entries must be strings without NUL, at most ${MAX_ARG_BYTES} bytes`);
  }
  if ((v[0] as string).length === 0) bad(`'${name}[0]' must not be empty`);
};

const signal: FieldCheck = (v, name) => {
  if (typeof v === 'number') return int(1, 64)(v, name);
  if (typeof v !== 'string' || !/^(SIG)?[A-Z0-9+-]{2,12}$/.test(v))
    bad(`'${name}' must be a signal name like "SIGTERM" or a number from 1 to 64`);
};

function oneOf(values: readonly string[]): FieldCheck {
  return (v, name) => {
    if (typeof v !== 'string' || !values.includes(v)) bad(`'${name}' must be one of ${values.join(', ')}`);
  };
}

interface OpSpec {
  required: Record<string, FieldCheck>;
  optional: Record<string, FieldCheck>;
}

// A whole number of levels beyond the kernel's nesting limit is well-formed but impossible: it is answered
// 'limit' with the reason, like the CLI does, while a non-integer or a depth below 1 is a bad request.
const depth: FieldCheck = (v, name) => {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > MAX_PID_NS_LEVEL) {
    throw new HelperError(
      'limit',
      `'${name}' ${v} is too deep: the kernel allows at most ${MAX_PID_NS_LEVEL} nested PID namespace levels below the initial one (fewer when the helper itself runs in a nested one)`,
    );
  }
  int(1, MAX_PID_NS_LEVEL)(v, name);
};

const CHAIN_ID = str(64, /^[A-Za-z0-9_-]+$/);
const PID = int(1, 0x3fffffff);

const SPECS: Record<HelperOp, OpSpec> = {
  snapshot: { required: {}, optional: {} },
  subscribe: {
    required: { intervalMs: int(MIN_POLL_MS, MAX_POLL_MS) },
    optional: { events: bool, reconcileMs: int(MIN_RECONCILE_MS, MAX_RECONCILE_MS), head: bool },
  },
  unsubscribe: { required: {}, optional: {} },
  create: { required: { depth }, optional: { mountProc: bool, command: argv } },
  destroy: { required: { chainId: CHAIN_ID }, optional: {} },
  signal: { required: { pid: PID, signal }, optional: { startTime: int(0, Number.MAX_SAFE_INTEGER), from: oneOf(['ancestor', 'inside']) } },
  orphan: { required: { chainId: CHAIN_ID, level: int(1, MAX_PID_NS_LEVEL) }, optional: { lifetimeMs: int(0, MAX_LIFETIME_MS) } },
  chains: { required: {}, optional: {} },
  shutdown: { required: {}, optional: {} },
};

export function isKnownOp(op: unknown): op is HelperOp {
  return typeof op === 'string' && Object.prototype.hasOwnProperty.call(SPECS, op);
}

/** The request id if it is a valid one (so an error reply can carry it), else null. */
export function requestIdOf(raw: Raw): number | null {
  const id = raw.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}

/** Check a parsed JSON object against its op's spec; throws HelperError('bad-request'). */
export function validateRequest(raw: Raw): HelperRequest {
  if (requestIdOf(raw) === null) bad(`'id' must be a non-negative integer`);
  if (!isKnownOp(raw.op)) bad(typeof raw.op === 'string' ? `unknown op '${raw.op.slice(0, 40)}'` : `'op' must be a string`);
  const spec = SPECS[raw.op];
  for (const key of Object.keys(raw)) {
    // Own properties only: `in` would accept "__proto__", "constructor", "toString"… through Object.prototype.
    if (key !== 'id' && key !== 'op' && !Object.hasOwn(spec.required, key) && !Object.hasOwn(spec.optional, key))
      bad(`unknown field '${key.slice(0, 40)}' for op '${raw.op}'`);
  }
  for (const [key, check] of Object.entries(spec.required)) {
    if (!(key in raw)) bad(`missing field '${key}' for op '${raw.op}'`);
    check(raw[key], key);
  }
  for (const [key, check] of Object.entries(spec.optional)) if (key in raw && raw[key] !== undefined) check(raw[key], key);
  return raw as unknown as HelperRequest;
}
