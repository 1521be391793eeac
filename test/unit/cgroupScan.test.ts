// readCgroupContainers on a hand-made /proc (cgroup files only): which processes are read, which inherit,
// and what each is attributed to. Two containers sharing one PID namespace, a namespace nested inside a
// container (no read), a plain namespace with a nested one (both read: no container to pass on) and an
// engine running inside that plain namespace whose container is still found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupReader, CPUSET_MISS_MARGIN, readCgroupContainers } from '../../helper-native/src/containers/cgroupScan';
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
/** The path each fixture's cgroup file names (what a v1 host's /proc/PID/cpuset shows too). */
const paths: Record<number, string> = {
  10: '/system.slice/containerd.service',
  11: `/docker/${A}`,
  12: `/docker/${B}`,
  13: `/docker/${A}`,
  32: `/docker/${A}/sub`,
  33: `/docker/${A}/sub`,
  40: '/user.slice',
  41: '/user.slice',
  42: '/user.slice',
  43: '/user.slice',
  44: `/docker/${C}`,
  45: `/docker/${C}`,
};
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

test('cgroups: with cpuset files as a v1 host has them, the same reads and the same answers', () => {
  const root = mkdtempSync(join(tmpdir(), 'pidns-cgroupscan-'));
  try {
    for (const [pid, text] of Object.entries(cgroups)) {
      mkdirSync(join(root, pid));
      writeFileSync(join(root, pid, 'cgroup'), text);
      writeFileSync(join(root, pid, 'cpuset'), `${paths[Number(pid)]}\n`);
    }
    const cache = new Map<string, CgroupContainer | null>();
    const found = readCgroupContainers(root, snapshot, cache);
    assert.deepEqual(
      [...cache.keys()].map((k) => Number(k.split('@')[0])).sort((x, y) => x - y),
      [11, 12, 40, 42, 44],
    );
    assert.deepEqual(
      [11, 12, 13, 32, 33, 44, 45].map((pid) => found.get(pid)?.id),
      [A, B, A, A, A, C, C],
    );
    for (const pid of [10, 40, 41, 42, 43]) assert.equal(found.has(pid), false, `${pid} is in no container`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('cgroup reader: cpuset when it names a container, the whole file when not, and no cpuset tries once they mostly miss', () => {
  const root = mkdtempSync(join(tmpdir(), 'pidns-cgroupreader-'));
  const write = (pid: number, files: { cpuset?: string; cgroup?: string }): void => {
    mkdirSync(join(root, String(pid)));
    if (files.cpuset !== undefined) writeFileSync(join(root, String(pid), 'cpuset'), files.cpuset);
    if (files.cgroup !== undefined) writeFileSync(join(root, String(pid), 'cgroup'), files.cgroup);
  };
  try {
    // No cgroup file: only cpuset can have named it.
    write(1, { cpuset: `/docker/${A}\n` });
    // cpuset names nothing (nspawn leaves it alone; v2 without cpuset enabled): the whole file decides.
    write(2, { cpuset: '/\n', cgroup: v1(`/system.slice/docker-${B}.scope`) });
    // No cpuset file at all (a kernel without cpusets).
    write(3, { cgroup: v1(`/docker/${C}`) });
    write(4, { cpuset: '/\n', cgroup: v1('/user.slice') });
    const reader = new CgroupReader(root);
    assert.equal(reader.read(1)?.id, A);
    assert.equal(reader.read(2)?.id, B);
    assert.equal(reader.read(3)?.id, C);
    assert.equal(reader.read(4), null);
    assert.equal(reader.read(99), null, 'a gone process');
    assert.deepEqual([reader.hits, reader.misses], [1, 4]);
    // Misses past the margin: cpuset is no longer read, so a process only cpuset names is not found.
    for (let i = 0; i < CPUSET_MISS_MARGIN; i++) assert.equal(reader.read(4), null);
    assert.equal(reader.read(1), null, 'cpuset not tried any more');
    assert.deepEqual([reader.hits, reader.misses], [1, 1 + CPUSET_MISS_MARGIN + 1]);
    assert.equal(reader.read(2)?.id, B, 'the whole file still decides');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
