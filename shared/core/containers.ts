// Snapshot + which container each process is in + what the engines said about them → the snapshot's
// `containers` list and `processes[].container`. Pure.
//
// Attribution is per process (by its cgroup), never per namespace: two containers may share one PID
// namespace (`--pid container:x`, Kubernetes shareProcessNamespace) and each process still belongs to its
// own; a namespace nested inside a container keeps its processes in the container's cgroup, so they belong
// to the container while their namespace hangs below the container's as the kernel nests it.
import { shortId, type CgroupContainer } from './containerOf';
import type { ContainerInfo, ContainerRef, PodInfo, ProcessInfo, Snapshot } from './types';

/** What an engine said about one container. */
export interface ContainerMeta {
  name?: string;
  image?: string;
  pod?: PodInfo;
}

export function containerKey(ref: ContainerRef): string {
  return `${ref.engine}/${ref.id}`;
}

/** `web`, or `docker 3f4e5d6c7b8a` when the engine gave no name. */
export function containerLabel(c: ContainerRef & { name?: string }): string {
  return c.name ?? `${c.engine} ${shortId(c.id)}`;
}

/** `shop/web-0` style pod label: namespace/name. */
export function podLabel(pod: PodInfo): string {
  return `${pod.namespace}/${pod.name}`;
}

/**
 * A copy of `snapshot` with `container` on the processes found in `found` (pid → cgroup's container) and
 * `containers` listing each container once, sorted by engine then id. `meta` gives the engine's names.
 */
export function attachContainers(
  snapshot: Snapshot,
  found: ReadonlyMap<number, CgroupContainer>,
  meta: (ref: ContainerRef) => ContainerMeta | undefined,
): Snapshot {
  const members = new Map<string, { ref: ContainerRef; procs: ProcessInfo[] }>();
  const processes = snapshot.processes.map((p) => {
    const c = found.get(p.pid);
    if (c === undefined) {
      if (p.container === undefined) return p;
      const { container: _dropped, ...rest } = p;
      return rest;
    }
    const ref: ContainerRef = { engine: c.engine, id: c.id };
    const key = containerKey(ref);
    let m = members.get(key);
    if (m === undefined) members.set(key, (m = { ref, procs: [] }));
    const labelled = p.container !== undefined && containerKey(p.container) === key ? p : { ...p, container: ref };
    m.procs.push(labelled);
    return labelled;
  });
  return { ...snapshot, processes, containers: containerList(members.values(), meta) };
}

/**
 * The `containers` list from each container's member processes (their `container` field is not read),
 * sorted by engine then id. Shared by the full labelling above and the helper's per-diff one.
 */
export function containerList(
  groups: Iterable<{ ref: ContainerRef; procs: ProcessInfo[] }>,
  meta: (ref: ContainerRef) => ContainerMeta | undefined,
): ContainerInfo[] {
  const containers: ContainerInfo[] = [];
  for (const { ref, procs } of groups) {
    // The outermost processes (fewest NSpid entries) are in the container's own namespace. Its first
    // process: parent outside the container (the engine's shim), lowest PID in its namespace; failing
    // that (a racy scan lost the root), the outermost process with the lowest PID in its namespace.
    // One pass each (a labelled snapshot does this for every container).
    let depth = Infinity;
    for (const p of procs) if (p.nspid.length < depth) depth = p.nspid.length;
    let inside: Set<number> | undefined;
    if (procs.length > 1) inside = new Set(procs.map((p) => p.pid));
    let first: ProcessInfo | undefined;
    let firstIsRoot = false;
    for (const p of procs) {
      if (p.nspid.length !== depth) continue;
      const root = inside === undefined || !inside.has(p.ppid);
      if (first === undefined || (root && !firstIsRoot) || (root === firstIsRoot && p.nspid[depth - 1] < first.nspid[depth - 1])) {
        first = p;
        firstIsRoot = root;
      }
    }
    if (first === undefined) continue; // a group has at least one process
    const m = meta(ref);
    // Keys in the contract's order, so the JSON reads as documented.
    const info = { engine: ref.engine, id: ref.id } as ContainerInfo; // pidNs set below, after the optional keys
    if (m?.name !== undefined) info.name = m.name;
    if (m?.image !== undefined) info.image = m.image;
    if (m?.pod !== undefined) info.pod = { name: m.pod.name, namespace: m.pod.namespace };
    info.pidNs = first.ns;
    info.initPid = first.pid;
    containers.push(info);
  }
  containers.sort((a, b) => (a.engine < b.engine ? -1 : a.engine > b.engine ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return containers;
}
