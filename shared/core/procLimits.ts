// /proc/PID/limits as data: the resource limits a process runs with, so that whatever the root helper runs for
// a user gets that user's own limits rather than root's. Pure: the text is read elsewhere.

/** A limit value: a number, or 'inf' for RLIM_INFINITY ("unlimited"). */
export type LimitValue = number | 'inf';

export interface ResourceLimit {
  /** getrlimit(2)'s name without RLIMIT_: NOFILE, NPROC, … */
  resource: string;
  soft: LimitValue;
  hard: LimitValue;
}

/** The row titles of /proc/PID/limits (fs/proc/base.c's lnames) and the resource each one is. */
const ROWS: Record<string, string> = {
  'Max cpu time': 'CPU',
  'Max file size': 'FSIZE',
  'Max data size': 'DATA',
  'Max stack size': 'STACK',
  'Max core file size': 'CORE',
  'Max resident set': 'RSS',
  'Max processes': 'NPROC',
  'Max open files': 'NOFILE',
  'Max locked memory': 'MEMLOCK',
  'Max address space': 'AS',
  'Max file locks': 'LOCKS',
  'Max pending signals': 'SIGPENDING',
  'Max msgqueue size': 'MSGQUEUE',
  'Max nice priority': 'NICE',
  'Max realtime priority': 'RTPRIO',
  'Max realtime timeout': 'RTTIME',
};

function value(text: string): LimitValue | null {
  if (text === 'unlimited') return 'inf';
  return /^\d{1,20}$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null;
}

/** Every limit the text names; rows that do not parse are left out (the caller keeps its own for those). */
export function parseProcLimits(text: string): ResourceLimit[] {
  const out: ResourceLimit[] = [];
  for (const line of text.split('\n')) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const resource = m ? ROWS[m[1]] : undefined;
    if (!m || resource === undefined) continue;
    const soft = value(m[2]);
    const hard = value(m[3]);
    if (soft !== null && hard !== null) out.push({ resource, soft, hard });
  }
  return out;
}

const rank = (v: LimitValue): number => (v === 'inf' ? Infinity : v);
const lower = (a: LimitValue, b: LimitValue): LimitValue => (rank(a) <= rank(b) ? a : b);

/**
 * The user's limits, clamped so that none is above ours: without CAP_SYS_RESOURCE a limit can only be
 * lowered, and the user must never get more than the process that runs things for them has.
 */
export function clampLimits(wanted: ResourceLimit[], ours: ResourceLimit[]): ResourceLimit[] {
  const mine = new Map(ours.map((l) => [l.resource, l]));
  return wanted.map((w) => {
    const o = mine.get(w.resource);
    if (!o) return w;
    const hard = lower(w.hard, o.hard);
    return { resource: w.resource, soft: lower(w.soft, hard), hard };
  });
}
