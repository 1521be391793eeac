// Labelling a snapshot with containers: cgroups read after the scan, then the engines asked (bounded).
import { attachContainers } from '../../../shared/core/containers';
import type { Snapshot } from '../../../shared/core/types';
import { takeSnapshot } from '../scan/poller';
import { readCgroupContainers } from './cgroupScan';
import type { ContainerResolver } from './resolver';

/**
 * The CLI's bounds: each lookup at most 700 ms, the wait at most 750 ms after the scan, so a hung engine
 * adds well under 1 s even on a loaded machine (a healthy dockerd lists 100 containers in ~20–60 ms here).
 */
export const CLI_LOOKUP_MS = 700;
export const CLI_WAIT_MS = 750;

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

/**
 * The CLI's labelled cold snapshot: the engines' list calls are sent first (prefetch), then the scan runs
 * while they answer, then the wait for what is still missing, bounded by `waitMs` after the scan.
 */
export async function takeLabelledSnapshot(resolver: ContainerResolver, procRoot = '/proc', waitMs = CLI_WAIT_MS): Promise<Snapshot> {
  // The requests are connected and written before prefetch returns (engineApi): the scan can start at once.
  resolver.prefetch();
  return labelSnapshot(takeSnapshot(procRoot), resolver, procRoot, waitMs);
}
