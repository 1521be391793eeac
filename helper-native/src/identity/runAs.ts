// How anything the helper starts for the user it acts for is run: as that user, with their uid, gid, complete
// groups, home, a clean environment and their own resource limits. Decided here once, for every engine and
// mode (the native init's become_user() and the util-linux fallback's setpriv/prlimit carry it out). It fails
// closed: a root helper that cannot resolve the user's account refuses, it never falls back to root's.
import { readFileSync } from 'node:fs';
import { clampLimits, parseProcLimits, type ResourceLimit } from '../../../shared/core/procLimits';
import { HelperError } from '../helperError';
import { identityOfUid } from './actingUser';

/** The most supplementary groups passed on; a longer list is refused rather than cut (a cut list could drop a deny-group). */
export const MAX_GROUPS = 1024;

/** PATH for what runs as the user: system directories only, never the root helper's own PATH. */
export const USER_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface RunAs {
  uid: number;
  gid: number;
  /** Every supplementary group, as initgroups() would set them. */
  groups: number[];
  home: string;
  /** The whole environment of what runs for the user: nothing of the helper's but LANG. */
  env: Record<string, string>;
  /** The user's own limits (from their nearest process above us), never above ours. */
  limits: ResourceLimit[];
}

/**
 * Null when the helper acts for itself (not root, or root for root): nothing to switch. Otherwise the user's
 * identity, or a HelperError when it cannot be had completely.
 */
export function runAsFor(actingUid: number, euid = process.geteuid?.() ?? -1, env: NodeJS.ProcessEnv = process.env): RunAs | null {
  if (euid !== 0 || actingUid === 0) return null;
  let id;
  try {
    id = identityOfUid(actingUid);
  } catch (err) {
    throw new HelperError(
      'not-permitted',
      `cannot run anything for uid ${actingUid}: ${err instanceof Error ? err.message : String(err)} (refusing rather than running it with root's identity)`,
    );
  }
  if (id.groups.length > MAX_GROUPS) {
    throw new HelperError(
      'limit',
      `uid ${actingUid} is in ${id.groups.length} groups, more than ${MAX_GROUPS} (limit groups-per-user): refusing rather than dropping some`,
    );
  }
  const userEnv: Record<string, string> = { PATH: USER_PATH, HOME: id.home, USER: id.name, LOGNAME: id.name, SHELL: id.shell };
  if (env.LANG !== undefined && /^[\w.@-]{1,64}$/.test(env.LANG)) userEnv.LANG = env.LANG;
  return { uid: actingUid, gid: id.gid, groups: id.groups, home: id.home, env: userEnv, limits: userLimits(actingUid) };
}

function readLimits(pid: number | 'self'): ResourceLimit[] {
  try {
    return parseProcLimits(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  } catch {
    return [];
  }
}

/**
 * The limits of the user's own process nearest above us (the extension host that ran pkexec, or the shell that
 * ran sudo), clamped to ours. Without one (a helper started by root for a given PKEXEC_UID), ours: under
 * pkexec those are the caller's anyway, and they are never more than the user could get from us.
 */
export function userLimits(uid: number, from = process.ppid): ResourceLimit[] {
  const ours = readLimits('self');
  let pid = from;
  for (let hops = 0; pid > 1 && hops < 32; hops++) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      break;
    }
    if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid) {
      const theirs = readLimits(pid);
      if (theirs.length > 0) return clampLimits(theirs, ours);
      break;
    }
    pid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return ours;
}

/** pidns-init's USER options (see the header of helper-native/init/pidns-init.c). */
export function runAsArgs(r: RunAs): string[] {
  const args = ['--uid', String(r.uid), '--gid', String(r.gid), '--home', r.home];
  if (r.groups.length > 0) args.push('--groups', r.groups.join(','));
  for (const l of r.limits) args.push('--rlimit', `${l.resource}=${l.soft}:${l.hard}`);
  return args;
}
