// The views' text filter: what a typed text matches. A namespace by its name as the views write it
// (`pid:[inode]`, or `pid:[inferred from 27416]`: nsName.ts) or a container in it; a
// container by name, id, image, engine or pod (`namespace/name`); a process by its command or its container.
// Case-insensitive substring, the way VS Code's own find matches. Pure.
import { containerLabel, podLabel } from './containers';
import type { ModelIndex } from './modelIndex';
import { nsName } from './nsName';
import type { ContainerInfo, NamespaceInfo, ProcessInfo } from './types';

/** The text as matched: trimmed, lower case; '' means no filter. */
export function normalizeFilter(text: string): string {
  return text.trim().toLowerCase();
}

export function containerMatches(c: ContainerInfo, needle: string): boolean {
  const fields = [containerLabel(c), c.id, c.engine, c.image ?? '', c.pod === undefined ? '' : podLabel(c.pod)];
  return fields.some((f) => f.toLowerCase().includes(needle));
}

export function namespaceMatches(view: ModelIndex, ns: NamespaceInfo, needle: string): boolean {
  return nsName(ns.inode).includes(needle) || view.containersOf(ns).some((c) => containerMatches(c, needle));
}

export function processMatches(view: ModelIndex, p: ProcessInfo, needle: string): boolean {
  if (p.comm.toLowerCase().includes(needle)) return true;
  const c = view.containerOf(p);
  return c !== undefined && containerMatches(c, needle);
}
