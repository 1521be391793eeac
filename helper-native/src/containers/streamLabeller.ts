// Container labels for the helper's snapshot stream. Synchronous on the poll's path: it attaches what is
// cached (cgroups per process, engine metadata per container) and starts lookups for new containers in
// the background; when they land, the next poll relabels and the diff carries the new `containers`.
import { containerOf, type CgroupContainer } from '../../../shared/core/containerOf';
import { attachContainers, containerKey, containerList } from '../../../shared/core/containers';
import type { ContainerInfo, ContainerRef, ProcessInfo, Snapshot, SnapshotDiff } from '../../../shared/core/types';
import { readProcText } from '../scan/procFiles';
import { readCgroupContainers } from './cgroupScan';
import { ContainerResolver, type ResolverOptions } from './resolver';

export class StreamLabeller {
  private readonly resolver: ContainerResolver;
  /** pid@startTime → what its cgroup said (only processes whose container is not inherited are read). */
  private readonly cgroups = new Map<string, CgroupContainer | null>();
  /** pid → container, for every containerised process the client knows (kept by label() and labelDiff()). */
  private found = new Map<number, CgroupContainer>();
  private last: Snapshot | null = null;
  /** Set when a lookup learned something since the last label(): relabel even if the poll saw no change. */
  private learned = false;

  private readonly onLearned: () => void;
  /** labelDiff ran since the last label(): the model moved on by event diffs. */
  private diffsSince = false;

  /** `learned`: called when a lookup brought something new, so a stream that does not poll can relabel. */
  constructor(
    private readonly procRoot: string,
    options: ResolverOptions & { learned?: () => void } = {},
  ) {
    this.resolver = new ContainerResolver(options);
    this.onLearned = options.learned ?? (() => undefined);
  }

  /** Entries in each cache (the cache-bounds test holds them to what is live). */
  sizes(): Record<string, number> {
    return { cgroups: this.cgroups.size, found: this.found.size, ...this.resolver.sizes() };
  }

  /** The labelled snapshot, and whether labels may differ from the previous one even if the poll saw no change. */
  label(snapshot: Snapshot, pollChanged: boolean): { snapshot: Snapshot; relabelled: boolean } {
    const relabelled = this.learned;
    this.learned = false;
    // Event diffs since the last full label changed the model without a poll: `last` is older than it. (Reusing
    // it answered a `snapshot` request right after a create with the model from before the chain.)
    if (this.diffsSince) pollChanged = true;
    this.diffsSince = false;
    if (!pollChanged && !relabelled && this.last !== null) {
      this.last = { ...this.last, takenAt: snapshot.takenAt };
      return { snapshot: this.last, relabelled: false };
    }
    if (pollChanged || this.last === null) {
      this.found = readCgroupContainers(this.procRoot, snapshot, this.cgroups);
      this.resolver.retain(this.found.values());
    }
    this.resolveFound();
    this.last = attachContainers(snapshot, this.found, (ref) => this.resolver.meta(ref));
    return { snapshot: this.last, relabelled };
  }

  /**
   * Container labels on an event diff, from what is cached: O(the diff), plus O(containerised processes)
   * when one of them came or went. A full label() rebuilds the model and walks every process (tens of ms
   * at 10,000), which every fork in another PID namespace (other users' containers, tests, builds) would
   * pay. Same rules as readCgroupContainers: a process whose parent is in its namespace inherits the
   * parent's container, any other has its cgroup read (once per pid@startTime).
   * Diff entries that gain or lose a label are replaced by copies (the poller's own objects stay bare).
   * Returns the containers list when it changed, else undefined.
   */
  labelDiff(
    diff: SnapshotDiff,
    procOf: (pid: number) => ProcessInfo | undefined,
    selfNs: number,
    sent: ContainerInfo[] | undefined,
  ): ContainerInfo[] | undefined {
    this.diffsSince = true;
    let moved = false;
    for (const k of diff.removedProcesses) {
      this.cgroups.delete(`${k.pid}@${k.startTime}`);
      moved = this.found.delete(k.pid) || moved;
    }
    const pending = new Map<number, ProcessInfo>();
    for (const p of [...diff.addedProcesses, ...diff.changedProcesses]) if (p.ns !== selfNs) pending.set(p.pid, p);
    const memo = new Map<number, CgroupContainer | null>();
    const decide = (p: ProcessInfo, depth: number): CgroupContainer | null => {
      const known = memo.get(p.pid);
      if (known !== undefined) return known;
      const parent = procOf(p.ppid);
      let c: CgroupContainer | null;
      if (parent !== undefined && parent.ns === p.ns && parent.pid !== p.pid) {
        const up = pending.get(parent.pid);
        c = up !== undefined && depth < pending.size ? decide(up, depth + 1) : (this.found.get(parent.pid) ?? null);
      } else {
        const key = `${p.pid}@${p.startTime}`;
        const cached = this.cgroups.get(key);
        if (cached !== undefined) c = cached;
        else {
          const text = readProcText(`${this.procRoot}/${p.pid}/cgroup`);
          c = text.ok ? containerOf(text.value) : null;
          this.cgroups.set(key, c);
        }
      }
      memo.set(p.pid, c);
      const was = this.found.get(p.pid);
      if (c === null) moved = this.found.delete(p.pid) || moved;
      else if (was === undefined || containerKey(was) !== containerKey(c)) {
        this.found.set(p.pid, c);
        moved = true;
      }
      return c;
    };
    for (const p of pending.values()) decide(p, 0);
    const relabel = (list: ProcessInfo[]): void => {
      for (let i = 0; i < list.length; i++) {
        const p = list[i];
        const c = this.found.get(p.pid);
        if (c !== undefined) list[i] = { ...p, container: { engine: c.engine, id: c.id } };
        else if (p.container !== undefined) {
          const { container: _dropped, ...rest } = p;
          list[i] = rest;
        }
      }
    };
    relabel(diff.addedProcesses);
    relabel(diff.changedProcesses);
    if (!moved && !this.learned) return undefined;
    this.learned = false;
    // The labelled snapshot of label() no longer matches: the next label() recomputes.
    this.last = null;
    if (moved) {
      this.resolver.retain(this.found.values());
      this.resolveFound();
    }
    const list = this.containers(procOf);
    return JSON.stringify(list) === JSON.stringify(sent ?? []) ? undefined : list;
  }

  /** Asks the engines about the containers found; once they answer something new, the next label() relabels. */
  private resolveFound(): void {
    this.resolver.resolve(this.found.values()).then(
      (learned) => {
        if (learned) {
          this.learned = true;
          this.onLearned();
        }
      },
      () => undefined, // resolve never rejects; belt and braces for a timer callback
    );
  }

  /** The containers list from `found` (small: the containerised processes only). */
  private containers(procOf: (pid: number) => ProcessInfo | undefined): ContainerInfo[] {
    const groups = new Map<string, { ref: ContainerRef; procs: ProcessInfo[] }>();
    for (const pid of [...this.found.keys()].sort((a, b) => a - b)) {
      const c = this.found.get(pid) as CgroupContainer;
      const p = procOf(pid);
      if (p === undefined) continue;
      const ref: ContainerRef = { engine: c.engine, id: c.id };
      const key = containerKey(ref);
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { ref, procs: [] }));
      g.procs.push(p);
    }
    return containerList(groups.values(), (ref) => this.resolver.meta(ref));
  }
}
