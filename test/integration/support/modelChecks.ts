// Invariants of a Snapshot and of a diff against the model it applies to, for the reliability tests.
// Each returns a list of human-readable problems (empty when all hold), so a failure names every
// offender at once instead of the first.
import { readlinkSync } from 'node:fs';

import type { Snapshot, SnapshotDiff } from '../../../shared/core/types';
import { nsKey, processKey } from '../../../shared/core/identity';
import { startTimeAt } from '../../../helper-native/src/demo/procView';

/** A diff must only remove/change what the model holds and only add what it does not. */
export function diffProblems(model: Snapshot, diff: SnapshotDiff): string[] {
  const procs = new Set(model.processes.map(processKey));
  const nss = new Set(model.namespaces.map((n) => nsKey(n)));
  const out: string[] = [];
  for (const p of diff.addedProcesses) if (procs.has(processKey(p))) out.push(`added process ${processKey(p)} is already in the model`);
  for (const p of diff.removedProcesses) if (!procs.has(processKey(p))) out.push(`removed process ${processKey(p)} is not in the model`);
  for (const p of diff.changedProcesses) if (!procs.has(processKey(p))) out.push(`changed process ${processKey(p)} is not in the model`);
  for (const n of diff.addedNamespaces) if (nss.has(nsKey(n))) out.push(`added namespace ${nsKey(n)} is already in the model`);
  for (const n of diff.removedNamespaces) if (!nss.has(nsKey(n))) out.push(`removed namespace ${nsKey(n)} is not in the model`);
  for (const n of diff.changedNamespaces) if (!nss.has(nsKey(n))) out.push(`changed namespace ${nsKey(n)} is not in the model`);
  return out;
}

/**
 * Structure of a model: unique keys; each process's namespace exists and lists it; every namespace has
 * members or is hidden, and a hidden one is the caller's own, an ancestor of one with members, a
 * process's pending pid_for_children or held by a mount or fd (something holds it); parent links and levels agree.
 */
export function modelProblems(s: Snapshot): string[] {
  const out: string[] = [];
  const byKey = new Map(s.namespaces.map((n) => [nsKey(n), n]));
  if (byKey.size !== s.namespaces.length) out.push('duplicate namespace key');
  if (new Set(s.processes.map((p) => p.pid)).size !== s.processes.length) out.push('duplicate process pid');
  const pending = new Set(s.processes.flatMap((p) => (p.pendingNs === undefined ? [] : [nsKey({ dev: p.nsDev, inode: p.pendingNs })])));
  for (const p of s.processes) {
    const ns = byKey.get(nsKey({ dev: p.nsDev, inode: p.ns }));
    if (!ns) out.push(`process ${p.pid} in unknown namespace ${p.ns}`);
    else if (!ns.pids.includes(p.pid)) out.push(`namespace ${ns.inode} does not list its member ${p.pid}`);
    if (p.nspid[0] !== p.pid) out.push(`process ${p.pid} has NSpid ${p.nspid.join(' ')}`);
  }
  const withMembersAbove = new Set<string>();
  for (const n of s.namespaces) {
    if (n.pids.length === 0) continue;
    for (let cur = byKey.get(nsKey(n)); cur && cur.parent !== null; cur = byKey.get(nsKey({ dev: cur.dev, inode: cur.parent }))) {
      withMembersAbove.add(nsKey({ dev: cur.dev, inode: cur.parent }));
    }
  }
  for (const n of s.namespaces) {
    const key = nsKey(n);
    if (n.pids.length > 0 && n.hidden) out.push(`namespace ${n.inode} has members but is hidden`);
    if (n.pids.length === 0) {
      const self = n.inode === s.self.nsInode && n.dev === s.self.nsDev;
      if (!n.hidden) out.push(`namespace ${n.inode} has no members and is not hidden`);
      else if (!self && !withMembersAbove.has(key) && !pending.has(key) && (n.heldBy?.length ?? 0) === 0)
        out.push(`hidden namespace ${n.inode} holds nothing alive`);
    }
    const parent = n.parent === null ? undefined : byKey.get(nsKey({ dev: n.dev, inode: n.parent }));
    if (n.parent !== null && !parent) out.push(`namespace ${n.inode} has unknown parent ${n.parent}`);
    if (parent && parent.level + 1 !== n.level) out.push(`namespace ${n.inode} level ${n.level} under parent level ${parent.level}`);
  }
  return out;
}

/** Inode of /proc/PID/ns/pid under `procRoot`, or null. */
export function liveNsInode(procRoot: string, pid: number): number | null {
  try {
    return Number(/\[(\d+)\]/.exec(readlinkSync(`${procRoot}/${pid}/ns/pid`))?.[1]);
  } catch {
    return null;
  }
}

/**
 * Phantom check for processes a diff added: one still alive under the same PID with the same start time
 * must be in the reported namespace; one whose PID is held by an OLDER process never existed as reported.
 */
export function phantomProblems(procRoot: string, added: SnapshotDiff['addedProcesses']): { problems: string[]; verified: number } {
  const problems: string[] = [];
  let verified = 0;
  for (const p of added) {
    const start = startTimeAt(procRoot, p.pid);
    const ns = liveNsInode(procRoot, p.pid);
    if (start === undefined || ns === null) continue; // gone since: cannot be checked, and not a phantom by itself
    if (start < p.startTime)
      problems.push(`process ${processKey(p)} reported, but PID ${p.pid} belongs to an older process (start ${start})`);
    else if (start === p.startTime) {
      verified++;
      if (ns !== p.ns && startTimeAt(procRoot, p.pid) === start)
        problems.push(`process ${processKey(p)} reported in ns ${p.ns}, /proc says ${ns}`);
    }
  }
  return { problems, verified };
}
