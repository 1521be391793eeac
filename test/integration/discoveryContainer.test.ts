// Running inside a container-like PID namespace (with its own /proc): the top of what the tool sees is
// its own namespace at level 0 with no parent, not the host's initial namespace, and nested namespaces
// below it still get levels, parents and NSpid relative to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Snapshot } from '../../shared/core/types';
import { PIDNS_JS, requireBuilt } from './support/discovery';

test('inside unshare --pid --fork --mount-proc: self is the top, nested namespaces hang below it', () => {
  requireBuilt();
  const hostNs = spawnSync('readlink', ['/proc/self/ns/pid'], { encoding: 'utf8' }).stdout.trim();
  // --kill-child on both levels: when the outer shell ends, everything inside dies with it.
  const script = `unshare --pid --fork --mount-proc --kill-child sleep 1000 & sleep 0.5; "${process.execPath}" "${PIDNS_JS}" snapshot --json; kill -9 $!`;
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'sh', '-c', script], {
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr);
  const snap = JSON.parse(r.stdout) as Snapshot;
  assert.notEqual(`pid:[${snap.self.nsInode}]`, hostNs, 'self is the container namespace');
  const self = snap.namespaces.find((n) => n.inode === snap.self.nsInode);
  assert.deepEqual({ level: self?.level, parent: self?.parent }, { level: 0, parent: null });
  assert.ok(
    snap.processes.some((p) => p.pid === 1 && p.comm === 'sh' && p.nspid.length === 1),
    'the container init (sh) is PID 1 here',
  );
  const inner = snap.processes.find((p) => p.comm === 'sleep' && p.nspid.length === 2);
  assert.ok(inner, 'the nested sleep');
  assert.equal(inner.nspid[1], 1);
  const ns = snap.namespaces.find((n) => n.inode === inner.ns);
  assert.deepEqual({ level: ns?.level, parent: ns?.parent, init: ns?.init }, { level: 1, parent: snap.self.nsInode, init: inner.pid });
  assert.equal(snap.namespaces.length, 2, 'nothing of the host is visible');
});
