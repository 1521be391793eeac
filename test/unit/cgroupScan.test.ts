// readCgroupContainers on a hand-made /proc (cgroup files only): which processes are read, which inherit,
// and what each is attributed to. Two containers sharing one PID namespace, a namespace nested inside a
// container (no read), a plain namespace with a nested one (both read: no container to pass on) and an
// engine running inside that plain namespace whose container is still found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCgroupContainers } from '../../helper-native/src/containers/cgroupScan';
import type { CgroupContainer } from '../../shared/core/containerOf';
import type { ProcessInfo, Snapshot } from '../../shared/core/types';

const HOST = 1;
const SHARED = 2; // web's namespace, which side joined
const NESTED = 3; // inside web
const PLAIN = 4; // a namespace no engine made
const PLAIN2 = 5; // nested in PLAIN
const INNER = 6; // a container started by an engine that runs inside PLAIN
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

function proc(pid: number, ppid: number, ns: number): ProcessInfo {
  return { pid, ppid, comm: 'p', uid: 0, ns, nsDev: 4, nspid: [pid], startTime: 1000 + pid, state: 'S' };
}
const v1 = (path: string): string => `4:memory:${path}\n1:cpu:${path}\n0::${path}\n`;
// Listed children before parents, as a wrapped PID counter can order them.
const processes = [
  proc(33, 32, NESTED), // nested inside web: inherits web
  proc(10, 1, HOST), // web's shim
  proc(11, 10, SHARED), // web
  proc(12, 10, SHARED), // side: its own shim is 10 too here; joined web's namespace
  proc(13, 11, SHARED), // web's child
  proc(32, 13, NESTED), // nested namespace's init, parent in web
  proc(40, 1, PLAIN),
  proc(41, 40, PLAIN),
  proc(42, 41, PLAIN2),
  proc(43, 41, PLAIN), // an engine's shim inside PLAIN
  proc(44, 43, INNER), // its container
  proc(45, 44, INNER),
];
const cgroups: Record<number, string> = {
  10: v1('/system.slice/containerd.service'),
  11: v1(`/docker/${A}`),
  12: v1(`/docker/${B}`),
  13: v1(`/docker/${A}`),
  32: v1(`/docker/${A}/sub`),
  33: v1(`/docker/${A}/sub`),
  40: v1('/user.slice'),
  41: v1('/user.slice'),
  42: v1('/user.slice'),
  43: v1('/user.slice'),
  44: v1(`/docker/${C}`),
  45: v1(`/docker/${C}`),
};
const snapshot: Snapshot = {
  self: { nsInode: HOST, nsDev: 4 },
  namespaces: [],
  processes,
  unreadable: 0,
  scannedAsUid: 0,
  takenAt: 1,
};

test('cgroups: one read per process entering a namespace from outside a container; containers pass on to nested namespaces', () => {
  const root = mkdtempSync(join(tmpdir(), 'pidns-cgroupscan-'));
  try {
    for (const [pid, text] of Object.entries(cgroups)) {
      mkdirSync(join(root, pid));
      writeFileSync(join(root, pid, 'cgroup'), text);
    }
    // The cache holds exactly what was read (pid@start).
    const cache = new Map<string, CgroupContainer | null>();
    const found = readCgroupContainers(root, snapshot, cache);
    const read = [...cache.keys()].map((k) => Number(k.split('@')[0])).sort((x, y) => x - y);
    assert.deepEqual(read, [11, 12, 40, 42, 44], 'read: each entry from the host, the plain nested init, the inner container');
    const idOf = (pid: number): string | undefined => found.get(pid)?.id;
    assert.deepEqual(
      [11, 12, 13, 32, 33, 44, 45].map(idOf),
      [A, B, A, A, A, C, C],
      'web, side (shares web’s namespace), web’s child and the namespace nested in web, the inner container',
    );
    for (const pid of [10, 40, 41, 42, 43]) assert.equal(found.has(pid), false, `${pid} is in no container`);
    // A second pass with the cache reads nothing new and says the same.
    const again = readCgroupContainers(root, snapshot, cache);
    assert.deepEqual([...again].sort(), [...found].sort());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
