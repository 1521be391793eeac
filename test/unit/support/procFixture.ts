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
  return buildModel({
    self: f.self,
    processes: fixtureProcesses(f),
    graph: new Map(f.graph.map((n) => [nsKey(n), n])),
    unreadable: f.unreadable,
    scannedAsUid: 0,
    takenAt,
  });
}
