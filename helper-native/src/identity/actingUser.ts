// Who the helper works for. As root under pkexec or sudo it must act for the user who asked (PKEXEC_UID,
// else SUDO_UID), not for root: leaf commands and shells run as that user, and only that user's processes
// may be signalled. Account data comes from NSS (getpwuid/getgrouplist through libc), so LDAP/SSSD users
// resolve the same way `id` shows them.
import koffi from 'koffi';
import { libc } from '../sys/libc';

export interface ActingIdentity {
  uid: number;
  /** Primary gid from the passwd entry (SUDO_GID when sudo gave one). */
  gid: number;
  /** Supplementary groups including the primary one, as initgroups() would set them. */
  groups: number[];
  name: string;
  home: string;
  shell: string;
  /** How the uid was found: the helper's own uid, or the variable pkexec/sudo set. */
  source: 'self' | 'PKEXEC_UID' | 'SUDO_UID';
}

const Passwd = koffi.struct('pidns_passwd', {
  pw_name: 'const char *',
  pw_passwd: 'const char *',
  pw_uid: 'uint32_t',
  pw_gid: 'uint32_t',
  pw_gecos: 'const char *',
  pw_dir: 'const char *',
  pw_shell: 'const char *',
});
const getpwuid = libc.func('void *getpwuid(uint32_t uid)');
const getgrouplist = libc.func('int getgrouplist(const char *user, uint32_t group, _Out_ uint32_t *groups, _Inout_ int *ngroups)');

interface PasswdEntry {
  pw_name: string;
  pw_uid: number;
  pw_gid: number;
  pw_dir: string;
  pw_shell: string;
}

/**
 * The variable pkexec or sudo set for the user who asked, or null when neither is set. PKEXEC_UID wins: pkexec
 * sets it from the caller's credentials and clears the rest of the environment. Throws on a malformed value:
 * a root helper that cannot tell who it works for must not go on as if it worked for root.
 */
function elevationVariable(env: NodeJS.ProcessEnv): { uid: number; source: 'PKEXEC_UID' | 'SUDO_UID' } | null {
  for (const name of ['PKEXEC_UID', 'SUDO_UID'] as const) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (!/^\d{1,10}$/.test(raw) || Number(raw) > 0xfffffffe) throw new Error(`${name}=${JSON.stringify(raw)} is not a uid`);
    return { uid: Number(raw), source: name };
  }
  return null;
}

/** The uid the helper acts for, from its own euid and the environment pkexec/sudo set. Throws on a malformed variable. */
export function actingUid(
  env: NodeJS.ProcessEnv = process.env,
  euid = process.geteuid?.() ?? -1,
): { uid: number; source: ActingIdentity['source'] } {
  if (euid !== 0) return { uid: euid, source: 'self' };
  return elevationVariable(env) ?? { uid: 0, source: 'self' };
}

/** What `hello` tells the client: the helper's uid, whom it acts for (root only), and how it was started. */
export interface HelperIdentity {
  uid: number;
  actingForUid: number | null;
  via: 'direct' | 'pkexec' | 'sudo';
}

/** The one reading of who the helper is, for hello and for every op. Throws (as actingUid) when root and the variable is malformed. */
export function helperIdentity(env: NodeJS.ProcessEnv = process.env, euid = process.geteuid?.() ?? -1): HelperIdentity {
  let found: ReturnType<typeof elevationVariable> = null;
  try {
    found = elevationVariable(env);
  } catch (err) {
    if (euid === 0) throw err;
    // not root: the variables change nothing we do, so a bad one only leaves `via` at 'direct'
  }
  const via = found?.source === 'PKEXEC_UID' ? 'pkexec' : found?.source === 'SUDO_UID' ? 'sudo' : 'direct';
  return { uid: euid, actingForUid: euid === 0 && found !== null ? found.uid : null, via };
}

/** Full identity of the user the helper acts for. Throws when the uid has no account (a forged or stale variable). */
export function actingIdentity(env: NodeJS.ProcessEnv = process.env): ActingIdentity {
  const { uid, source } = actingUid(env);
  const sudoGid = source === 'SUDO_UID' && env.SUDO_GID && /^\d{1,10}$/.test(env.SUDO_GID) ? Number(env.SUDO_GID) : undefined;
  return identityOfUid(uid, source, sudoGid);
}

/** The account behind any uid (e.g. the owner of a process), from NSS. Throws when the uid has no passwd entry. */
export function identityOfUid(uid: number, source: ActingIdentity['source'] = 'self', gidOverride?: number): ActingIdentity {
  const pw = lookupUid(uid);
  if (!pw) throw new Error(`uid ${uid} (from ${source}) has no passwd entry`);
  const gid = gidOverride ?? pw.pw_gid;
  return { uid, gid, groups: groupsOf(pw.pw_name, gid), name: pw.pw_name, home: pw.pw_dir, shell: pw.pw_shell, source };
}

function lookupUid(uid: number): PasswdEntry | undefined {
  const ptr = getpwuid(uid) as unknown;
  if (ptr === null) return undefined;
  return koffi.decode(ptr, Passwd) as PasswdEntry;
}

/** getgrouplist grows the list on demand: it returns -1 and the needed size when the buffer is too small. */
function groupsOf(name: string, gid: number): number[] {
  let size = 64;
  for (let attempt = 0; attempt < 4; attempt++) {
    const buf = new Uint32Array(size);
    const n = [size];
    if (getgrouplist(name, gid, buf, n) >= 0) return [...new Set(Array.from(buf.subarray(0, n[0])))].sort((a, b) => a - b);
    size = Math.max(n[0], size * 2);
  }
  throw new Error(`getgrouplist(${name}) kept growing`);
}
