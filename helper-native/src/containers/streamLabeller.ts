// Container labels for the helper's snapshot stream. Synchronous on the poll's path: it attaches what is
// cached (cgroups per process, engine metadata per container) and starts lookups for new containers in
// the background; when they land, the next poll relabels and the diff carries the new `containers`.
import type { CgroupContainer } from '../../../shared/core/containerOf';
import { attachContainers } from '../../../shared/core/containers';
import type { Snapshot } from '../../../shared/core/types';
import { readCgroupContainers } from './cgroupScan';
import { ContainerResolver, type ResolverOptions } from './resolver';

export class StreamLabeller {
  private readonly resolver: ContainerResolver;
  private readonly cgroups = new Map<string, CgroupContainer | null>();
  private found = new Map<number, CgroupContainer>();
  private last: Snapshot | null = null;
  /** Set when a lookup learned something since the last label(): relabel even if the poll saw no change. */
  private learned = false;

  constructor(
    private readonly procRoot: string,
    options: ResolverOptions = {},
  ) {
    this.resolver = new ContainerResolver(options);
  }

  /** The labelled snapshot, and whether labels may differ from the previous one even if the poll saw no change. */
  label(snapshot: Snapshot, pollChanged: boolean): { snapshot: Snapshot; relabelled: boolean } {
    const relabelled = this.learned;
    this.learned = false;
    if (!pollChanged && !relabelled && this.last !== null) {
      this.last = { ...this.last, takenAt: snapshot.takenAt };
      return { snapshot: this.last, relabelled: false };
    }
    if (pollChanged || this.last === null) {
      this.found = readCgroupContainers(this.procRoot, snapshot, this.cgroups);
      this.resolver.retain(this.found.values());
    }
    this.resolver.resolve(this.found.values()).then(
      (learned) => {
        if (learned) this.learned = true;
      },
      () => undefined, // resolve never rejects; belt and braces for a timer callback
    );
    this.last = attachContainers(snapshot, this.found, (ref) => this.resolver.meta(ref));
    return { snapshot: this.last, relabelled };
  }
}
