// Which tree nodes a diff touches. Refreshing only those (instead of the whole tree) keeps the rest of the
// tree's DOM as it is: on a busy host a full refresh every poll would close any tooltip the user is reading
// and reset the hover delay, so a tooltip could never open. Pure, so it is unit tested.
import type { SnapshotDiff } from '../../shared/core/types';
import { nsKey, type SnapshotView } from './snapshotView';

/**
 * Keys of namespaces whose item or children changed, among those that existed before the diff (a brand-new
 * namespace is rendered by its parent's refresh; VS Code does not know it yet). Undefined: refresh everything.
 */
export function affectedNamespaces(before: SnapshotView, after: SnapshotView, diff: SnapshotDiff): Set<string> | undefined {
  const keys = new Set<string>();
  const add = (key: string | undefined): void => {
    if (key !== undefined) keys.add(key);
  };
  const parentKeyIn = (view: SnapshotView, key: string): string | undefined => {
    const ns = view.namespace(key);
    const parent = ns ? view.parentOf(ns) : undefined;
    return parent ? nsKey(parent.dev, parent.inode) : undefined;
  };
  for (const p of diff.addedProcesses) add(nsKey(p.nsDev, p.ns));
  for (const p of diff.changedProcesses) add(nsKey(p.nsDev, p.ns));
  for (const k of diff.removedProcesses) {
    const old = before.process(k.pid);
    if (old && old.startTime === k.startTime) add(nsKey(old.nsDev, old.ns));
  }
  for (const ns of diff.addedNamespaces) add(parentKeyIn(after, nsKey(ns.dev, ns.inode)));
  for (const id of diff.removedNamespaces) add(parentKeyIn(before, nsKey(id.dev, id.inode)));
  for (const ns of diff.changedNamespaces) {
    const key = nsKey(ns.dev, ns.inode);
    add(key);
    // A namespace that moved (its parent became visible or went away) changes both parents' children.
    if (parentKeyIn(before, key) !== parentKeyIn(after, key)) {
      add(parentKeyIn(before, key));
      add(parentKeyIn(after, key));
    }
  }
  // The root moving is a different world (helper restart): start over.
  if (before.root?.inode !== after.root?.inode) return undefined;
  for (const key of keys) if (!before.namespace(key) || !after.namespace(key)) keys.delete(key);
  return keys;
}
