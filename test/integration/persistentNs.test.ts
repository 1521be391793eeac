// Persistent PID namespaces on the real kernel: namespaces with no process left, held only by an nsfs bind
// mount (`unshare --pid=FILE --fork true`) or by an open descriptor, must be in `pidns snapshot --json` with
// how they are held and their place in the hierarchy, in `pidns tree` with the shared words, and in the
// helper's stream: within the reconcile pass, and gone again once the mount is removed or the fd closed.
// Every mount, file and process is removed in t.after, also when an assertion failed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupMembers } from '../../bench/load';
import type { NamespaceInfo, Snapshot } from '../../shared/core/types';
import { requireBuilt, runPidns, snapshotJson, startGroup, waitFor, type Group } from './support/discovery';
import { commOf } from '../support/kernelTruth';
import { startWatchedHelper } from './support/events';
import { isMounted, linkInode } from './support/persistent';

/** A scratch directory under /run (tmpfs) for mount targets, removed with its mounts in t.after. */
function scratch(t: TestContext): { file(name: string): string } {
  const dir = mkdtempSync('/run/pidns-persist-');
  const files: string[] = [];
  t.after(() => {
    for (const f of files) {
      // Lazy detach: nothing in the test keeps it busy, but a failed test must never leave a mount behind.
      if (isMounted(f)) spawnSync('umount', ['-l', f]);
      assert.equal(isMounted(f), false, `${f} is unmounted`);
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    file(name: string): string {
      const f = join(dir, name);
      writeFileSync(f, '');
      files.push(f);
      return f;
    },
  };
}

/** `unshare --pid=FILE --fork true`: a PID namespace whose only process exits at once, bind-mounted at FILE. */
function bindMountedNs(file: string): number {
  const r = spawnSync('unshare', [`--pid=${file}`, '--fork', 'true'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `unshare --pid=${file}: ${r.stderr}`);
  return statSync(file).ino;
}

function byInode(s: Snapshot, inode: number): NamespaceInfo | undefined {
  return s.namespaces.find((n) => n.inode === inode);
}

function heldByMount(n: NamespaceInfo, path: string): boolean {
  return (n.heldBy ?? []).some((h) => h.kind === 'mount' && h.path === path);
}

function selfNs(): number {
  return linkInode('/proc/self/ns/pid') as number;
}

/** The new namespace of an `unshare --pid --fork` process: its pid_for_children once it differs from ours (before the unshare call it is ours). */
function unsharedNs(pid: number): Promise<number> {
  return waitFor(
    () => {
      const ns = linkInode(`/proc/${pid}/ns/pid_for_children`);
      return ns !== null && ns !== selfNs() ? ns : undefined;
    },
    10_000,
    `the namespace unshare ${pid} created`,
  );
}

test('a bind-mounted PID namespace with no process: snapshot and tree show it, held by the mount', async (t) => {
  requireBuilt();
  const dir = scratch(t);
  const file = dir.file('held');
  const inode = bindMountedNs(file);

  const s = snapshotJson();
  const ns = byInode(s, inode);
  assert.ok(ns, `pid:[${inode}] (bind-mounted at ${file}) is in the snapshot`);
  assert.equal(ns.parent, selfNs(), 'its parent is the namespace it was created from');
  assert.equal(ns.level, 1);
  assert.equal(ns.init, null, 'no init: its PID 1 exited');
  assert.deepEqual(ns.pids, [], 'no processes');
  assert.deepEqual(ns.heldBy, [{ kind: 'mount', path: file }], 'held by the mount in our own mount namespace');
  assert.equal(ns.ownerUid, 0);

  const tree = runPidns(['tree', '--width', '200']);
  assert.equal(tree.status, 0, tree.stderr);
  assert.match(tree.stdout, new RegExp(`pid:\\[${inode}\\]  level 1 · no init · no processes · held by mount ${file}`));

  // Unprivileged, the same scan reads what that user may (here: no other user's fds) and does not fail.
  const nobody = runPidns(['snapshot', '--json'], { uid: 65534, gid: 65534 });
  assert.equal(nobody.status, 0, `unprivileged snapshot: ${nobody.stderr}`);
  const seen = JSON.parse(nobody.stdout) as Snapshot;
  const fdHolders = seen.namespaces.flatMap((n) => (n.heldBy ?? []).filter((h) => h.kind === 'fd'));
  assert.deepEqual(fdHolders, [], "nobody reads no other user's descriptors");

  spawnSync('umount', [file]);
  // The freed inode can be given at once to a namespace someone else creates: look for ours, held by our mount.
  assert.equal(
    snapshotJson().namespaces.some((n) => n.inode === inode && heldByMount(n, file)),
    false,
    'after umount nothing holds it: gone from the next snapshot',
  );
});

test('a nested bind-mounted namespace in another mount namespace: parent, level and the mount namespace', async (t) => {
  requireBuilt();
  const dir = scratch(t);
  const file = dir.file('nested');
  // P: a PID namespace with its own /proc (so a private mount namespace M); inside it, a child namespace
  // bind-mounted at FILE (in M only), whose process exits; P's sleep keeps P and M alive.
  const group: Group = startGroup([
    'unshare',
    '--pid',
    '--fork',
    '--kill-child',
    '--mount-proc',
    'sh',
    '-c',
    `unshare --pid=${file} --fork true && exec sleep 1000`,
  ]);
  t.after(() => group.stop());
  const sleeper = await waitFor(
    // A member may exit between the listing and the read (the inner `unshare … true` does): not the sleep.
    () => groupMembers(group.pgid).find((pid) => commOf(pid) === 'sleep'),
    10_000,
    'the sleep inside P',
  );
  const outer = linkInode(`/proc/${sleeper}/ns/pid`) as number;
  const mountNs = linkInode(`/proc/${sleeper}/ns/mnt`) as number;
  const mounted = readFileSync(`/proc/${sleeper}/mountinfo`, 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === file);
  assert.ok(mounted, `the bind mount is in P's mount namespace: ${file}`);
  const inner = Number(/pid:\[(\d+)\]/.exec(mounted)?.[1]);

  const s = snapshotJson();
  const p = byInode(s, outer);
  const ns = byInode(s, inner);
  assert.ok(p && ns, `P pid:[${outer}] and the held pid:[${inner}] are in the snapshot`);
  assert.equal(ns.parent, outer, 'its parent is P (NS_GET_PARENT through the mount)');
  assert.equal(ns.level, p.level + 1);
  assert.deepEqual(ns.pids, []);
  assert.deepEqual(ns.heldBy, [{ kind: 'mount', path: file, mountNs }], "held by the mount in P's mount namespace");

  await group.stop();
  assert.equal(
    snapshotJson().namespaces.some((n) => n.inode === inner || n.inode === outer),
    false,
    "with P's processes gone, its mount namespace and the mount in it went: both namespaces are gone",
  );
});

test('a namespace held by an open fd of a process outside it, after its processes were killed', async (t) => {
  requireBuilt();
  // `unshare` stays in our namespace; its pid_for_children is the new one, where sleep is PID 1.
  const group = startGroup(['unshare', '--pid', '--fork', '--kill-child', 'sleep', '1000']);
  t.after(() => group.stop());
  const unshare = group.pgid;
  const inode = await unsharedNs(unshare);
  const holderGroup = startGroup(['sh', '-c', `exec 5</proc/${unshare}/ns/pid_for_children; exec sleep 1000`]);
  t.after(() => holderGroup.stop());
  const holder = holderGroup.pgid;
  await waitFor(() => linkInode(`/proc/${holder}/fd/5`) === inode, 10_000, 'the holder to open the namespace as fd 5');
  await group.stop();

  const s = snapshotJson();
  const ns = byInode(s, inode);
  assert.ok(ns, `pid:[${inode}] is in the snapshot with no process left`);
  assert.equal(ns.parent, selfNs());
  assert.deepEqual(ns.pids, []);
  assert.deepEqual(ns.heldBy, [{ kind: 'fd', pid: holder, fd: 5 }]);
  const tree = runPidns(['tree', '--width', '200']);
  assert.match(tree.stdout, new RegExp(`pid:\\[${inode}\\]  level 1 · no init · no processes · held open by PID ${holder} \\(fd 5\\)`));
});

test('the stream: a held namespace appears within the reconcile pass, and goes on umount and on the holder exit', async (t) => {
  requireBuilt();
  const dir = scratch(t);
  const h = await startWatchedHelper();
  t.after(() => h.close());
  const RECONCILE_MS = 1000;
  const r = await h.client.request('subscribe', { intervalMs: 30_000, reconcileMs: RECONCILE_MS });
  assert.equal(r.source?.kind, 'kernel-events', `the stream is live from kernel events (${r.source?.why})`);
  await h.until(() => true, 'the first snapshot');
  const has = (inode: number) => (s: Snapshot) => s.namespaces.some((n) => n.inode === inode && n.heldBy !== undefined);
  // Gone means no namespace with the inode held by that holder: a freed inode can be reused at once by a namespace
  // that another session creates on this machine.
  const lacksMount = (inode: number, path: string) => (s: Snapshot) => !s.namespaces.some((n) => n.inode === inode && heldByMount(n, path));
  const lacksFd = (inode: number, pid: number) => (s: Snapshot) =>
    !s.namespaces.some((n) => n.inode === inode && (n.heldBy ?? []).some((h) => h.kind === 'fd' && h.pid === pid));

  // A mount: found by the next reconcile pass; after umount, gone by the one after.
  const file = dir.file('stream');
  const inode = bindMountedNs(file);
  const appeared = await h.until(has(inode), `pid:[${inode}] held by ${file}`, 4 * RECONCILE_MS);
  const ns = h.model()?.namespaces.find((n) => n.inode === inode);
  assert.deepEqual(ns?.heldBy, [{ kind: 'mount', path: file }]);
  spawnSync('umount', [file]);
  const gone = await h.until(lacksMount(inode, file), `pid:[${inode}] gone after umount`, 4 * RECONCILE_MS);

  // An fd: found by a reconcile pass; the holder's exit (a kernel event) releases it at once.
  const group = startGroup(['unshare', '--pid', '--fork', '--kill-child', 'sleep', '1000']);
  t.after(() => group.stop());
  const fdNs = await unsharedNs(group.pgid);
  const holderGroup = startGroup(['sh', '-c', `exec 5</proc/${group.pgid}/ns/pid_for_children; exec sleep 1000`]);
  t.after(() => holderGroup.stop());
  await waitFor(() => linkInode(`/proc/${holderGroup.pgid}/fd/5`) === fdNs, 10_000, 'the holder to open fd 5');
  await group.stop();
  await h.until(
    (s) => s.namespaces.some((n) => n.inode === fdNs && n.pids.length === 0 && n.heldBy?.[0]?.kind === 'fd'),
    `pid:[${fdNs}] held open with no process`,
    4 * RECONCILE_MS,
  );
  // No reconcile pass for a minute from here: only the holder's exit event can take the namespace away.
  const slow = await h.client.request('subscribe', { intervalMs: 30_000, reconcileMs: 60_000 });
  assert.equal(slow.source?.reconcileMs, 60_000);
  const since = performance.now();
  await holderGroup.stop();
  const holderPid = holderGroup.pgid;
  const released = await h.until(lacksFd(fdNs, holderPid), `pid:[${fdNs}] gone with its holder, before any reconcile pass`, 20_000, since);
  t.diagnostic(
    `appeared ${Math.round(appeared)} ms after the mount, gone ${Math.round(gone)} ms after umount, ${Math.round(released)} ms after the holder exited`,
  );
  assert.deepEqual(h.problems, [], 'every diff applied to the model it was meant for, and every model was whole');
  assert.ok(h.model() && lacksFd(fdNs, holderPid)(h.model()!), 'the model holds no namespace for the exited holder');
});

test('polling (no kernel events): a held namespace appears within reconcileMs of polls and goes after umount', async (t) => {
  requireBuilt();
  const dir = scratch(t);
  const h = await startWatchedHelper();
  t.after(() => h.close());
  const RECONCILE_MS = 1000;
  const r = await h.client.request('subscribe', { intervalMs: 200, events: false, reconcileMs: RECONCILE_MS });
  assert.equal(r.source?.kind, 'polling');
  await h.until(() => true, 'the first snapshot');
  const file = dir.file('polled');
  const inode = bindMountedNs(file);
  const appeared = await h.until(
    (s) => s.namespaces.some((n) => n.inode === inode && n.heldBy?.[0]?.kind === 'mount'),
    `pid:[${inode}] held`,
    4 * RECONCILE_MS,
  );
  spawnSync('umount', [file]);
  const gone = await h.until(
    (s) => !s.namespaces.some((n) => n.inode === inode && heldByMount(n, file)),
    `pid:[${inode}] gone after umount`,
    4 * RECONCILE_MS,
  );
  t.diagnostic(`polling: appeared ${Math.round(appeared)} ms after the mount, gone ${Math.round(gone)} ms after umount`);
  assert.deepEqual(h.problems, []);
});
