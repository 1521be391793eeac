// Run unprivileged, `pidns snapshot` shows what that user can see: its own processes and the namespaces
// they are in (here one it created itself through a user namespace), other users' processes only counted
// as unreadable. The user is created by the test and removed after it, with everything it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { groupMembers } from '../../bench/load';
import { requireBuilt, runPidns, snapshotJson, startGroup, waitFor, type Group } from './support/discovery';

function nspidLength(pid: number): number {
  try {
    const m = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? m[1].trim().split(/\s+/).length : 0;
  } catch {
    return 0;
  }
}

test("unprivileged: only the user's own processes and namespaces, the rest counted unreadable", async (t) => {
  requireBuilt();
  const name = `pidnst${randomBytes(4).toString('hex')}`;
  execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  const groups: Group[] = [];
  t.after(async () => {
    for (const g of groups) await g.stop();
    execFileSync('userdel', [name]);
  });
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }));

  // The user's own PID namespace (through a user namespace: no privilege needed), and root's one.
  const mine = startGroup(['unshare', '--user', '--map-root-user', '--pid', '--fork', '--kill-child', 'sleep', '1000'], { uid, gid });
  groups.push(mine);
  const roots = startGroup(['unshare', '--pid', '--fork', '--kill-child', 'sleep', '1000']);
  groups.push(roots);
  const myInner = await waitFor(() => groupMembers(mine.pgid).find((p) => nspidLength(p) === 2), 10_000, "the user's namespaced sleep");
  const rootInner = await waitFor(() => groupMembers(roots.pgid).find((p) => nspidLength(p) === 2), 10_000, "root's namespaced sleep");

  const asRoot = snapshotJson();
  const rootNs = asRoot.processes.find((p) => p.pid === rootInner)?.ns;
  assert.ok(rootNs, 'root sees its own namespace');

  const snap = snapshotJson({ uid, gid });
  assert.equal(snap.scannedAsUid, uid);
  assert.ok(snap.unreadable > 0, "other users' processes are counted");
  assert.ok(snap.processes.length > 0);
  for (const p of snap.processes) assert.equal(p.uid, uid, `process ${p.pid} (${p.comm}) belongs to the user`);
  const inner = snap.processes.find((p) => p.pid === myInner);
  assert.ok(inner, 'the user sees its namespaced sleep');
  assert.equal(inner.nspid.length, 2);
  const ns = snap.namespaces.find((n) => n.inode === inner.ns);
  assert.deepEqual({ parent: ns?.parent, level: ns?.level, init: ns?.init }, { parent: snap.self.nsInode, level: 1, init: myInner });
  assert.equal(ns?.ownerUid, uid, 'its user namespace was created by the user');
  assert.ok(!snap.namespaces.some((n) => n.inode === rootNs), "root's namespace is not shown");
  assert.ok(!snap.processes.some((p) => p.pid === rootInner));

  const tree = runPidns(['tree'], { uid, gid });
  assert.equal(tree.status, 0, tree.stderr);
  assert.match(tree.stdout, /\d+ process(es)? not readable as this user \(run as root to see all\)/);
});
