// The acceptance case on the real kernel: the seed's multi_pidns 5 (in a private mount namespace),
// then `pidns snapshot --json` and `pidns tree` must show the five nested namespaces with the kernel's
// parent links (checked against lsns), the leaf sleep's NSpid [host, 5, 4, 3, 2, 1], a process that
// entered a namespace with setns (its parent outside), and pending pid_for_children.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { groupMembers } from '../../bench/load';
import { ModelIndex } from '../../shared/core/modelIndex';
import type { ProcessInfo, Snapshot } from '../../shared/core/types';
import {
  compileSeed,
  removeNewProcDirs,
  requireBuilt,
  runPidns,
  seedProcDirs,
  snapshotJson,
  startGroup,
  waitFor,
  type Group,
} from './support/discovery';
import { nspidOf } from '../support/kernelTruth';

function lsnsParents(): Map<number, number> {
  const r = spawnSync('lsns', ['-t', 'pid', '-J', '-o', 'NS,PNS'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Map((JSON.parse(r.stdout) as { namespaces: { ns: number; pns: number }[] }).namespaces.map((n) => [n.ns, n.pns]));
}

/**
 * The procfs mounts and the mounts on a /procN path of a mount namespace, from its mountinfo: mount point,
 * type, source and options (`/proc/self/mountinfo` is ours, `/proc/1/mountinfo` the host's). The seed mounts
 * a procfs at /proc0../proc4 per level; run in a private mount namespace it must leave none behind. Other
 * mounts are left out: other work on this host may mount and unmount while the test runs.
 */
function procMounts(mountinfo: string): string[] {
  return readFileSync(mountinfo, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      const rest = f.slice(f.indexOf('-') + 1); // fstype, source, super options
      return { point: f[4], type: rest[0], text: `${f[4]} ${rest.join(' ')} ${f[5]}` };
    })
    .filter((m) => m.type === 'proc' || /^\/proc\d+(\/|$)/.test(m.point))
    .map((m) => m.text)
    .sort();
}

const MOUNT_TABLES = ['/proc/self/mountinfo', '/proc/1/mountinfo'];
/** Read before the first test starts the seed. */
const mountsBefore = MOUNT_TABLES.map(procMounts);
const procDirsBefore = [...seedProcDirs()].sort();

function isSleep(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('sleep');
  } catch {
    return false;
  }
}

/** The member of `group` whose NSpid has `length` entries (the leaf sleep of a 5-deep chain has 6). */
function memberAtDepth(group: Group, length: number): number | undefined {
  return groupMembers(group.pgid).find((pid) => nspidOf(pid)?.length === length);
}

function leafOf(s: Snapshot, hostPid: number): ProcessInfo {
  const p = s.processes.find((x) => x.pid === hostPid);
  assert.ok(p, `process ${hostPid} is in the snapshot`);
  return p;
}

test('multi_pidns 5: nested chain, parents, NSpid, tree, lsns agreement, setns and pending', async (t) => {
  requireBuilt();
  const seed = compileSeed('multi_pidns');
  const dirsBefore = seedProcDirs();
  const groups: Group[] = [];
  t.after(async () => {
    for (const g of groups) await g.stop();
    removeNewProcDirs(dirsBefore);
    seed.cleanup();
  });

  const chain = startGroup(['unshare', '--mount', '--propagation', 'private', seed.bin, '5']);
  groups.push(chain);
  const leafPid = await waitFor(() => memberAtDepth(chain, 6), 10_000, 'the leaf sleep of multi_pidns 5');
  await waitFor(() => isSleep(leafPid), 5000, 'the leaf to exec sleep');

  // setns: nsenter forks a child into the leaf namespace; the child's parent (nsenter) stays outside.
  const entered = startGroup(['nsenter', '--target', String(leafPid), '--pid', '--', 'sleep', '1000']);
  groups.push(entered);
  const enteredPid = await waitFor(() => memberAtDepth(entered, 6), 10_000, 'the process nsenter started in the leaf');
  // Pending: nsenter -F execs sleep with only pid_for_children moved into the leaf namespace.
  const pending = startGroup(['nsenter', '--target', String(leafPid), '--pid', '-F', '--', 'sleep', '1001']);
  groups.push(pending);
  await waitFor(() => isSleep(pending.pgid), 5000, 'nsenter -F to exec sleep');

  const snap = snapshotJson();
  const lsns = lsnsParents();
  const index = new ModelIndex(snap);
  const leaf = leafOf(snap, leafPid);

  await t.test('the leaf sleep has nspid [host, 5, 4, 3, 2, 1]', () => {
    assert.equal(leaf.comm, 'sleep');
    assert.deepEqual(leaf.nspid, [leafPid, 5, 4, 3, 2, 1]);
  });

  await t.test('five nested namespaces, each the parent of the next, levels 1..5 below the caller', () => {
    const up = inodesUp(index, leaf);
    assert.equal(up.length, 6);
    assert.equal(up[5], snap.self.nsInode);
    up.forEach((inode, i) => {
      const ns = index.namespaceWithInode(inode);
      assert.equal(ns?.level, 5 - i);
      if (i < 5) {
        assert.equal(ns?.parent, up[i + 1]);
        assert.equal(lsns.get(inode), up[i + 1], `lsns agrees on the parent of ${inode}`);
        const init = ns?.init === null || ns?.init === undefined ? undefined : index.process(ns.init);
        assert.equal(init?.nspid.at(-1), 1, 'init is PID 1 there');
        assert.equal(init?.comm, i === 0 ? 'sleep' : 'multi_pidns');
      }
    });
  });

  await t.test('namespace set and parent links agree with lsns -t pid -o NS,PNS', () => {
    // Other work on this host may start or stop namespaces between the two scans: compare those both saw,
    // and require that nearly all were seen by both.
    const ours = new Map(snap.namespaces.filter((n) => !n.hidden).map((n) => [n.inode, n.parent ?? 0]));
    const both = [...ours.keys()].filter((k) => lsns.has(k));
    for (const k of both) assert.equal(ours.get(k), lsns.get(k), `parent of ${k}`);
    assert.ok(both.length >= Math.max(ours.size, lsns.size) - 5, `${both.length} common of ${ours.size}/${lsns.size}`);
  });

  await t.test('setns: the entered process is in the leaf namespace although its parent is outside', () => {
    const p = leafOf(snap, enteredPid);
    assert.equal(p.ns, leaf.ns);
    assert.equal(p.nspid.length, 6);
    const parent = index.process(p.ppid);
    assert.ok(parent, 'its parent (nsenter) is visible');
    assert.equal(parent.ns, snap.self.nsInode);
    assert.equal(parent.pendingNs, leaf.ns, 'nsenter itself keeps pid_for_children in the leaf');
  });

  await t.test('pending pid_for_children: nsenter -F stays outside with pendingNs = the leaf', () => {
    const p = leafOf(snap, pending.pgid);
    assert.equal(p.ns, snap.self.nsInode);
    assert.equal(p.pendingNs, leaf.ns);
  });

  await t.test('pidns tree shows the chain, fits 80 columns, no colour when not a tty', () => {
    const r = runPidns(['tree']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stdout.includes('\x1b'));
    for (const line of r.stdout.split('\n')) assert.ok([...line].length <= 80, line);
    assert.match(r.stdout, new RegExp(`sleep +${leafPid} / 5 / 4 / 3 / 2 / 1$`, 'm'));
    for (const inode of inodesUp(index, leaf)) assert.ok(r.stdout.includes(`pid:[${inode}]`));
  });
});

test('nothing is left behind: no multi_pidns, no /procN', () => {
  const r = spawnSync('pgrep', ['-x', 'multi_pidns'], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), '', 'no multi_pidns process left');
  MOUNT_TABLES.forEach((table, i) =>
    assert.deepEqual(procMounts(table), mountsBefore[i], `the procfs and /procN mounts in ${table} are as before the seed ran`),
  );
  assert.ok(mountsBefore[0].length > 0, 'the check sees procfs mounts at all (our own /proc)');
  assert.deepEqual([...seedProcDirs()].sort(), procDirsBefore, 'no new /procN directory is left in /');
});

/** Inodes from the process's namespace up to the caller's, innermost first. */
function inodesUp(index: ModelIndex, p: ProcessInfo): number[] {
  const own = index.namespaceOf(p);
  return own
    ? index
        .ancestry(own)
        .map((n) => n.inode)
        .reverse()
    : [];
}
