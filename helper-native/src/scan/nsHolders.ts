// Persistent PID namespaces: what keeps a namespace alive besides its processes, as `lsns --persistent`
// and lxkns find it. Two kinds of reference:
//  - nsfs bind mounts (`unshare --pid=/run/x --fork …`): read from /proc/self/mountinfo, and for every
//    other mount namespace among the processes, from one member's /proc/PID/mountinfo (its paths are
//    relative to that member's root, so the file is opened as /proc/PID/root/PATH);
//  - open descriptors: a /proc/PID/fd/N link reading `pid:[INODE]` (someone opened /proc/X/ns/pid or
//    pid_for_children and kept it).
// A readdir and a readlink per descriptor of every process is hundreds of ms at 10,000 processes (see the
// README), so this runs in the cold scan and the slow reconcile pass (a rotating share of the processes'
// fds each pass), never on an event's flush.
// Namespaces not already in the graph are opened through the reference and walked up with NS_GET_PARENT.
// Unprivileged, another user's fds, mountinfo and mount paths are EACCES: skipped, never fatal.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { nsfsMounts } from '../../../shared/core/mountinfo';
import { nsKey } from '../../../shared/core/identity';
import type { NsHolder } from '../../../shared/core/types';
import type { NsGraph } from './nsGraph';
import { ProcDir, readNsInode } from './procFiles';

export interface HolderScan {
  /** nsKey → what holds it, in a stable order (own mount namespace's mounts, other mounts, then fds by pid). */
  holders: Map<string, NsHolder[]>;
  /** Processes with an fd held namespace, and which: a process that exits releases them at once. */
  fdPids: Map<number, string[]>;
  /** Descriptors read (readlinks), for the cost figures. */
  fds: number;
  /** Mount tables read. */
  mountTables: number;
  /** Processes whose refs the holder thread's worker read (`pre.byWorker`). */
  readByWorker: number;
}

/**
 * The namespace inode a link names (`mnt:[…]`), or null: gone, unreadable (another user's), or any other
 * failure (this pass only adds to what the process scan found: never fatal).
 */
function nsLinkOrNull(path: string, type: string): number | null {
  try {
    const r = readNsInode(path, type);
    return r.ok ? r.value : null;
  } catch {
    return null;
  }
}

/**
 * A process's mount namespace and the nsfs links among its fds, read through its /proc/PID opened once (one
 * walk of /proc/PID, not one per read); a failure reads as nothing (never fatal, as above).
 */
function readProcessRefs(procRoot: string, pid: number, each: (fd: number, inode: number) => void): { mnt: number | null; fds: number } {
  let dir: ProcDir | undefined;
  try {
    const opened = ProcDir.open(`${procRoot}/${pid}`);
    if (!opened.ok) return { mnt: null, fds: 0 };
    dir = opened.value;
    const mnt = dir.nsInode('ns/mnt', 'mnt');
    const listed = dir.nsLinks('fd', 'pid', (name, inode) => {
      const fd = Number(name);
      if (Number.isSafeInteger(fd)) each(fd, inode);
    });
    return { mnt: mnt.ok ? mnt.value : null, fds: listed.ok ? listed.value : 0 };
  } catch {
    return { mnt: null, fds: 0 };
  } finally {
    dir?.close();
  }
}

/**
 * What the per-process half of a holder pass read (the costly half: a readdir and a readlink per fd), as
 * plain numbers so that another thread can read it (holderThread.ts) and pass it over.
 */
export interface ProcRefs {
  /** The processes read; `mnt[i]` is `pids[i]`'s mount namespace inode, 0 when it could not be read. */
  pids: number[];
  mnt: number[];
  /** The nsfs descriptors found, flat: pid, fd, namespace inode, pid, fd, inode, … */
  fdRefs: number[];
  /** Descriptors read. */
  fds: number;
  /** Of `pids`, how many another thread read (holderThread.ts), for the cost figures. */
  byWorker?: number;
}

/** Reads `pids`' mount namespaces and nsfs descriptors (`skipPid`'s not: the helper's own). */
export function readRefs(procRoot: string, pids: Iterable<number>, skipPid: number): ProcRefs {
  const out: ProcRefs = { pids: [], mnt: [], fdRefs: [], fds: 0 };
  for (const pid of pids) {
    if (pid === skipPid) continue;
    const r = readProcessRefs(procRoot, pid, (fd, inode) => out.fdRefs.push(pid, fd, inode));
    out.pids.push(pid);
    out.mnt.push(r.mnt ?? 0);
    out.fds += r.fds;
  }
  return out;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
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

/** An nsfs descriptor as a reference: `root`/PID/fd/N opens it. */
function fdFound(root: string, pid: number, fd: number, inode: number): Found {
  return { holder: { kind: 'fd', pid, fd }, inode, openPath: `${root}/${pid}/fd/${fd}` };
}

/** `refs` as each process's mount namespace and references, for the processes of `wanted` it covers. */
function refsByPid(root: string, refs: ProcRefs, wanted: ReadonlySet<number>): Map<number, { mnt: number | null; found: Found[] }> {
  const out = new Map<number, { mnt: number | null; found: Found[] }>();
  for (let i = 0; i < refs.pids.length; i++)
    if (wanted.has(refs.pids[i])) out.set(refs.pids[i], { mnt: refs.mnt[i] === 0 ? null : refs.mnt[i], found: [] });
  for (let i = 0; i < refs.fdRefs.length; i += 3) {
    const pid = refs.fdRefs[i];
    out.get(pid)?.found.push(fdFound(root, pid, refs.fdRefs[i + 1], refs.fdRefs[i + 2]));
  }
  return out;
}

function order(a: NsHolder, b: NsHolder): number {
  if (a.kind === 'mount' && b.kind === 'mount')
    return (a.mountNs ?? 0) - (b.mountNs ?? 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  if (a.kind === 'fd' && b.kind === 'fd') return a.pid - b.pid || a.fd - b.fd;
  return a.kind === 'mount' ? -1 : 1;
}

/**
 * Every process's fds are read at least once in this many passes (the stream's reconcile passes). At
 * 10,000 processes a share is ~680 processes, measured at 40 ms (at most ~1.3 ms/s at one pass per 30 s)
 * beside the event stream's quiet budget of 3 ms/s; all of them every pass is 260–420 ms of CPU (9–14 ms/s).
 */
export const FD_ROUND = 16;
/** …and at least this many processes' fds per pass: a host this size is read whole on every pass. */
export const FD_FLOOR = 500;

/**
 * Finds the PID namespaces held by a bind mount or an open fd that the caller can read, and places them in
 * the graph (a reference whose namespace cannot be opened is left out: its identity and parent cannot be
 * checked). Mount tables are read whole on every pass. Descriptors cost a readdir and a readlink each, so a
 * pass reads those of `share` of the processes (a rotating share; new ones first) and keeps what the others
 * had when last read; a process that exits is forgotten at once (forget). Each process's mount namespace
 * is read when it is first seen and again with its fds.
 */
export class HolderScanner {
  /** pid → its mount namespace's inode. */
  private readonly mntOf = new Map<number, number>();
  /** pid → its nsfs descriptors when its fds were last read (only processes that had any). */
  private readonly fdHolds = new Map<number, Found[]>();
  /** pids whose fds were read at least once. */
  private readonly read = new Set<number>();
  private cursor = 0;

  constructor(
    private readonly procRoot: string,
    private readonly nsDev: number,
    /** The helper itself: its own short-lived opens of namespace files are not holders. */
    private readonly skipPid: number,
  ) {}

  /** A process is gone: its fds hold nothing any more and it is no mount namespace's member. */
  forget(pid: number): void {
    this.mntOf.delete(pid);
    this.fdHolds.delete(pid);
    this.read.delete(pid);
  }

  /**
   * `pids`: the readable processes (caller-level); `all`: read every process's fds (a cold scan, a snapshot
   * request); `pre`: what readRefs already read for this pass (on another thread).
   */
  scan(pids: readonly number[], graph: NsGraph, all: boolean, pre?: ProcRefs): HolderScan {
    const root = this.procRoot;
    let fds = pre?.fds ?? 0;
    const share = all ? pids.length : Math.min(pids.length, Math.max(FD_FLOOR, Math.ceil(pids.length / FD_ROUND)));
    const todo = new Set<number>();
    for (const pid of pids) if (!this.read.has(pid)) todo.add(pid);
    for (let i = 0; todo.size < share && i < pids.length; i++) todo.add(pids[(this.cursor + i) % pids.length]);
    this.cursor = pids.length === 0 ? 0 : (this.cursor + share) % pids.length;
    // What another thread already read (a full pass's refs, read beside the process pass) is taken as read
    // now; the rest (processes that came since, or that a failed worker took) is read here.
    const given = pre === undefined ? undefined : refsByPid(root, pre, todo);
    for (const pid of todo) {
      if (pid === this.skipPid) continue;
      this.read.add(pid);
      let refs = given?.get(pid);
      if (refs === undefined) {
        const mine: Found[] = [];
        const r = readProcessRefs(root, pid, (fd, inode) => mine.push(fdFound(root, pid, fd, inode)));
        fds += r.fds;
        refs = { mnt: r.mnt, found: mine };
      }
      if (refs.mnt !== null) this.mntOf.set(pid, refs.mnt);
      else this.mntOf.delete(pid);
      if (refs.found.length > 0) this.fdHolds.set(pid, refs.found);
      else this.fdHolds.delete(pid);
    }

    const found: Found[] = [];
    let mountTables = 0;
    const selfMnt = nsLinkOrNull(`${root}/self/ns/mnt`, 'mnt');
    const own = readOrNull(`${root}/self/mountinfo`);
    if (own !== null) {
      mountTables++;
      for (const m of nsfsMounts(own)) found.push({ holder: { kind: 'mount', path: m.path }, inode: m.inode, openPath: m.path });
    }
    // One member per mount namespace other than the helper's: its mountinfo is that namespace's table.
    const member = new Map<number, number>();
    for (const [pid, mnt] of this.mntOf) if (mnt !== selfMnt && !member.has(mnt)) member.set(mnt, pid);
    for (const [mnt, pid] of member) {
      const text = readOrNull(`${root}/${pid}/mountinfo`);
      if (text === null) continue;
      mountTables++;
      for (const m of nsfsMounts(text))
        found.push({ holder: { kind: 'mount', path: m.path, mountNs: mnt }, inode: m.inode, openPath: `${root}/${pid}/root${m.path}` });
    }
    for (const list of this.fdHolds.values()) found.push(...list);
    return { ...collect(found, graph, this.nsDev), fds, mountTables, readByWorker: pre?.byWorker ?? 0 };
  }
}

/** One cold pass (every process's fds): what `pidns snapshot` shows; `pre` as for HolderScanner.scan. */
export function findHolders(
  procRoot: string,
  pids: readonly number[],
  nsDev: number,
  graph: NsGraph,
  skipPid: number,
  pre?: ProcRefs,
): HolderScan {
  return new HolderScanner(procRoot, nsDev, skipPid).scan(pids, graph, true, pre);
}

function collect(found: Found[], graph: NsGraph, nsDev: number): Pick<HolderScan, 'holders' | 'fdPids'> {
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
  return { holders, fdPids };
}
