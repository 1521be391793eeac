// The namespace parent graph, filled by NS_GET_PARENT walks and cached by (dev, inode): after the first
// sighting of a namespace nothing about it is read again. Entries that no live process references any more
// are pruned, because a dead namespace's inode can be reused by a new one with another parent.
import { type NsNode } from '../../../shared/core/buildModel';
import { closeFd, fdIdentity, nsGetOwnerUid, nsGetParent, nsGetUserns, NsfsError, openNs, type NsStat } from '../sys/nsfs';
import { nsKey } from '../../../shared/core/identity';

export class NsGraph {
  readonly nodes = new Map<string, NsNode>();

  has(id: NsStat): boolean {
    return this.nodes.has(nsKey(id));
  }

  /**
   * Make sure `id` and its ancestors are known, opening `path` (an ns/pid or ns/pid_for_children link)
   * if they are not. Returns false if the link vanished or now points elsewhere (the process died).
   */
  ensure(id: NsStat, path: string): boolean {
    if (this.has(id)) return true;
    let fd: number;
    try {
      fd = openNs(path);
    } catch {
      return false;
    }
    try {
      const opened = fdIdentity(fd);
      // The PID was reused between stat and open: this fd is some other process's namespace.
      if (opened.dev !== id.dev || opened.inode !== id.inode) return false;
      this.walkUp(fd, opened);
      return true;
    } finally {
      closeFd(fd);
    }
  }

  /** Record `id` (open as `fd`, owned by the caller) and walk parents until a known one or the top. */
  private walkUp(fd: number, id: NsStat): void {
    const opened: number[] = []; // parent fds this walk opened; at most 32 (the nesting limit)
    try {
      let curFd = fd;
      let cur: NsStat = id;
      while (!this.has(cur)) {
        const parentFd = this.parentFd(curFd);
        if (parentFd !== null) opened.push(parentFd);
        const parent = parentFd === null ? null : fdIdentity(parentFd);
        this.nodes.set(nsKey(cur), { dev: cur.dev, inode: cur.inode, parent, ...this.owner(curFd) });
        if (parentFd === null || parent === null) return;
        curFd = parentFd;
        cur = parent;
      }
    } finally {
      for (const f of opened) closeFd(f);
    }
  }

  private parentFd(fd: number): number | null {
    try {
      return nsGetParent(fd);
    } catch (err) {
      // ENOTTY on kernels without nsfs ioctls: the parent is simply unknown.
      if (err instanceof NsfsError) return null;
      throw err;
    }
  }

  /** Owning user namespace and its creator's uid; null fields when not visible or not supported. */
  private owner(fd: number): { userNs: number | null; ownerUid: number | null } {
    let userFd: number | null = null;
    try {
      userFd = nsGetUserns(fd);
      if (userFd === null) return { userNs: null, ownerUid: null };
      return { userNs: fdIdentity(userFd).inode, ownerUid: nsGetOwnerUid(userFd) };
    } catch (err) {
      if (err instanceof NsfsError) return { userNs: null, ownerUid: null };
      throw err;
    } finally {
      if (userFd !== null) closeFd(userFd);
    }
  }

  /**
   * Keep only the namespaces in `live` (keys from nsKey) and their ancestors. A namespace whose last known member is gone
   * may be dead already and its inode reused by a new namespace under another parent before the next
   * scan reads it; a cached entry would give the new one the old parent and level.
   */
  retainKeys(live: Iterable<string>): void {
    const keep = new Set<string>();
    for (const start of live) {
      for (let key: string | null = start; key !== null && !keep.has(key);) {
        keep.add(key);
        const parent: NsStat | null | undefined = this.nodes.get(key)?.parent;
        key = parent ? nsKey(parent) : null;
      }
    }
    this.prune(keep);
  }

  /** Forget every namespace not in `keep` (keys from nsKey). */
  prune(keep: ReadonlySet<string>): void {
    for (const key of this.nodes.keys()) if (!keep.has(key)) this.nodes.delete(key);
  }
}
