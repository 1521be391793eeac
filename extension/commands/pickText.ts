// What the palette's namespace and process pickers show, without vscode (unit tested). A container's name
// and pod lead, so "Open Terminal in Namespace…" offers "web (docker)" and typing the name finds it.
import { containersText } from '../../shared/core/treeText';
import { containerLabel } from '../../shared/core/containers';
import type { ModelIndex } from '../../shared/core/modelIndex';
import type { NamespaceInfo, ProcessInfo } from '../../shared/core/types';
import { nsName } from '../../shared/core/nsName';

export interface PickText {
  label: string;
  description: string;
}

export function namespacePickText(view: ModelIndex, ns: NamespaceInfo): PickText {
  const containers = view.containersOf(ns);
  const parts = [`level ${ns.level}`, view.initComm(ns) ?? 'no init', `${view.processes(ns).length} processes`];
  if (containers.length > 0) parts.unshift(containersText(containers));
  return { label: `${'  '.repeat(ns.level)}${nsName(ns.inode)}`, description: parts.join(' · ') };
}

export function processPickText(view: ModelIndex, p: ProcessInfo): PickText {
  const c = view.containerOf(p);
  const parts = [`host ${p.pid}`, `level ${p.nspid.length - 1}`, `uid ${p.uid}`];
  if (c) parts.unshift(`in ${containerLabel(c)} (${c.engine})`);
  return { label: `${p.comm} ${view.ownPid(p)}`, description: parts.join(' · ') };
}
