// Parsers for the text of /proc/PID/status and /proc/PID/stat. Pure: they take the file's text and
// return plain data, so the scanner and the recorded-fixture tests share them.

import type { NsId, ProcessInfo } from './types';

/** The fields of /proc/PID/status the model needs. */
export interface StatusFields {
  name: string;
  /** One letter: R, S, D, Z, T, t, X, I, … */
  state: string;
  pid: number;
  ppid: number;
  /** Real uid (first of the four `Uid:` fields). */
  uid: number;
  /** Outermost first; `[pid]` when the kernel predates `NSpid:` (before 4.1), which also means no nesting can be seen. */
  nspid: number[];
}

/** The fields of /proc/PID/stat the model needs. */
export interface StatFields {
  comm: string;
  state: string;
  ppid: number;
  /** Field 22: start time in clock ticks after boot. */
  startTime: number;
}

const STATUS_ESCAPES: Record<string, string> = { n: '\n', t: '\t', '\\': '\\' };

/** The kernel escapes `\n` and `\\` (and `\t` on some versions) in `Name:`; undo that so comm is the real bytes. */
function unescapeName(raw: string): string {
  return raw.replace(/\\([nt\\])/g, (_m, c: string) => STATUS_ESCAPES[c] ?? c);
}

function parseNonNegInt(text: string | undefined): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Parse /proc/PID/status. Returns null when a required line is missing or malformed (a truncated read of a
 * process that vanished mid-read looks like that, and must not become a phantom entry).
 */
export function parseStatus(text: string): StatusFields | null {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    // Values are separated from the key by a tab; Name keeps any inner spaces verbatim.
    fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^\t/, ''));
  }
  const nameRaw = fields.get('Name');
  const stateRaw = fields.get('State');
  const pid = parseNonNegInt(fields.get('Pid')?.trim());
  const ppid = parseNonNegInt(fields.get('PPid')?.trim());
  const uid = parseNonNegInt(fields.get('Uid')?.trim().split(/\s+/)[0]);
  if (nameRaw === undefined || stateRaw === undefined || pid === null || ppid === null || uid === null) return null;
  const state = stateRaw.trim().charAt(0);
  if (state === '') return null;
  let nspid: number[] = [pid];
  const nspidRaw = fields.get('NSpid');
  if (nspidRaw !== undefined) {
    const parsed = nspidRaw.trim().split(/\s+/).map(parseNonNegInt);
    if (parsed.length === 0 || parsed.some((n) => n === null)) return null;
    nspid = parsed as number[];
    // The first entry is the PID in the namespace of this procfs, i.e. the same as `Pid:`.
    if (nspid[0] !== pid) return null;
  }
  return { name: unescapeName(nameRaw), state, pid, ppid, uid, nspid };
}

/**
 * Parse /proc/PID/stat. comm sits in parentheses and may itself contain spaces and ')', so the fixed
 * fields are counted from the LAST ')' in the line.
 */
export function parseStat(text: string): StatFields | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).trim().split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const state = rest[0];
  const ppid = parseNonNegInt(rest[1]);
  const startTime = parseNonNegInt(rest[22 - 3]);
  if (state === undefined || state.length !== 1 || ppid === null || startTime === null) return null;
  return { comm: text.slice(open + 1, close), state, ppid, startTime };
}

/** The inode in a namespace link's text, e.g. `pid:[4026531836]` → 4026531836; null if it is not a `type:[n]` link. */
export function parseNsLink(link: string, type = 'pid'): number | null {
  const m = /^([a-z_]+):\[(\d+)\]$/.exec(link.trim());
  if (!m || m[1] !== type) return null;
  return parseNonNegInt(m[2]);
}

/**
 * One process record from what was read about it: status (identity within the namespaces), stat (start
 * time), the (dev, inode) of ns/pid, and the inode of ns/pid_for_children when it differs.
 */
export function toProcessInfo(status: StatusFields, stat: StatFields, ns: NsId, pendingNs?: number): ProcessInfo {
  const info: ProcessInfo = {
    pid: status.pid,
    ppid: status.ppid,
    comm: status.name,
    uid: status.uid,
    ns: ns.inode,
    nsDev: ns.dev,
    nspid: status.nspid,
    startTime: stat.startTime,
    state: status.state,
  };
  // Omitted rather than undefined, so that snapshots compare equal field by field.
  if (pendingNs !== undefined && pendingNs !== ns.inode) info.pendingNs = pendingNs;
  return info;
}
