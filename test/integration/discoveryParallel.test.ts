// The two-thread cold scan (forced on, whatever the process count) must describe the host exactly as the
// one-thread scan does: same namespaces and parents, same records for the processes both saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastParallelScan, takeSnapshotParallel } from '../../helper-native/src/scan/parallelScan';
import { takeSnapshot } from '../../helper-native/src/scan/poller';
import { startGroup, waitFor } from './discoveryKit';

test('parallel and sequential cold scans agree', async (t) => {
  const g = startGroup(['unshare', '--pid', '--fork', '--kill-child', 'sleep', '1000']);
  t.after(() => g.stop());
  await waitFor(() => takeSnapshot().processes.some((p) => p.ppid === g.pgid && p.nspid.length === 2 && p.comm === 'sleep'), 5000, 'the namespaced sleep');
  const par = await takeSnapshotParallel('/proc', 0);
  assert.equal(lastParallelScan.usedWorker, true, 'the worker thread did its half');
  const seq = takeSnapshot();
  const inner = par.processes.find((p) => p.ppid === g.pgid && p.nspid.length === 2);
  assert.ok(inner, 'the parallel scan sees the namespaced sleep');
  assert.deepEqual(seq.processes.find((p) => p.pid === inner.pid), inner);
  // Others on this host may come and go between the two scans: compare what both saw.
  const seqByPid = new Map(seq.processes.map((p) => [p.pid, p]));
  let common = 0;
  for (const p of par.processes) {
    const q = seqByPid.get(p.pid);
    if (!q || q.startTime !== p.startTime) continue;
    common++;
    assert.deepEqual({ ...q, state: '', ppid: 0, comm: '' }, { ...p, state: '', ppid: 0, comm: '' }, `pid ${p.pid}`);
  }
  assert.ok(common >= Math.min(par.processes.length, seq.processes.length) * 0.9, `${common} in common`);
  const seqNs = new Map(seq.namespaces.map((n) => [n.inode, n.parent]));
  for (const n of par.namespaces) if (seqNs.has(n.inode)) assert.equal(seqNs.get(n.inode), n.parent, `parent of ${n.inode}`);
  assert.deepEqual(par.self, seq.self);
});
