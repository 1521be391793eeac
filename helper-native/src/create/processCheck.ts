// Who a process is, for the signal and orphan permission checks: start time (with the PID it names one
// process for good) and the real/effective uids, read from the helper's own /proc.
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { parseStat } from '../../../shared/core/procStatus';
import { HelperError } from '../helperError';

export interface ProcessIdentity {
  startTime: number;
  realUid: number;
  effectiveUid: number;
  /** The whole NSpid list, the helper's level first. */
  nspid: number[];
}

export function readIdentity(pid: number): ProcessIdentity {
  let stat: string;
  let status: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    throw new HelperError('not-found', `no process ${pid} is visible to the helper`);
  }
  const parsed = parseStat(stat);
  const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
  const nspid = /^NSpid:\s*([\d\s]+)$/m.exec(status);
  if (!parsed || !uids) throw new HelperError('not-found', `process ${pid} vanished while it was being read`);
  return {
    startTime: parsed.startTime,
    realUid: Number(uids[1]),
    effectiveUid: Number(uids[2]),
    nspid: nspid ? nspid[1].trim().split(/\s+/).map(Number) : [pid],
  };
}

/** "SIGTERM", "TERM", "term" or 15 → 15. Throws bad-request for anything else. */
export function signalNumber(sig: string | number): number {
  if (typeof sig === 'number') {
    if (Number.isInteger(sig) && sig >= 1 && sig <= 64) return sig;
    throw new HelperError('bad-request', `signal number ${sig} is out of range 1..64`);
  }
  const upper = sig.toUpperCase();
  const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as keyof typeof constants.signals;
  const n = Object.prototype.hasOwnProperty.call(constants.signals, name) ? constants.signals[name] : undefined;
  if (n === undefined) throw new HelperError('bad-request', `unknown signal '${sig}'`);
  return n;
}
