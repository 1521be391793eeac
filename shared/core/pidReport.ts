// `pidns pid`: one process's PID at every level, its container and pod, found by a PID as some namespace
// or container sees it. Pure.
import { containerKey, containerLabel, podLabel } from './containers';
import { shortId } from './containerOf';
import { ModelIndex } from './modelIndex';
import { findByPidIn, pidInNamespace } from './translate';
import type { ContainerInfo, PodInfo, ProcessInfo, Snapshot } from './types';
import { nsName } from './nsName';

export interface PidLevel {
  level: number;
  ns: number;
  pid: number;
  /** Containers whose PID namespace this level is. */
  containers: string[];
}

export interface PidReport {
  process: ProcessInfo;
  levels: PidLevel[];
  container?: ContainerInfo;
  pod?: PodInfo;
}

/** A container by name, id, id prefix (≥ 4 characters), `engine/id`, or `podNamespace/podName/name`. Error text when none or several match. */
export function findContainer(snapshot: Snapshot, query: string): ContainerInfo | string {
  const all = snapshot.containers ?? [];
  const exact = all.filter(
    (c) =>
      c.name === query ||
      c.id === query ||
      containerKey(c) === query ||
      (c.pod !== undefined && `${podLabel(c.pod)}/${c.name ?? ''}` === query),
  );
  const hits = exact.length > 0 ? exact : query.length >= 4 ? all.filter((c) => c.id.startsWith(query)) : [];
  if (hits.length === 1) return hits[0];
  if (hits.length === 0)
    return `no container '${query}' (${all.length === 0 ? 'none running' : `known: ${all.map((c) => containerLabel(c)).join(', ')}`})`;
  return `'${query}' matches ${hits.length} containers: ${hits.map((c) => `${c.engine}/${shortId(c.id)}`).join(', ')}`;
}

/** The process that namespace `nsInode` knows as `pid`, with its PID at every level; a string says why not. */
export function pidReport(snapshot: Snapshot, pid: number, nsInode: number): PidReport | string {
  const index = new ModelIndex(snapshot);
  if (index.namespaceWithInode(nsInode) === undefined) return `no PID namespace ${nsInode}`;
  const proc = findByPidIn(index, nsInode, pid);
  if (proc === undefined) return `no process ${pid} in ${nsName(nsInode)}`;
  const containers = snapshot.containers ?? [];
  const levels: PidLevel[] = [];
  const own = index.namespaceOf(proc);
  for (const info of own ? index.ancestry(own) : []) {
    const at = pidInNamespace(index, proc, info.inode);
    if (at === null) continue;
    levels.push({
      level: info.level,
      ns: info.inode,
      pid: at,
      containers: containers.filter((c) => c.pidNs === info.inode).map((c) => `${containerLabel(c)} (${c.engine})`),
    });
  }
  const container =
    proc.container === undefined ? undefined : containers.find((c) => containerKey(c) === containerKey(proc.container as ContainerInfo));
  const report: PidReport = { process: proc, levels };
  if (container !== undefined) report.container = container;
  if (container?.pod !== undefined) report.pod = container.pod;
  return report;
}

/** `PID 1 in web (docker) · host 27416` for the process's own level and container. */
export function pidHeadline(r: PidReport): string {
  const own = r.levels[r.levels.length - 1];
  const host = r.levels[0];
  const where = r.container !== undefined ? `${containerLabel(r.container)} (${r.container.engine})` : nsName(own.ns);
  return own.level === host.level ? `PID ${host.pid} on the host (${nsName(host.ns)})` : `PID ${own.pid} in ${where} · host ${host.pid}`;
}

export function renderPidReport(r: PidReport): string {
  const lines = [pidHeadline(r)];
  lines.push(`command    ${r.process.comm}`);
  if (r.container !== undefined) {
    const c = r.container;
    lines.push(`container  ${containerLabel(c)} (${c.engine} ${shortId(c.id)})${c.image !== undefined ? `  image ${c.image}` : ''}`);
  }
  if (r.pod !== undefined) lines.push(`pod        ${podLabel(r.pod)}`);
  lines.push('level  namespace          pid');
  for (const l of r.levels)
    lines.push(
      `${String(l.level).padEnd(5)}  ${nsName(l.ns).padEnd(17)}  ${String(l.pid).padEnd(7)}${l.containers.length > 0 ? `  ${l.containers.join(', ')}` : ''}`,
    );
  return lines.join('\n') + '\n';
}
