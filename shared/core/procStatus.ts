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
  /** Set when the status had no `NSpid:` line (kernel before 4.1): `nspid` is then `[pid]` and says nothing about depth. */
  noNSpid?: true;
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
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\([nt\\])/g, (_m, c: string) => STATUS_ESCAPES[c] ?? c);
}

function parseNonNegInt(text: string | undefined): number | null {
  if (text === undefined || text.length === 0 || text.length > 15) return null;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Reads `Key:\tvalue` lines of a status text in order. The kernel prints them in a fixed order (Name,
 * State, Pid, PPid, Uid, …, NSpid) near the top, so each lookup continues from the previous one instead
 * of splitting all ~60 lines: this runs once per process in a cold scan. A key not found after the
 * cursor is looked up from the start, so an unexpected order only costs time.
 */
class StatusCursor {
  private pos = 0;
  constructor(private readonly text: string) {}

  get(key: string): string | undefined {
    const at = this.find(key, this.pos) ?? this.find(key, 0);
    if (at === undefined) return undefined;
    const start = at + key.length + 1;
    const nl = this.text.indexOf('\n', start);
    const end = nl < 0 ? this.text.length : nl;
    this.pos = end;
    return this.text.charCodeAt(start) === 9 ? this.text.slice(start + 1, end) : this.text.slice(start, end);
  }

  private find(key: string, from: number): number | undefined {
    if (from === 0 && this.text.startsWith(key + ':')) return 0;
    const at = this.text.indexOf('\n' + key + ':', from === 0 ? 0 : from - 1);
    return at < 0 ? undefined : at + 1;
  }
}

/**
 * Parse /proc/PID/status. Returns null when a required line is missing or malformed (a truncated read of a
 * process that vanished mid-read looks like that, and must not become a phantom entry).
 */
export function parseStatus(text: string): StatusFields | null {
  const c = new StatusCursor(text);
  const nameRaw = c.get('Name');
  const stateRaw = c.get('State');
  const pid = parseNonNegInt(c.get('Pid')?.trim());
  const ppid = parseNonNegInt(c.get('PPid')?.trim());
  const uid = firstInt(c.get('Uid'));
  if (nameRaw === undefined || stateRaw === undefined || pid === null || ppid === null || uid === null) return null;
  const state = stateRaw.trim().charAt(0);
  if (state === '') return null;
  let nspid: number[] = [pid];
  const nspidRaw = c.get('NSpid');
  if (nspidRaw !== undefined) {
    const parsed = intList(nspidRaw);
    // The first entry is the PID in the namespace of this procfs, i.e. the same as `Pid:`.
    if (parsed === null || parsed[0] !== pid) return null;
    nspid = parsed;
  }
  const fields: StatusFields = { name: unescapeName(nameRaw), state, pid, ppid, uid, nspid };
  if (nspidRaw === undefined) fields.noNSpid = true;
  return fields;
}

const isBlank = (code: number): boolean => code === 32 || code === 9;

/** The first of whitespace-separated integers (`Uid:` has four). */
function firstInt(text: string | undefined): number | null {
  if (text === undefined) return null;
  let i = 0;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  let j = i;
  while (j < text.length && !isBlank(text.charCodeAt(j))) j++;
  return parseNonNegInt(text.slice(i, j));
}

/** Whitespace-separated non-negative integers, scanned by hand (no regex split: once per process per scan). */
function intList(text: string): number[] | null {
  const out: number[] = [];
  let n = -1;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 32;
    if (code >= 48 && code <= 57) n = (n < 0 ? 0 : n * 10) + (code - 48);
    else if (isBlank(code) || code === 10 || code === 13) {
      if (n >= 0) out.push(n);
      n = -1;
    } else return null;
  }
  return out.length === 0 ? null : out;
}

/**
 * Parse /proc/PID/stat. comm sits in parentheses and may itself contain spaces and ')', so the fixed
 * fields are counted from the LAST ')' in the line.
 */
export function parseStat(text: string): StatFields | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // Walk the spaces after ')' to fields 3 (state), 4 (ppid) and 22 (start time) without splitting all
  // 52 fields: this runs for every process on every cold scan.
  let pos = close + 2;
  let state = '';
  let ppid: number | null = null;
  for (let field = 3; field <= 22; field++) {
    const sp = text.indexOf(' ', pos);
    const end = sp < 0 ? text.length : sp;
    if (field === 3) state = text.slice(pos, end);
    else if (field === 4) ppid = parseNonNegInt(text.slice(pos, end));
    else if (field === 22) {
      const startTime = parseNonNegInt(text.slice(pos, end).trimEnd());
      if (state.length !== 1 || ppid === null || startTime === null) return null;
      return { comm: text.slice(open + 1, close), state, ppid, startTime };
    }
    if (sp < 0) return null;
    pos = sp + 1;
  }
  return null;
}

/** The inode in a namespace link's text, e.g. `pid:[4026531836]` → 4026531836; null if it is not a `type:[n]` link. */
export function parseNsLink(link: string, type = 'pid'): number | null {
  // Hand-parsed, no regex: this runs twice per process per scan.
  const prefix = type + ':[';
  if (!link.startsWith(prefix) || !link.endsWith(']')) return null;
  return parseNonNegInt(link.slice(prefix.length, link.length - 1));
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
