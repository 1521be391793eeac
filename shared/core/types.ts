// The namespace model: plain data shared by the helper, the CLI, the extension host and the webview.
// Field names of Snapshot, NamespaceInfo and ProcessInfo are a public contract (`pidns snapshot --json`):
// add fields freely, never rename or remove one.

/** A namespace's identity: nsfs device and inode. Inodes are reused after a namespace dies, so never key by inode alone across lifetimes. */
export interface NsId {
  dev: number;
  inode: number;
}

export interface ProcessInfo {
  /** PID as the caller (the helper's procfs) sees it. */
  pid: number;
  /** Parent PID as the caller sees it; 0 when the parent is outside the caller's view. */
  ppid: number;
  /** `Name:` from /proc/PID/status (the kernel's comm, at most 15 bytes). */
  comm: string;
  /** Real uid (`Uid:` first field). */
  uid: number;
  /** Inode of the process's PID namespace. */
  ns: number;
  /** nsfs device of that namespace. */
  nsDev: number;
  /** The whole `NSpid` list, outermost (the caller's level) first; the last entry is the PID in its own namespace. */
  nspid: number[];
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat): with pid it identifies one process across PID reuse. */
  startTime: number;
  /** One-letter state from /proc/PID/status (`R`, `S`, `D`, `Z`, `T`, …). */
  state: string;
  /** Inode of `pid_for_children` when it differs from `ns`: the process called unshare(CLONE_NEWPID) or setns and its next child lands there. */
  pendingNs?: number;
  /** The container the process runs in (from its cgroup), when it is in one. */
  container?: ContainerRef;
  /** The namespace link could not be read (another user's process, unprivileged): `ns` is an inferred namespace (see NamespaceInfo.inferred). */
  inferred?: true;
}

export interface NamespaceInfo {
  inode: number;
  dev: number;
  /** Parent namespace's inode, from NS_GET_PARENT; null at the top of what the caller can see. */
  parent: number | null;
  /** 0 for the caller's own namespace, 1 for its children, …; negative never occurs (ancestors of the caller are not visible). */
  level: number;
  /** Host-level (caller-level) PID of the namespace's PID 1, or null if it has none (init exited, or not yet forked). */
  init: number | null;
  /** Caller-level PIDs of the processes whose PID namespace this is (not descendants'). */
  pids: number[];
  /** True when no process is a member: the namespace is only known as an ancestor of one that has members, or as someone's pending pid_for_children. */
  hidden?: boolean;
  /** Inode of the owning user namespace (NS_GET_USERNS), when it could be read. */
  userNs?: number | null;
  /** uid that created the owning user namespace (NS_GET_OWNER_UID), when it could be read. */
  ownerUid?: number | null;
  /**
   * No member's namespace link could be read: the namespace was inferred from NSpid and the process tree
   * (shared/core/inferNs.ts), and `inode` is a synthetic id above 2^32 (identity.ts inferredNsInode), never a real inode.
   */
  inferred?: true;
  /**
   * What keeps the namespace alive besides its processes: nsfs bind mounts and open descriptors (as
   * `lsns --persistent` shows), found by the helper's slower pass (cold scan, reconcile). Absent when none
   * was found; with no `pids`, these are all that hold it.
   */
  heldBy?: NsHolder[];
}

/**
 * One reference that keeps a namespace alive. `mount`: an nsfs bind mount at `path` (as that mount
 * namespace sees it; `mountNs` is its inode when it is not the helper's own). `fd`: descriptor `fd` of the
 * process with caller-level PID `pid`.
 */
export type NsHolder = { kind: 'mount'; path: string; mountNs?: number } | { kind: 'fd'; pid: number; fd: number };

export interface SnapshotSelf {
  nsInode: number;
  nsDev: number;
}

export interface Snapshot {
  self: SnapshotSelf;
  namespaces: NamespaceInfo[];
  processes: ProcessInfo[];
  /** How many /proc entries could not be read at all (not even status: hidepid, or a kernel without NSpid); those whose namespace link alone was denied are in `processes`, placed by inference. */
  unreadable: number;
  /** Effective uid the scan ran as. */
  scannedAsUid: number;
  /** Milliseconds since the epoch at the end of the scan. */
  takenAt: number;
  /** Containers with at least one visible process (`pidns snapshot --json` always has it; in-memory snapshots may not). */
  containers?: ContainerInfo[];
}

/** The engines whose containers are recognised (see containerOf.ts for the cgroup forms). */
export type ContainerEngine = 'docker' | 'podman' | 'containerd' | 'cri-o' | 'lxc' | 'nspawn';

/** Which container: the engine and its id (64 hex for docker/podman/CRI; the name for ctr ids, lxc, nspawn). */
export interface ContainerRef {
  engine: ContainerEngine;
  id: string;
}

export interface PodInfo {
  name: string;
  namespace: string;
}

export interface ContainerInfo extends ContainerRef {
  /** The engine's name for it; absent when the engine did not answer (show engine and short id). */
  name?: string;
  image?: string;
  /** Kubernetes pod, when the engine's metadata names one. */
  pod?: PodInfo;
  /** Inode of the container's PID namespace: that of its outermost processes (nested namespaces hang below it). */
  pidNs: number;
  /** Caller-level PID of the container's first process (its entrypoint; PID 1 unless it joined another's namespace). */
  initPid?: number;
}

/** What changed between two snapshots. Processes are keyed by (pid, startTime); namespaces by (dev, inode). */
export interface SnapshotDiff {
  /** Processes that are new, including a reused PID with a new start time. */
  addedProcesses: ProcessInfo[];
  /** Processes that are gone, by key. A reused PID appears here (old start time) and in addedProcesses (new one). */
  removedProcesses: ProcessKey[];
  /** Same process, changed fields (ppid after re-parenting, comm after exec, state, pendingNs). */
  changedProcesses: ProcessInfo[];
  addedNamespaces: NamespaceInfo[];
  removedNamespaces: NsId[];
  /** Same namespace, changed fields (init, pids, hidden, …). */
  changedNamespaces: NamespaceInfo[];
  /** The whole containers list, present only when it changed (it is small: one entry per container). */
  containers?: ContainerInfo[];
  unreadable: number;
  takenAt: number;
}

export interface ProcessKey {
  pid: number;
  startTime: number;
}
