// Records the /proc texts a snapshot is built from, for the unit tests' fixtures (run as root while the
// namespaces to record exist):  node out/test/tools/recordProcFixture.js <out.json> "<description>"
// Kept: every process outside the caller's namespace, their ancestors by PPid, PID 2 (a kernel thread)
// and the recorder itself, so a fixture stays small but has every kind of entry.
import { readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';

import { parseStatus } from '../../shared/core/procStatus';
import { NsGraph } from '../../helper-native/src/scan/nsGraph';
import { listPids, statIdentity } from '../../helper-native/src/scan/procFiles';
import type { ProcFixture, RecordedProc } from '../unit/support/procFixture';
import { nsKey } from '../../shared/core/identity';

function record(pid: number, graph: NsGraph): RecordedProc | null {
  try {
    const ns = statIdentity(`/proc/${pid}/ns/pid`);
    if (!ns.ok) return null;
    graph.ensure(ns.value, `/proc/${pid}/ns/pid`);
    const rec: RecordedProc = {
      pid,
      ns: ns.value,
      status: readFileSync(`/proc/${pid}/status`, 'utf8'),
      stat: readFileSync(`/proc/${pid}/stat`, 'utf8'),
    };
    const pending = statIdentity(`/proc/${pid}/ns/pid_for_children`);
    if (pending.ok && pending.value.inode !== ns.value.inode) {
      graph.ensure(pending.value, `/proc/${pid}/ns/pid_for_children`);
      rec.pendingNs = pending.value;
    }
    return rec;
  } catch {
    return null; // vanished mid-read
  }
}

function main(): void {
  const [out, description = ''] = process.argv.slice(2);
  if (!out) throw new Error('usage: recordProcFixture <out.json> [description]');
  const self = statIdentity('/proc/self/ns/pid');
  if (!self.ok) throw new Error('cannot read /proc/self/ns/pid');
  const graph = new NsGraph();
  const all = new Map<number, RecordedProc>();
  let unreadable = 0;
  for (const pid of listPids('/proc')) {
    const rec = record(pid, graph);
    if (rec) all.set(pid, rec);
    else unreadable++;
  }
  const keep = new Set<number>([2, process.pid]);
  for (const rec of all.values()) if (rec.ns.inode !== self.value.inode || rec.pendingNs) keep.add(rec.pid);
  for (const pid of [...keep]) {
    let cur = all.get(pid);
    while (cur) {
      keep.add(cur.pid);
      const ppid = parseStatus(cur.status)?.ppid ?? 0;
      cur = ppid > 0 && !keep.has(ppid) ? all.get(ppid) : undefined;
    }
  }
  const procs = [...keep].sort((a, b) => a - b).flatMap((pid) => all.get(pid) ?? []);
  const fixture: ProcFixture = {
    description,
    kernel: release(),
    self: self.value,
    graph: [...graph.nodes.values()].sort((a, b) => nsKey(a).localeCompare(nsKey(b))),
    procs,
    unreadable,
  };
  writeFileSync(out, JSON.stringify(fixture, null, 1) + '\n');
  console.log(`${procs.length} processes, ${fixture.graph.length} namespaces -> ${out}`);
}

main();
