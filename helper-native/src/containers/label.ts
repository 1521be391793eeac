// Labelling a snapshot with containers: cgroups read after the scan, then the engines asked (bounded).
import { attachContainers } from '../../../shared/core/containers';
import type { Snapshot } from '../../../shared/core/types';
import { readCgroupContainers } from './cgroupScan';
import type { ContainerResolver } from './resolver';

/**
 * One-shot (the CLI): the snapshot is already taken; read its containerised processes' cgroups, give the
 * engines at most `waitMs` in all, and attach whatever they said by then.
 */
export async function labelSnapshot(snapshot: Snapshot, resolver: ContainerResolver, procRoot = '/proc', waitMs = 1000): Promise<Snapshot> {
  const found = readCgroupContainers(procRoot, snapshot);
  if (found.size > 0) {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
    });
    await Promise.race([resolver.resolve(found.values()), deadline]);
    clearTimeout(timer);
  }
  return attachContainers(snapshot, found, (ref) => resolver.meta(ref));
}
