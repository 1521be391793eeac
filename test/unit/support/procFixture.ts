// Recorded /proc fixtures (test/fixtures/*.json, made by test/tools/recordProcFixture.ts) and the pure
// pipeline that turns one into a Snapshot: parse status/stat, build records, build the model. This is
// exactly what the scanner does minus the syscalls.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, type NsNode } from '../../../shared/core/buildModel';
import { parseStat, parseStatus, toProcessInfo } from '../../../shared/core/procStatus';
import type { NsId, ProcessInfo, Snapshot } from '../../../shared/core/types';
import { nsKey } from '../../../shared/core/identity';

export interface RecordedProc {
  pid: number;
  ns: NsId;
  status: string;
  stat: string;
  pendingNs?: NsId;
}

export interface ProcFixture {
  description: string;
  kernel: string;
  self: NsId;
  graph: NsNode[];
  procs: RecordedProc[];
  unreadable: number;
}

/** Fixtures live in the source tree; tests run from out/test/unit, so resolve from the repository root. */
export function loadFixture(name: string): ProcFixture {
  const root = join(__dirname, '..', '..', '..', '..');
  return JSON.parse(readFileSync(join(root, 'test', 'fixtures', name), 'utf8')) as ProcFixture;
}

export function fixtureProcesses(f: ProcFixture): ProcessInfo[] {
  return f.procs.flatMap((r) => {
    const status = parseStatus(r.status);
    const stat = parseStat(r.stat);
    return status && stat ? [toProcessInfo(status, stat, r.ns, r.pendingNs?.inode)] : [];
  });
}

export function fixtureSnapshot(f: ProcFixture, takenAt = 1): Snapshot {
  return snapshotIn(f)(fixtureProcesses(f), takenAt, f.unreadable);
}

/** Builds a snapshot of any processes in the fixture's namespaces, as the scanner would from them. */
export function snapshotIn(f: ProcFixture): (processes: ProcessInfo[], takenAt: number, unreadable?: number) => Snapshot {
  const graph = new Map<string, NsNode>(f.graph.map((n) => [nsKey(n), n]));
  return (processes, takenAt, unreadable = 1) => buildModel({ self: f.self, processes, graph, unreadable, scannedAsUid: 0, takenAt });
}

/** The odds that a process, in one step of a random run, exits, changes state, is re-parented and renamed, or has its PID reused. */
export interface Churn {
  exit: number;
  state: number;
  reparent: number;
  reuse: number;
}

/** One step of a random run: each process meets at most one of `odds`' fates, drawn from `r`. */
export function churn(procs: ProcessInfo[], r: () => number, odds: Churn): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const p of procs) {
    let x = r();
    if ((x -= odds.exit) < 0) continue;
    if ((x -= odds.state) < 0) out.push({ ...p, state: p.state === 'S' ? 'R' : 'S' });
    else if ((x -= odds.reparent) < 0) out.push({ ...p, ppid: 1, comm: 'renamed' });
    else if ((x -= odds.reuse) < 0) out.push({ ...p, startTime: p.startTime + 1000 });
    else out.push(p);
  }
  return out;
}
