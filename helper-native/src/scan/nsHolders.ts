// Persistent PID namespaces: what keeps a namespace alive besides its processes, as `lsns --persistent`
// and lxkns find it. Two kinds of reference:
//  - nsfs bind mounts (`unshare --pid=/run/x --fork …`): read from /proc/self/mountinfo, and for every
//    other mount namespace among the processes, from one member's /proc/PID/mountinfo (its paths are
//    relative to that member's root, so the file is opened as /proc/PID/root/PATH);
//  - open descriptors: a /proc/PID/fd/N link reading `pid:[INODE]` (someone opened /proc/X/ns/pid or
//    pid_for_children and kept it).
// One readdir and a readlink per descriptor of every readable process: tens of ms at 10,000 processes (see
// the README), so this runs in the cold scan and the slow reconcile pass, never on an event's flush.
// Namespaces not already in the graph are opened through the reference and walked up with NS_GET_PARENT.
// Unprivileged, another user's fds, mountinfo and mount paths are EACCES: skipped, never fatal.
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { nsfsMounts } from '../../../shared/core/mountinfo';
import { nsKey } from '../../../shared/core/identity';
import { parseNsLink } from '../../../shared/core/procStatus';
import type { NsHolder } from '../../../shared/core/types';
import type { NsGraph } from './nsGraph';

export interface HolderScan {
  /** nsKey → what holds it, in a stable order (own mount namespace's mounts, other mounts, then fds by pid). */
  holders: Map<string, NsHolder[]>;
  /** Processes with an fd held namespace, and which: a process that exits releases them at once. */
  fdPids: Map<number, string[]>;
  /** Descriptors read (readlinks), for the cost figures. */
  fds: number;
  /** Mount tables read. */
  mountTables: number;
}

function readlinkOrNull(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    // ENOENT/ESRCH (gone), EACCES (another user's, unprivileged): nothing to see here.
    return null;
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function listOrEmpty(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** O_PATH (Linux; Node does not export it): a handle that opens nothing, so no FIFO or device is opened. */
const O_PATH = 0o10000000;
const O_NOFOLLOW = 0o400000;

/**
 * Put the namespace a reference names in the graph. The path is first taken with O_PATH and checked to be
 * that nsfs file: between the read of mountinfo (or the fd link) and the open, a user may swap in a FIFO or
 * a device, which a plain open by a root helper would block on or open for real. Only then is it opened,
 * through /proc/self/fd.
 */
function place(graph: NsGraph, id: { dev: number; inode: number }, path: string, follow: boolean): boolean {
  let fd: number;
  try {
    // A mount point is the nsfs file itself; /proc/PID/fd/N is a magic link that must be followed.
    fd = openSync(path, follow ? O_PATH : O_PATH | O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const st = fstatSync(fd);
    if (st.dev !== id.dev || st.ino !== id.inode) return false;
    return graph.ensure(id, `/proc/self/fd/${fd}`);
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

interface Found {
  holder: NsHolder;
  inode: number;
  /** Where the namespace can be opened to place it in the graph. */
  openPath: string;
}

function order(a: NsHolder, b: NsHolder): number {
  if (a.kind === 'mount' && b.kind === 'mount') return (a.mountNs ?? 0) - (b.mountNs ?? 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  if (a.kind === 'fd' && b.kind === 'fd') return a.pid - b.pid || a.fd - b.fd;
  return a.kind === 'mount' ? -1 : 1;
}

/**
 * Every PID namespace held by a bind mount or an open fd that the caller can read, placed in `graph` (a
 * reference whose namespace cannot be opened is left out: its identity and parent cannot be checked).
 * `pids`: the readable processes (caller-level); `skipPid`: the helper itself (its own short-lived opens).
 */
export function findHolders(procRoot: string, pids: Iterable<number>, nsDev: number, graph: NsGraph, skipPid: number): HolderScan {
  const found: Found[] = [];
  let fds = 0;
  let mountTables = 0;
  const selfMnt = parseNsLink(readlinkOrNull(`${procRoot}/self/ns/mnt`) ?? '', 'mnt');
  /** One member per mount namespace other than the helper's: its mountinfo is that namespace's table. */
  const mountNsMember = new Map<number, number>();
  for (const pid of pids) {
    if (pid === skipPid) continue;
    const mnt = parseNsLink(readlinkOrNull(`${procRoot}/${pid}/ns/mnt`) ?? '', 'mnt');
    if (mnt !== null && mnt !== selfMnt && !mountNsMember.has(mnt)) mountNsMember.set(mnt, pid);
    const dir = `${procRoot}/${pid}/fd`;
    for (const name of listOrEmpty(dir)) {
      fds++;
      const link = readlinkOrNull(`${dir}/${name}`);
      // Cheap test before the parse: nearly every fd is a file, pipe or socket.
      if (link === null || link.charCodeAt(0) !== 112 /* p */) continue;
      const inode = parseNsLink(link);
      const fd = Number(name);
      if (inode !== null && Number.isSafeInteger(fd)) found.push({ holder: { kind: 'fd', pid, fd }, inode, openPath: `${dir}/${name}` });
    }
  }
  const own = readOrNull(`${procRoot}/self/mountinfo`);
  if (own !== null) {
    mountTables++;
    for (const m of nsfsMounts(own)) found.push({ holder: { kind: 'mount', path: m.path }, inode: m.inode, openPath: m.path });
  }
  for (const [mnt, pid] of mountNsMember) {
    const text = readOrNull(`${procRoot}/${pid}/mountinfo`);
    if (text === null) continue;
    mountTables++;
    for (const m of nsfsMounts(text))
      found.push({ holder: { kind: 'mount', path: m.path, mountNs: mnt }, inode: m.inode, openPath: `${procRoot}/${pid}/root${m.path}` });
  }

  const holders = new Map<string, NsHolder[]>();
  const fdPids = new Map<number, string[]>();
  // A namespace is placed through the first of its references that opens (a mount path may be EACCES
  // where an fd is not); then every reference to a placed namespace is listed.
  const placed = new Map<string, boolean>();
  for (const f of found) {
    const id = { dev: nsDev, inode: f.inode };
    const key = nsKey(id);
    if (placed.get(key) !== true) placed.set(key, place(graph, id, f.openPath, f.holder.kind === 'fd'));
  }
  for (const f of found) {
    const key = nsKey({ dev: nsDev, inode: f.inode });
    if (placed.get(key) !== true) continue;
    let list = holders.get(key);
    if (list === undefined) holders.set(key, (list = []));
    list.push(f.holder);
    if (f.holder.kind === 'fd') {
      let keys = fdPids.get(f.holder.pid);
      if (keys === undefined) fdPids.set(f.holder.pid, (keys = []));
      if (!keys.includes(key)) keys.push(key);
    }
  }
  for (const list of holders.values()) list.sort(order);
  return { holders, fdPids, fds, mountTables };
}
