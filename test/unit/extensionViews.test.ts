// The extension's vscode-free parts: the snapshot index the tree and hovers use, tree paging and ids,
// tooltip tables, the command-line splitter, the terminal command, and the privilege advice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NamespaceInfo, ProcessInfo, Snapshot } from '../../shared/core/types';
import { roomBelowSelf, splitCommandLine, validateDepth } from '../../extension/commands/commandLine';
import { terminalCommand } from '../../extension/commands/terminalArgv';
import { escapeMd, levelTable, namespaceTooltip, pidHoverMarkdown, processTooltip } from '../../extension/hovers/tooltipMarkdown';
import { adviceForFailure, adviceForLaunch } from '../../extension/privilegeAdvice';
import { ROOT_ID, SeenTree, type ChangePolicy, type CurrentElement } from '../../extension/tree/treeChanges';
import { namespacePickText, processPickText } from '../../extension/commands/pickText';
import { ModelIndex } from '../../shared/core/modelIndex';
import {
  NodeCache,
  PAGE_SIZE,
  limitToShow,
  namespaceChildren,
  namespaceText,
  processChildren,
  processText,
  treePath,
  unseenChildren,
  unseenText,
} from '../../extension/tree/treeNodes';

const DEV = 4;

function ns(
  inode: number,
  parent: number | null,
  level: number,
  init: number | null,
  pids: number[],
  extra: Partial<NamespaceInfo> = {},
): NamespaceInfo {
  return { inode, dev: DEV, parent, level, init, pids, ...extra };
}

function proc(pid: number, nsInode: number, nspid: number[], comm: string, ppid = 1): ProcessInfo {
  return { pid, ppid, comm, uid: 1000, ns: nsInode, nsDev: DEV, nspid, startTime: pid * 10, state: 'S' };
}

/** Host ns 100 with a 3-level chain 200 > 300 > 400 (leaf `sleep`), and a hidden ns 500. */
function chainSnapshot(extraHostProcs = 0): Snapshot {
  const host = [proc(1, 100, [1], 'init', 0), proc(50, 100, [50], 'bash')];
  for (let i = 0; i < extraHostProcs; i++) host.push(proc(1000 + i, 100, [1000 + i], 'worker'));
  const processes = [
    ...host,
    proc(60, 200, [60, 1], 'pidns-init', 50),
    proc(61, 300, [61, 2, 1], 'pidns-init', 60),
    proc(62, 400, [62, 3, 2, 1], 'pidns-init', 61),
    proc(63, 400, [63, 4, 3, 2], 'sleep', 62),
  ];
  return {
    self: { nsInode: 100, nsDev: DEV },
    namespaces: [
      ns(
        100,
        null,
        0,
        1,
        host.map((p) => p.pid),
      ),
      ns(200, 100, 1, 60, [60], { ownerUid: 0 }),
      ns(300, 200, 2, 61, [61]),
      ns(400, 300, 3, 62, [62, 63]),
      ns(500, 100, 1, null, [], { hidden: true }),
    ],
    processes,
    unreadable: 0,
    scannedAsUid: 0,
    takenAt: 1,
  };
}

test("ModelIndex nests namespaces as the kernel does and lists each one's own processes", () => {
  const v = new ModelIndex(chainSnapshot());
  assert.equal(v.root?.inode, 100);
  assert.deepEqual(
    v.children(v.root!).map((n) => n.inode),
    [200, 500],
  );
  const l3 = v.namespace(`${DEV}:400`)!;
  assert.deepEqual(
    v.processes(l3).map((p) => p.pid),
    [62, 63],
  );
  assert.equal(v.parentOf(l3)?.inode, 300);
  assert.equal(v.parentOf(v.root!), undefined);
  assert.deepEqual(
    v.subtree(v.namespace(`${DEV}:200`)!).map((n) => n.inode),
    [200, 300, 400],
  );
});

test('levels() gives the PID at every level, outermost first, with the namespace of each level', () => {
  const v = new ModelIndex(chainSnapshot());
  assert.deepEqual(v.levels(v.process(63)!), [
    { level: 0, nsInode: 100, pid: 63 },
    { level: 1, nsInode: 200, pid: 4 },
    { level: 2, nsInode: 300, pid: 3 },
    { level: 3, nsInode: 400, pid: 2 },
  ]);
  assert.equal(v.ownPid(v.process(63)!), 2);
});

test('tree text: namespace shows pid:[inode], level, init comm and count; hidden ones say so; processes show own and host PID', () => {
  const v = new ModelIndex(chainSnapshot());
  const t = namespaceText(v, v.namespace(`${DEV}:400`)!, true);
  assert.equal(t.label, 'pid:[400]');
  assert.equal(t.description, 'level 3 · pidns-init', 'no live count on the row: it would repaint the subtree on every fork');
  assert.equal(t.contextValue, 'namespace-created');
  const hidden = namespaceText(v, v.namespace(`${DEV}:500`)!, false);
  assert.match(hidden.description, /hidden/);
  assert.equal(hidden.contextValue, 'namespace-hidden');
  assert.deepEqual(processText(v, v.process(63)!), {
    label: 'sleep 2',
    description: 'host 63',
    contextValue: 'process',
    expandable: false,
  });
  assert.equal(processText(v, v.process(62)!).expandable, true, 'the innermost init has the sleep as its child');
  assert.equal(processText(v, v.process(62)!).contextValue, 'process-init');
});

test('inside a namespace processes nest by parent; a child in a nested namespace hangs under that namespace', () => {
  const v = new ModelIndex(chainSnapshot());
  const cache = new NodeCache();
  // Host: init (PPID 0) is the only top; bash is its child. pidns-init 60 is bash's child but lives in 200.
  assert.deepEqual(
    namespaceChildren(v, cache, v.root!, PAGE_SIZE).map((n) => n.id),
    ['ns:4:200', 'ns:4:500', 'p:1:10'],
  );
  assert.deepEqual(
    processChildren(v, cache, v.process(1)!, PAGE_SIZE).map((n) => n.id),
    ['p:50:500'],
  );
  assert.deepEqual(processChildren(v, cache, v.process(50)!, PAGE_SIZE), [], 'its child 60 is in a nested namespace');
  const l3 = v.namespace(`${DEV}:400`)!;
  assert.deepEqual(
    namespaceChildren(v, cache, l3, PAGE_SIZE).map((n) => n.id),
    ['p:62:620'],
  );
  assert.deepEqual(
    processChildren(v, cache, v.process(62)!, PAGE_SIZE).map((n) => n.id),
    ['p:63:630'],
  );
  assert.equal(v.parentProcess(v.process(60)!), undefined);
  assert.deepEqual(treePath(v, cache, v.process(63)!), [
    { parentId: 'ns:4:400', index: 0 },
    { parentId: 'p:62:620', index: 0 },
  ]);
});

test("a process whose parent is unreadable hangs under a row for that parent, so orphans leave the namespace's own list alone", () => {
  // As on a sandbox whose PID 1 the helper cannot read: host init 1 missing from the snapshot, kthreadd-like 2
  // (PPID 0) and the chain's first init (parent bash 50, readable) as before.
  const withOrphans = (orphans: number[]): Snapshot => {
    const base = chainSnapshot();
    const processes = base.processes.filter((p) => p.pid !== 1).concat(proc(2, 100, [2], 'kthreadd', 0));
    for (const pid of orphans) processes.push(proc(pid, 100, [pid], 'orphan', 1));
    const host = processes.filter((p) => p.ns === 100).map((p) => p.pid);
    return { ...base, processes, namespaces: base.namespaces.map((n) => (n.inode === 100 ? { ...n, init: null, pids: host } : n)) };
  };
  const cache = new NodeCache();
  const v1 = new ModelIndex(withOrphans([]));
  const host1 = namespaceChildren(v1, cache, v1.root!, PAGE_SIZE).map((n) => n.id);
  // bash 50's parent (1) is unreadable: it is listed under that parent's row, not at the top.
  assert.deepEqual(host1, ['ns:4:200', 'ns:4:500', 'u:4:100:1', 'p:2:20']);
  assert.deepEqual(v1.unseenParents(v1.root!), [1]);
  assert.deepEqual(
    v1.topProcesses(v1.root!).map((p) => p.pid),
    [2],
  );
  assert.equal(v1.unseenParentOf(v1.process(50)!), 1);
  assert.equal(v1.unseenParentOf(v1.process(60)!), undefined, 'an init is the top of its namespace whoever its parent is');
  // Orphans come and go under PID 1: the host namespace's own list does not change, only the unseen row's.
  const v2 = new ModelIndex(withOrphans([700, 701]));
  assert.deepEqual(
    namespaceChildren(v2, cache, v2.root!, PAGE_SIZE).map((n) => n.id),
    host1,
  );
  const unseen = cache.get('u:4:100:1');
  assert.ok(unseen?.kind === 'unseen');
  assert.deepEqual(
    unseenChildren(v2, cache, unseen, PAGE_SIZE).map((n) => n.id),
    ['p:50:500', 'p:700:7000', 'p:701:7010'],
  );
  assert.match(unseenText(unseen).description, /host 1/);
  // Reveal walks namespace → unseen parent → process.
  assert.deepEqual(treePath(v2, cache, v2.process(701)!), [{ parentId: 'u:4:100:1', index: 2 }]);
  // The row goes when its last child does.
  const v3 = new ModelIndex({ ...withOrphans([]), processes: withOrphans([]).processes.filter((p) => p.pid !== 50) });
  cache.prune(v3);
  assert.equal(cache.get('u:4:100:1'), undefined);
});

test("sibling namespaces keep their creation order when PIDs wrap: by their inits' start time, not their PIDs", () => {
  const base = chainSnapshot();
  // A namespace made after PIDs wrapped at pid_max: its init has a smaller PID than older siblings' but started later.
  const late = { ...proc(20, 600, [20, 1], 'sh', 50), startTime: 99_999 };
  const v = new ModelIndex({
    ...base,
    namespaces: [...base.namespaces, ns(600, 100, 1, 20, [20])],
    processes: [...base.processes, late],
  });
  assert.deepEqual(
    v.children(v.root!).map((n) => n.inode),
    [200, 600, 500],
    'the newer one after the older, hidden ones last',
  );
});

test("the palette's pickers lead with a namespace's containers and a process's container, so typing a name finds them", () => {
  const base = chainSnapshot();
  const web = { engine: 'docker' as const, id: 'a'.repeat(64), name: 'web', pidNs: 200, initPid: 60 };
  const v = new ModelIndex({
    ...base,
    containers: [web],
    processes: base.processes.map((p) => (p.pid === 60 ? { ...p, container: { engine: 'docker' as const, id: web.id } } : p)),
  });
  const l1 = v.namespaceWithInode(200)!;
  assert.deepEqual(namespacePickText(v, l1), { label: '  pid:[200]', description: 'web (docker) · level 1 · pidns-init · 1 processes' });
  assert.deepEqual(namespacePickText(v, v.root!), { label: 'pid:[100]', description: 'level 0 · init · 2 processes' });
  assert.equal(processPickText(v, v.process(60)!).description, 'in web (docker) · host 60 · level 1 · uid 1000');
  assert.equal(processPickText(v, v.process(50)!).description, 'host 50 · level 0 · uid 1000');
});

test('long lists are paged: first PAGE_SIZE children then a "more" node; ids and objects are stable across snapshots', () => {
  const cache = new NodeCache();
  const v1 = new ModelIndex(chainSnapshot(1000));
  const kids = processChildren(v1, cache, v1.process(1)!, PAGE_SIZE);
  assert.equal(kids.length, PAGE_SIZE + 1);
  const more = kids[kids.length - 1];
  assert.equal(more.kind, 'more');
  assert.equal(more.kind === 'more' && more.total, 1001);
  assert.equal(more.kind === 'more' && more.parentId, 'p:1:10');
  const v2 = new ModelIndex(chainSnapshot(1000));
  const again = processChildren(v2, cache, v2.process(1)!, PAGE_SIZE);
  assert.equal(again[0], kids[0], 'same object for the same process id');
  assert.equal(again[PAGE_SIZE], kids[PAGE_SIZE], 'same object for the "more" node');
  assert.equal(
    namespaceChildren(v2, cache, v2.root!, PAGE_SIZE)[0],
    namespaceChildren(v1, cache, v1.root!, PAGE_SIZE)[0],
    'same object for the same namespace',
  );
  assert.equal(limitToShow(10, PAGE_SIZE), PAGE_SIZE);
  assert.equal(limitToShow(PAGE_SIZE, PAGE_SIZE), 2 * PAGE_SIZE);
  assert.equal(limitToShow(950, PAGE_SIZE), 1000);
});

test('process tooltip is a level | namespace | PID table plus PPID, uid and state; namespace tooltip gives parent, owner, init, counts', () => {
  const v = new ModelIndex(chainSnapshot());
  const table = levelTable(v, v.process(63)!);
  assert.equal(
    table.split('\n').slice(2).join('\n'),
    ['| 0 | pid:[100] | 63 |', '| 1 | pid:[200] | 4 |', '| 2 | pid:[300] | 3 |', '| 3 | pid:[400] | 2 |'].join('\n'),
  );
  const tip = processTooltip(v, v.process(63)!);
  assert.match(tip, /PPID 62 · uid 1000 · state S \(sleeping\)/);
  const nsTip = namespaceTooltip(v, v.namespace(`${DEV}:200`)!);
  assert.match(nsTip, /\| Parent \| pid:\[100\] \|/);
  assert.match(nsTip, /\| Owner uid \| 0 \|/);
  assert.match(nsTip, /\| Init \(PID 1\) \| pidns\\-init \(host PID 60\) \|/);
  assert.match(nsTip, /1 here, 4 including nested namespaces/);
  const hover = pidHoverMarkdown(v, v.process(63)!, { revealInTree: 'x.reveal', showInGraph: 'x.graph' });
  assert.match(
    hover,
    /\[Reveal in PID Namespaces tree\]\(command:x\.reveal\?%5B63%2C630%5D\) · \[Show in Graph\]\(command:x\.graph\?%5B63%2C630%5D\)$/,
  );
});

test('escapeMd neutralises markdown in a process name', () => {
  assert.equal(escapeMd('a|b*[c](d)'), 'a\\|b\\*\\[c\\]\\(d\\)');
});

test('splitCommandLine honours quotes and escapes, and rejects an open quote', () => {
  assert.deepEqual(splitCommandLine(`sh -c 'echo $$; sleep 1' "a \\"b\\"" c\\ d`), ['sh', '-c', 'echo $$; sleep 1', 'a "b"', 'c d']);
  assert.deepEqual(splitCommandLine('   '), []);
  assert.deepEqual(splitCommandLine(`''`), ['']);
  assert.throws(() => splitCommandLine(`echo "x`), /unterminated/);
});

test('validateDepth accepts 1..room only', () => {
  assert.equal(validateDepth('5', 32), undefined);
  assert.match(validateDepth('0', 32) ?? '', /At least one/);
  assert.match(validateDepth('33', 32) ?? '', /At most 32/);
  assert.match(validateDepth('3x', 32) ?? '', /whole number/);
  assert.match(validateDepth('31', 30) ?? '', /2 are already above/);
  assert.equal(roomBelowSelf('Name:\tx\nNSpid:\t123\t5\n'), 31);
  assert.equal(roomBelowSelf('Name:\tx\nNSpid:\t123\n'), 32);
});

test('terminal command: nsenter as the user, through pkexec/sudo when not root', () => {
  const user = { uid: 1000, gid: 1000, name: 'ann', home: '/home/ann', shell: '/bin/bash' };
  const root = terminalCommand(4242, user, 'root');
  assert.equal(root.shellPath, '/usr/bin/nsenter');
  assert.deepEqual(root.shellArgs.slice(0, 11), [
    '-t',
    '4242',
    '-p',
    '-m',
    '--wd=/home/ann',
    '/usr/bin/setpriv',
    '--reuid=1000',
    '--regid=1000',
    '--init-groups',
    '--no-new-privs',
    '--',
  ]);
  assert.deepEqual(root.shellArgs.slice(11, 13), ['/usr/bin/env', '-i'], "a clean environment, not root's");
  assert.equal(root.shellArgs[root.shellArgs.length - 1], '/bin/bash');
  const pk = terminalCommand(4242, user, 'pkexec');
  assert.equal(pk.shellPath, '/bin/sh', 'a process of ours first, so closing the terminal can signal it');
  assert.deepEqual(pk.shellArgs.slice(0, 5), ['-c', '"$@"; exit $?', 'pidns-terminal', '/usr/bin/pkexec', '/usr/bin/nsenter']);
  assert.ok(pk.shellArgs.includes('HOME=/home/ann'));
  assert.equal(terminalCommand(4242, user, 'sudo').shellArgs[3], '/usr/bin/sudo');
  assert.ok(terminalCommand(4242, user, 'unprivileged').shellArgs.includes('-U'));
});

test('privilege advice: says what happened, what still works and what to do', () => {
  assert.equal(adviceForLaunch('root', []), undefined);
  assert.equal(adviceForLaunch('none', [{ step: 'unprivileged', ok: true, message: 'ok', ms: 1 }]), undefined);
  const a = adviceForLaunch('none', [
    { step: 'pkexec', ok: false, reason: 'no-polkit-agent', message: 'pkexec cannot ask for a password here.', ms: 5 },
    { step: 'sudo-password', ok: false, reason: 'sudo-wrong-password', message: 'The sudo password was wrong.', ms: 5 },
    { step: 'unprivileged', ok: true, message: 'ok', ms: 1 },
  ]);
  assert.ok(a);
  assert.match(a.message, /without root/);
  assert.match(a.message, /password was wrong/);
  assert.match(a.message, /What still works/);
  assert.match(a.message, /Retry with the right password/);
  assert.ok(a.actions.includes('retry'));
  assert.match(adviceForFailure(new Error('x'), 'darwin', true).message, /needs Linux/);
  assert.match(adviceForFailure(new Error('x'), 'linux', false).message, /no PID namespaces/);
  const pk = adviceForFailure(
    Object.assign(new Error('could not start.'), {
      attempts: [{ step: 'pkexec', ok: false, reason: 'pkexec-missing', message: 'm', ms: 1 }],
    }),
    'linux',
    true,
  );
  assert.match(pk.message, /Install pkexec/);
  assert.ok(pk.actions.includes('useSudo'));
});

/** A model of a tree for SeenTree: id -> {item, children, tooltip}; ROOT_ID lists the top. */
function model(
  shape: Record<string, { item?: string; children?: string[]; tooltip?: string }>,
): (id: string) => CurrentElement | undefined {
  return (id) => {
    const e = shape[id];
    return e ? { item: e.item ?? id, children: e.children ?? [], tooltip: () => e.tooltip ?? `tip ${id}` } : undefined;
  };
}

/** What VS Code does when shown a tree: fetch each expanded element's children and render each row. */
function show(seen: SeenTree, m: (id: string) => CurrentElement | undefined, expanded: string[]): void {
  for (const id of [ROOT_ID, ...expanded]) {
    const kids = m(id)!.children;
    seen.recordChildren(id, kids);
    for (const k of kids) seen.recordItem(k, m(k)!.item);
  }
}

// No refresh is spaced here; spacing has a test of its own.
const POLICY: ChangePolicy = { holdMs: 10_000, tooltipMaxAgeMs: 30_000, spaced: () => false, spacingMs: 5000 };

test('change tracking: only the element whose row or children changed is refreshed, never its unchanged siblings', () => {
  const seen = new SeenTree();
  const base = { [ROOT_ID]: { children: ['ns'] }, ns: { children: ['a', 'b', 'c'] }, a: {}, b: { children: ['b1'] }, b1: {}, c: {} };
  show(seen, model(base), ['ns', 'b']);
  assert.deepEqual(seen.changes(0, model(base), POLICY).fire, [], 'nothing changed, nothing refreshed');
  // b forks a child: only b (its list changed); a, c and ns keep their rows.
  const forked = { ...base, b: { children: ['b1', 'b2'] }, b2: {} };
  assert.deepEqual(seen.changes(0, model(forked), POLICY).fire, ['b']);
  seen.fired(['b'], model(forked));
  assert.deepEqual(seen.changes(0, model(forked), POLICY).fire, [], 'refreshed once, not again');
  // c's own row changed (exec): only c.
  const exec = { ...forked, c: { item: 'c-new' } };
  assert.deepEqual(seen.changes(0, model(exec), POLICY).fire, ['c']);
  seen.fired(['c'], model(exec));
  // a exits: its parent's list changed; the gone element is forgotten.
  const exited = { ...exec, ns: { children: ['b', 'c'] } } as Record<string, { item?: string; children?: string[] }>;
  delete exited.a;
  assert.deepEqual(seen.changes(0, model(exited), POLICY).fire, ['ns']);
  // A new root (helper restarted elsewhere): everything.
  assert.deepEqual(seen.changes(0, model({ ...exited, [ROOT_ID]: { children: ['ns2'] }, ns2: {} }), POLICY).fire, [ROOT_ID]);
});

test('change tracking: a tooltip being read holds its row and its ancestors, not the rest; the hold ends', () => {
  const seen = new SeenTree();
  const base = {
    [ROOT_ID]: { children: ['ns'] },
    ns: { children: ['a', 'b'] },
    a: { children: ['a1'] },
    a1: {},
    b: { children: ['b1'] },
    b1: {},
  };
  show(seen, model(base), ['ns', 'a', 'b']);
  seen.recordResolved('a1', 'tip a1', 1000);
  const changed = {
    ...base,
    ns: { children: ['a', 'b', 'c'] },
    c: {},
    a: { children: ['a1', 'a2'] },
    a2: {},
    b: { children: ['b1', 'b2'] },
    b2: {},
  };
  const during = seen.changes(2000, model(changed), POLICY);
  assert.deepEqual(during.fire, ['b'], 'a1 is read: its parent a and ns wait; b is elsewhere');
  assert.equal(during.retryAt, 11_000, 'look again when the hold ends');
  seen.fired(during.fire, model(changed));
  assert.deepEqual(seen.changes(11_000, model(changed), POLICY).fire, ['ns'], 'after the hold: the topmost changed element');
  // Ignoring holds (a reveal the user asked for) applies everything at once.
  const seen2 = new SeenTree();
  show(seen2, model(base), ['ns', 'a', 'b']);
  seen2.recordResolved('a1', 'tip a1', 1000);
  assert.deepEqual(seen2.changes(2000, model(changed), POLICY, { ignoreHolds: true }).fire, ['ns']);
});

test('change tracking: a shown tooltip that went stale is refreshed when old enough and not held; a gone element is not held', () => {
  const seen = new SeenTree();
  const base = { [ROOT_ID]: { children: ['ns'] }, ns: { children: ['a'] }, a: { tooltip: 'state S' } };
  show(seen, model(base), ['ns']);
  seen.recordResolved('a', 'state S', 0);
  const running = { ...base, a: { tooltip: 'state R' } };
  const early = seen.changes(5000, model(running), POLICY);
  assert.deepEqual(early.fire, [], 'held and young: the open tooltip stays');
  assert.equal(early.retryAt, 30_000, 'look again when it is old enough');
  assert.deepEqual(seen.changes(30_000, model(running), POLICY).fire, ['a'], 'old and not held: VS Code gets a fresh one');
  seen.fired(['a'], model(running));
  assert.deepEqual(
    seen.changes(31_000, model({ ...running, a: { tooltip: 'state S' } }), POLICY).fire,
    [],
    'not shown since: nothing to refresh',
  );
  // A held process that exits does not hold its parent.
  seen.recordResolved('a', 'state S', 40_000);
  assert.deepEqual(seen.changes(41_000, model({ [ROOT_ID]: { children: ['ns'] }, ns: { children: [] } }), POLICY).fire, ['ns']);
});

test('change tracking: namespace-level refreshes with rows below them are spaced; a lone one, processes and reveals are not', () => {
  // Namespaces are n…/top/x…, containers c…; the rest are processes.
  const policy: ChangePolicy = { ...POLICY, spaced: (id) => id === ROOT_ID || /^(top|n|x|c)/.test(id) };
  const seen = new SeenTree();
  // The top namespace: a child namespace with a process tree below it, and two processes of its own.
  const base = {
    [ROOT_ID]: { children: ['top'] },
    top: { children: ['n1', 'p1', 'p2'] },
    n1: { children: ['q1'] },
    q1: { children: ['q2'] },
    q2: {},
    p1: {},
    p2: {},
  };
  show(seen, model(base), ['top', 'n1', 'q1']);
  const withN = (n: number) => ({
    ...base,
    top: { children: ['n1', ...Array.from({ length: n }, (_, i) => `x${i}`), 'p1', 'p2'] },
    ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, {}])),
  });
  // A lone new namespace: at once.
  const first = seen.changes(1000, model(withN(1)), policy);
  assert.deepEqual(first, { fire: ['top'], retryAt: undefined });
  seen.fired(first.fire, model(withN(1)));
  show(seen, model(withN(1)), ['top', 'n1', 'q1']);
  // 300 ms later another namespace, a fork under q1 and an exec in x0 (a namespace with no rows below it): the
  // top waits until 5 s after its last refresh; the process and the collapsed namespace do not.
  const churn = { ...withN(2), q1: { children: ['q2', 'q3'] }, q3: {}, x0: { item: 'x0 renamed' } };
  const second = seen.changes(1300, model(churn), policy);
  assert.deepEqual([...second.fire].sort(), ['q1', 'x0']);
  assert.equal(second.retryAt, 6000);
  seen.fired(second.fire, model(churn));
  // VS Code fetches again what was refreshed (q1's list), nothing else.
  seen.recordChildren('q1', ['q2', 'q3']);
  assert.deepEqual(seen.changes(4000, model(churn), policy).fire, [], 'still too soon');
  assert.deepEqual(seen.changes(6000, model(churn), policy).fire, ['top'], 'the interval is over');
  // A reveal the user asked for (ignoring holds) and a whole new model are not spaced.
  const seen2 = new SeenTree();
  show(seen2, model(withN(1)), ['top', 'n1', 'q1']);
  seen2.fired(seen2.changes(0, model(withN(2)), policy).fire, model(withN(2)));
  show(seen2, model(withN(2)), ['top', 'n1', 'q1']);
  assert.deepEqual(seen2.changes(100, model(withN(3)), policy).fire, [], 'too soon');
  assert.deepEqual(seen2.changes(100, model(withN(3)), policy, { ignoreHolds: true }).fire, ['top']);
  assert.deepEqual(seen2.changes(100, model(withN(3)), policy, { ignoreSpacing: true }).fire, ['top']);
  // The tree's root as well (grouped by container, the containers are its children).
  const seen3 = new SeenTree();
  const flat = (n: number) =>
    model({
      [ROOT_ID]: { children: Array.from({ length: n }, (_, i) => `c${i}`) },
      ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, {}])),
    });
  show(seen3, flat(5), []);
  assert.deepEqual(seen3.changes(0, flat(6), policy).fire, [ROOT_ID]);
  seen3.fired([ROOT_ID], flat(6));
  show(seen3, flat(6), []);
  assert.deepEqual(seen3.changes(200, flat(7), policy), { fire: [], retryAt: 5000 });
  assert.deepEqual(seen3.changes(5000, flat(7), policy).fire, [ROOT_ID]);
});

test('change tracking forgets what is gone: its size is bounded by the live elements VS Code was shown', () => {
  const seen = new SeenTree();
  for (let round = 0; round < 1000; round++) {
    const kids = [`p${round}`, `p${round + 1}`];
    const m = model({ [ROOT_ID]: { children: ['ns'] }, ns: { children: kids }, [kids[0]]: {}, [kids[1]]: {} });
    show(seen, m, ['ns']);
    seen.fired(seen.changes(round, m, POLICY).fire, m);
  }
  assert.ok(seen.size <= 4, `tracked ${seen.size}`);
});

test('tree row and tooltip of a namespace held by a mount or an fd say so, with the shared words', () => {
  const base = chainSnapshot();
  const snap: Snapshot = {
    ...base,
    namespaces: [
      ...base.namespaces,
      ns(600, 100, 1, null, [], { hidden: true, heldBy: [{ kind: 'mount', path: '/run/x' }] }),
      ns(700, 200, 2, null, [], { hidden: true, heldBy: [{ kind: 'fd', pid: 1234, fd: 5 }] }),
    ],
  };
  const v = new ModelIndex(snap);
  const mounted = namespaceText(v, v.namespace(`${DEV}:600`)!, false);
  assert.equal(mounted.description, 'level 1 · no processes · held by mount /run/x');
  assert.equal(mounted.contextValue, 'namespace-held');
  const open = namespaceText(v, v.namespace(`${DEV}:700`)!, false);
  assert.equal(open.description, 'level 2 · no processes · held open by PID 1234 (fd 5)');
  const tip = namespaceTooltip(v, v.namespace(`${DEV}:700`)!);
  assert.match(tip, /\| Kept alive \| no processes · held open by PID 1234 \\\(fd 5\\\) \|/);
  assert.doesNotMatch(tip, /Hidden/, 'not the generic "hidden" row: it says what holds it');
  const hidden = namespaceText(v, v.namespace(`${DEV}:500`)!, false);
  assert.equal(hidden.contextValue, 'namespace-hidden', 'a namespace held by nothing known stays hidden');
});
