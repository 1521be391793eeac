// What each lesson of shared/core/lessons.ts does on the kernel, step by step, and how each of its facts is
// measured. The texts and the expected values live in shared/core/lessons.ts; here only actions and readings.
import { runAsFor } from '../identity/runAs';
import { makeOrphan, signalProcess } from '../create/initSemantics';
import { canCreateDirectly } from '../create/runtime';
import {
  childrenOf,
  commOf,
  exists,
  levelProc,
  listLevelProc,
  nsLink,
  nspidOf,
  procRef,
  startTimeAt,
  statusFieldAt,
  waitUntil,
} from './procView';
import type { LessonRun } from './lessonRun';

type LessonBody = (run: LessonRun) => Promise<void>;

/** The last NSpid entry: the PID in the process's own namespace. */
function ownPid(pid: number): number | null {
  const n = nspidOf(pid);
  return n ? n[n.length - 1] : null;
}

async function levels(run: LessonRun): Promise<void> {
  await run.step();
  const chain = await run.chain(5);
  const inits = chain.levels.map((l) => l.init);
  run.pids(chain.levels.map((l) => ({ label: `level ${l.level} init${l.level === 5 ? ' (the leaf)' : ''}`, pid: l.init })));
  run.check('levels.inits-are-pid1', inits.map(ownPid));
  run.check(
    'levels.nspid-lengths',
    inits.map((p) => nspidOf(p)?.length ?? null),
  );
  run.check('levels.leaf-nspid', nspidOf(chain.leaf)?.slice(1) ?? null);
  run.check(
    'levels.init-ppid-inside',
    inits.map((p) => {
      const v = statusFieldAt(levelProc(p), 1, 'PPid');
      return v === undefined ? null : Number(v);
    }),
  );
}

async function proc(run: LessonRun): Promise<void> {
  await run.step();
  const chain = await run.chain(5);
  const [l1, , l3] = chain.levels;
  await run.step();
  const in3 = listLevelProc(l3.init);
  run.note(`ls /proc in level 3 (${levelProc(l3.init)}): ${in3.join(' ')}`);
  run.check('proc.level3-lists', in3);
  await run.step();
  const in1 = listLevelProc(l1.init);
  run.note(`ls /proc in level 1 (${levelProc(l1.init)}): ${in1.join(' ')}`);
  run.pids(chain.levels.map((l) => ({ label: `level ${l.level} init`, pid: l.init })));
  run.check('proc.level1-lists', in1);
  const start = startTimeAt('/proc', l3.init);
  const ns = nsLink(l3.init, 'pid');
  const sameAs = (root: string, pid: number): boolean => startTimeAt(root, pid) === start && nsLink(pid, 'pid', root) === ns;
  run.check('proc.same-process', start !== undefined && sameAs(levelProc(l3.init), 1) && sameAs(levelProc(l1.init), 3));
}

/** How long the demo's orphan lives before it exits. */
const ORPHAN_LIFETIME_MS = 1500;

async function orphan(run: LessonRun): Promise<void> {
  await run.step();
  const chain = await run.chain(2);
  const init2 = chain.levels[1].init;
  await run.step();
  const o = await makeOrphan(run.manager, { chainId: chain.chainId, level: 2, lifetimeMs: ORPHAN_LIFETIME_MS }, run.uid);
  const ref = procRef(o.pid);
  run.pids([
    { label: 'level 2 init', pid: init2 },
    { label: 'pidns-orphan', pid: o.pid },
  ]);
  const inside = ownPid(o.pid);
  const ppidInside = inside === null ? undefined : statusFieldAt(levelProc(init2), inside, 'PPid');
  run.note(
    `in level 2: PID ${inside ?? '?'}, PPID ${ppidInside ?? '?'}; on the host: PID ${o.pid}, PPID ${statusFieldAt('/proc', o.pid, 'PPid') ?? '?'}`,
  );
  run.check('orphan.reparented-inside', ppidInside === undefined ? null : Number(ppidInside));
  run.check('orphan.reparented-host', statusFieldAt('/proc', o.pid, 'PPid') === String(init2));
  await run.step();
  const reaped = await run.gone([ref], ORPHAN_LIFETIME_MS + 3000);
  run.note(
    reaped
      ? `host PID ${o.pid} is gone: reaped`
      : `host PID ${o.pid} is still there (state ${statusFieldAt('/proc', o.pid, 'State') ?? '?'})`,
  );
  run.check('orphan.reaped', reaped);
}

async function signals(run: LessonRun): Promise<void> {
  await run.step();
  const chain = await run.chain(3);
  const [i1, i2, i3] = chain.levels.map((l) => procRef(l.init));
  await run.step();
  for (const signal of ['SIGUSR1', 'SIGKILL']) {
    await signalProcess(run.manager, { pid: i2.pid, startTime: i2.start, signal, from: 'inside' }, run.uid);
    run.note(`sent ${signal} to level 2's init from inside level 2 (to PID 1 there)`);
  }
  // A dropped signal leaves nothing to wait for: give a delivered one time to act before looking.
  await new Promise((r) => setTimeout(r, 300));
  run.pids(chain.levels.map((l) => ({ label: `level ${l.level} init`, pid: l.init })));
  run.check('signals.inside-ignored', [exists(i2), exists(i3)]);
  await run.step();
  const o = await makeOrphan(run.manager, { chainId: chain.chainId, level: 2, lifetimeMs: 60_000 }, run.uid);
  const oref = procRef(o.pid);
  run.pids([{ label: 'pidns-orphan in level 2', pid: o.pid }]);
  await signalProcess(run.manager, { pid: i2.pid, startTime: i2.start, signal: 'SIGKILL', from: 'ancestor' }, run.uid);
  run.note(`sent SIGKILL to level 2's init (host PID ${i2.pid}) from the host`);
  run.check('signals.ancestor-kills', await run.gone([i2]));
  run.check('signals.namespace-emptied', [await run.gone([oref]), await run.gone([i3])]);
  run.pids(chain.levels.map((l) => ({ label: `level ${l.level} init`, pid: l.init })));
  run.check('signals.above-lives', exists(i1));
}

async function middle(run: LessonRun): Promise<void> {
  await run.step();
  let reported: number | null = null;
  run.manager.on('levelsGone', (_id, level) => (reported ??= level));
  const chain = await run.chain(5);
  const refs = chain.levels.map((l) => procRef(l.init));
  await run.step();
  await signalProcess(run.manager, { pid: refs[2].pid, startTime: refs[2].start, signal: 'SIGKILL', from: 'ancestor' }, run.uid);
  run.note(`sent SIGKILL to level 3's init (host PID ${refs[2].pid}) from the host`);
  await run.gone(refs.slice(2));
  await waitUntil(() => reported !== null, 2000);
  run.pids(chain.levels.map((l) => ({ label: `level ${l.level} init`, pid: l.init })));
  run.check(
    'middle.levels-left',
    chain.levels.filter((_, i) => exists(refs[i])).map((l) => l.level),
  );
  run.check('middle.reported', reported);
  const in2 = listLevelProc(chain.levels[1].init);
  run.note(`ls /proc in level 2: ${in2.join(' ')}`);
  run.check('middle.level2-proc', in2);
}

async function unshareSetns(run: LessonRun): Promise<void> {
  // Without CAP_SYS_ADMIN, unshare --pid needs a user namespace of one's own first (as the product's chains do).
  const userns = !canCreateDirectly();
  // The product never runs a user's shell as root for them: as root for someone else (sudo), say so and stop.
  if (runAsFor(run.uid) !== null)
    throw new Error('unshare-setns runs its shells as the caller: run it without sudo (as you), or as root itself');
  await run.step();
  const self = nsLink('self', 'pid');
  const script = "read go; sh -c 'echo $$ $PPID; exec sleep 60' & read done";
  const caller = run.spawnTool(['unshare', ...(userns ? ['--user', '--map-root-user'] : []), '--pid', '--', 'sh', '-c', script]);
  const cpid = caller.child.pid ?? -1;
  await waitUntil(() => commOf(cpid) === 'sh', 3000);
  run.pids([{ label: 'sh (called unshare)', pid: cpid }]);
  run.note(`its pid: ${nsLink(cpid, 'pid')} (ours: ${self}); its pid_for_children: ${nsLink(cpid, 'pid_for_children')}`);
  run.check('unshare.caller-stays', nsLink(cpid, 'pid') === self);
  run.check('unshare.pending', nsLink(cpid, 'pid_for_children'));
  await run.step();
  caller.child.stdin?.write('go\n');
  const [pid1, ppid1] = (await caller.line()).split(' ').map(Number);
  await waitUntil(() => childrenOf(cpid).length > 0, 2000);
  const first = childrenOf(cpid)[0] ?? -1;
  run.track(first);
  run.pids([
    { label: 'sh (called unshare)', pid: cpid },
    { label: 'sleep (its first child)', pid: first },
  ]);
  run.note(`the child says: my PID is ${pid1}, my parent's is ${ppid1}`);
  run.check('unshare.first-child-pid1', pid1);
  run.check('unshare.parent-outside', ppid1);
  run.check('unshare.children-ns', nsLink(cpid, 'pid_for_children') === nsLink(first, 'pid'));
  await run.step();
  const chain = await run.chain(1);
  const init1 = chain.levels[0].init;
  const inUserns = run.manager.chainState(chain.chainId)?.userns === true;
  const enter = run.spawnTool([
    'nsenter',
    '--target',
    String(init1),
    ...(inUserns ? ['--user', '--preserve-credentials'] : []),
    '--pid',
    '--',
    'sh',
    '-c',
    'echo $$ $PPID; exec sleep 60',
  ]);
  const epid = enter.child.pid ?? -1;
  const [pidIn, ppidIn] = (await enter.line()).split(' ').map(Number);
  const joined = childrenOf(epid)[0] ?? -1;
  run.track(joined);
  run.pids([
    { label: 'level 1 init', pid: init1 },
    { label: 'nsenter', pid: epid },
    { label: 'sleep (its child)', pid: joined },
  ]);
  run.note(`the child says: my PID is ${pidIn}, my parent's is ${ppidIn}`);
  run.check('setns.caller-stays', [nsLink(epid, 'pid') === self, nsLink(epid, 'pid_for_children') === nsLink(init1, 'pid')]);
  run.check('setns.child-not-pid1', Number.isInteger(pidIn) && pidIn > 1);
  run.check('setns.parent-outside', ppidIn);
}

export const LESSON_BODIES: Record<string, LessonBody> = {
  levels,
  proc,
  orphan,
  signals,
  middle,
  'unshare-setns': unshareSetns,
};
