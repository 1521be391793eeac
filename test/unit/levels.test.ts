// alignLevels: NSpid paired with the namespace chain from the innermost entry, so a missing ancestor never
// shifts the PIDs of the namespaces that are known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignLevels } from '../../shared/core/levels';
import { ModelIndex } from '../../shared/core/modelIndex';
import { pidInNamespace } from '../../shared/core/translate';
import type { NamespaceInfo, ProcessInfo } from '../../shared/core/types';

test('a complete chain: one namespace per NSpid entry, outermost first', () => {
  assert.deepEqual(alignLevels(['host', 'L1', 'L2'], [900, 5, 1]), [
    { level: 0, ns: 'host', pid: 900 },
    { level: 1, ns: 'L1', pid: 5 },
    { level: 2, ns: 'L2', pid: 1 },
  ]);
});

test('an unreadable ancestor: the known namespaces keep their own PIDs and the top is unknown', () => {
  // L1 could not be read, so the chain is [L2, L3] while NSpid has four entries.
  assert.deepEqual(alignLevels(['L2', 'L3'], [900, 7, 3, 1]), [
    { level: 0, ns: undefined, pid: 900 },
    { level: 1, ns: undefined, pid: 7 },
    { level: 2, ns: 'L2', pid: 3 },
    { level: 3, ns: 'L3', pid: 1 },
  ]);
});

test('a chain longer than NSpid (a torn read): the innermost entries still pair with the innermost namespaces', () => {
  assert.deepEqual(alignLevels(['host', 'L1', 'L2'], [4, 1]), [
    { level: 0, ns: 'L1', pid: 4 },
    { level: 1, ns: 'L2', pid: 1 },
  ]);
});

test('ModelIndex: a namespace whose parent is unknown is drawn under the root, and its PIDs do not shift', () => {
  // Host 100 > 200 > 300 > 400, but 300's namespace could not be read: 400 knows no parent.
  const DEV = 4;
  const ns = (inode: number, parent: number | null, level: number, init: number | null): NamespaceInfo => ({
    inode,
    dev: DEV,
    parent,
    level,
    init,
    pids: [],
  });
  const proc = (pid: number, nsInode: number, nspid: number[]): ProcessInfo => ({
    pid,
    ppid: 1,
    comm: 'sleep',
    uid: 0,
    ns: nsInode,
    nsDev: DEV,
    nspid,
    startTime: pid,
    state: 'S',
  });
  const leaf = proc(63, 400, [63, 7, 3, 1]);
  const index = new ModelIndex({
    self: { nsInode: 100, nsDev: DEV },
    namespaces: [ns(100, null, 0, 1), ns(200, 100, 1, 60), ns(400, null, 3, 63)],
    processes: [proc(1, 100, [1]), proc(60, 200, [60, 1]), leaf],
    unreadable: 1,
    scannedAsUid: 0,
    takenAt: 0,
  });
  const root = index.namespaceWithInode(100);
  const orphan = index.namespaceWithInode(400);
  assert.ok(root && orphan);
  assert.deepEqual(
    index.children(root).map((n) => n.inode),
    [200, 400],
    'drawn under the root, in creation order',
  );
  assert.equal(index.parentOf(orphan), root);
  assert.deepEqual(
    index.ancestry(orphan).map((n) => n.inode),
    [400],
    'its real ancestry stops where the scan could not read',
  );
  assert.deepEqual(index.levels(leaf), [
    { level: 0, nsInode: null, pid: 63 },
    { level: 1, nsInode: null, pid: 7 },
    { level: 2, nsInode: null, pid: 3 },
    { level: 3, nsInode: 400, pid: 1 },
  ]);
  assert.equal(pidInNamespace(index, leaf, 400), 1);
  assert.equal(pidInNamespace(index, leaf, 100), null, 'not claimed where the chain is unknown');
});
