// attachContainers, pidReport and the tree's container labels on a hand-made snapshot: two containers
// sharing one PID namespace, and a namespace nested inside a third container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceTooltip, processTooltip } from '../../extension/hovers/tooltipMarkdown';
import { ModelIndex } from '../../shared/core/modelIndex';
import { namespaceText } from '../../extension/tree/treeNodes';
import type { CgroupContainer } from '../../shared/core/containerOf';
import { diffSnapshots } from '../../shared/core/diff';
import { attachContainers, type ContainerMeta } from '../../shared/core/containers';
import { findContainer, pidHeadline, pidReport, renderPidReport } from '../../shared/core/pidReport';
import { parsePidQuery, resolvePidQuery } from '../../shared/core/pidQuery';
import { renderTree } from '../../shared/core/treeText';
import type { NamespaceInfo, ProcessInfo, Snapshot } from '../../shared/core/types';
import { GraphModel } from '../../webview/model';

const HOST = 100;
const SHARED = 200;
const OUTER = 300;
const NESTED = 301;
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

function proc(pid: number, ppid: number, comm: string, ns: number, nspid: number[]): ProcessInfo {
  return { pid, ppid, comm, uid: 0, ns, nsDev: 4, nspid, startTime: pid, state: 'S' };
}
function ns(inode: number, parent: number | null, level: number, init: number | null, pids: number[]): NamespaceInfo {
  return { inode, dev: 4, parent, level, init, pids };
}

const processes = [
  proc(10, 1, 'containerd-shim', HOST, [10]),
  proc(11, 10, 'sleep', SHARED, [11, 1]), // web: PID 1 of the shared namespace
  proc(12, 10, 'sleep', SHARED, [12, 7]), // side: joined web's namespace
  proc(13, 11, 'sh', SHARED, [13, 9]), // a child of web's init, still in web
  proc(20, 1, 'containerd-shim', HOST, [20]),
  proc(21, 20, 'sh', OUTER, [21, 1]),
  proc(22, 21, 'sleep', NESTED, [22, 5, 1]), // nested namespace inside "nest"
];
const snapshot: Snapshot = {
  self: { nsInode: HOST, nsDev: 4 },
  namespaces: [
    ns(HOST, null, 0, null, [10, 20]),
    ns(SHARED, HOST, 1, 11, [11, 12, 13]),
    ns(OUTER, HOST, 1, 21, [21]),
    ns(NESTED, OUTER, 2, 22, [22]),
  ],
  processes,
  unreadable: 0,
  scannedAsUid: 0,
  takenAt: 1,
};
const found = new Map<number, CgroupContainer>([
  [11, { engine: 'docker', id: A }],
  [13, { engine: 'docker', id: A }],
  [12, { engine: 'docker', id: B }],
  [21, { engine: 'containerd', id: C, namespace: 'k8s.io', podUid: 'x' }],
  [22, { engine: 'containerd', id: C, namespace: 'k8s.io', podUid: 'x' }],
]);
const meta = new Map<string, ContainerMeta>([
  [`docker/${A}`, { name: 'web', image: 'busybox:1' }],
  [`docker/${B}`, { name: 'side' }],
  [`containerd/${C}`, { name: 'nest', pod: { name: 'web-0', namespace: 'shop' } }],
]);
const labelled = attachContainers(snapshot, found, (r) => meta.get(`${r.engine}/${r.id}`));

test('each process belongs to its own container, even in a shared namespace', () => {
  const by = new Map(labelled.processes.map((p) => [p.pid, p.container?.id]));
  assert.deepEqual([by.get(11), by.get(12), by.get(13), by.get(10)], [A, B, A, undefined]);
  assert.equal(snapshot.processes[1].container, undefined, 'the input snapshot is not mutated');
});

test('containers: pidNs is the outermost namespace, initPid the first process, metadata attached', () => {
  assert.deepEqual(labelled.containers, [
    { engine: 'containerd', id: C, name: 'nest', pod: { name: 'web-0', namespace: 'shop' }, pidNs: OUTER, initPid: 21 },
    { engine: 'docker', id: A, name: 'web', image: 'busybox:1', pidNs: SHARED, initPid: 11 },
    { engine: 'docker', id: B, name: 'side', pidNs: SHARED, initPid: 12 },
  ]);
});

test('a process in a namespace nested inside a container still belongs to it', () => {
  assert.equal(labelled.processes.find((p) => p.pid === 22)?.container?.id, C);
});

test('no metadata: the container is still listed, without name', () => {
  const bare = attachContainers(snapshot, found, () => undefined);
  assert.deepEqual(
    bare.containers?.map((c) => c.name),
    [undefined, undefined, undefined],
  );
  assert.match(renderTree(bare), /pid:\[200\] {2}aaaaaaaaaaaa, bbbbbbbbbbbb \(docker\)/);
});

test('tree: namespace headers name their containers and pods; shared and nested processes say theirs', () => {
  const text = renderTree(labelled, { width: 120 });
  assert.match(text, /pid:\[200\] {2}side, web \(docker\)/);
  assert.match(text, /pid:\[300\] {2}shop\/web-0 › nest \(containerd\)/);
  assert.match(text, /sleep +12 \/ 7 {2}in side/);
  assert.match(text, /sleep +22 \/ 5 \/ 1 {2}in nest/);
  assert.doesNotMatch(text, /pid:\[301\] {2}\S+ \(/, 'the nested namespace is not itself a container');
});

test('pidReport: from a container PID to every level, container and pod', () => {
  const web = findContainer(labelled, 'web');
  assert.ok(typeof web !== 'string');
  const r = pidReport(labelled, 7, web.pidNs);
  assert.ok(typeof r !== 'string');
  assert.equal(r.process.pid, 12);
  assert.equal(pidHeadline(r), 'PID 7 in side (docker) · host 12');
  assert.deepEqual(
    r.levels.map((l) => [l.level, l.ns, l.pid]),
    [
      [0, HOST, 12],
      [1, SHARED, 7],
    ],
  );
  const nested = pidReport(labelled, 5, OUTER);
  assert.ok(typeof nested !== 'string');
  assert.deepEqual(nested.pod, { name: 'web-0', namespace: 'shop' });
  assert.match(renderPidReport(nested), /^PID 1 in nest \(containerd\) · host 22\n/);
  assert.match(renderPidReport(nested), /pod {8}shop\/web-0/);
});

test('findContainer: by id prefix, pod path; clear errors for none and several', () => {
  assert.equal((findContainer(labelled, 'cccc') as { id: string }).id, C);
  assert.equal((findContainer(labelled, 'shop/web-0/nest') as { id: string }).id, C);
  assert.match(findContainer(labelled, 'nope') as string, /no container 'nope' \(known: /);
  const twice = attachContainers(snapshot, found, () => ({ name: 'dup' }));
  assert.match(findContainer(twice, 'dup') as string, /matches 3 containers/);
  assert.equal(pidReport(labelled, 99, SHARED), `no process 99 in pid:[${SHARED}]`);
});

test('VS Code: process hover "PID 7 in side (docker) · host 12", namespace hover and row name the containers', () => {
  const view = new ModelIndex(labelled);
  assert.match(processTooltip(view, view.process(12)!), /^\*\*sleep\*\* — PID 7 in side \(docker\) · host 12\n/);
  assert.match(processTooltip(view, view.process(22)!), /^\*\*sleep\*\* — PID 1 in nest in pod shop\/web\\-0 \(containerd\) · host 22\n/);
  assert.match(processTooltip(view, view.process(10)!), /PID 10 in its own namespace, 10 on the host/);
  const shared = labelled.namespaces.find((n) => n.inode === SHARED)!;
  const tip = namespaceTooltip(view, shared);
  assert.match(tip, /\| Container \| web \(docker\) · image busybox:1 \|/);
  assert.match(tip, /\| Container \| side \(docker\) \|/);
  // In the label, where VS Code's type-to-find looks.
  assert.equal(namespaceText(view, shared, false).label, `pid:[${SHARED}] side, web (docker)`);
  assert.match(namespaceText(view, shared, false).description, /^level 1 · /);
});

test('webview: card meta names the containers, and a diff that only renames them touches that card', () => {
  const model = new GraphModel();
  const bare = attachContainers(snapshot, found, () => undefined);
  model.load(bare);
  const key = `4:${SHARED}`;
  assert.deepEqual(
    model.containersByNs.get(key)?.map((c) => c.name),
    [undefined, undefined],
  );
  const change = model.apply(diffSnapshots(bare, labelled));
  assert.ok(change.touched.has(key), 'the shared namespace card is redrawn');
  assert.ok(!change.touched.has(`4:${HOST}`));
  assert.deepEqual(
    model.containersByNs.get(key)?.map((c) => c.name),
    ['web', 'side'],
  );
});

test('Go to PID: the text is a PID as the host, a container or a namespace sees it', () => {
  assert.deepEqual(parsePidQuery(' 27416 '), { pid: 27416 });
  assert.deepEqual(parsePidQuery('7 in web'), { pid: 7, container: 'web' });
  assert.deepEqual(parsePidQuery('PID 7 in shop/web-0/nest'), { pid: 7, container: 'shop/web-0/nest' });
  assert.deepEqual(parsePidQuery(`7 in pid:[${SHARED}]`), { pid: 7, ns: SHARED });
  assert.deepEqual(parsePidQuery(`7 IN pid:${SHARED}`), { pid: 7, ns: SHARED });
  for (const bad of ['', 'web', '0', '-3', '7x', '12345678901', '7 in ', '7 in'])
    assert.equal(typeof parsePidQuery(bad), 'string', `'${bad}' is refused with a reason`);
  assert.match(parsePidQuery('web') as string, /'web' is not a PID/);
  assert.match(parsePidQuery('7 in ') as string, /In which container or namespace\?/);

  const at = (text: string): number | string => {
    const r = resolvePidQuery(labelled, text);
    return typeof r === 'string' ? r : r.process.pid;
  };
  assert.equal(at('7 in web'), 12, "web's namespace calls side's sleep 7");
  assert.equal(at('7 in side'), 12, 'the same namespace, through the other container');
  assert.equal(at(`9 in pid:[${SHARED}]`), 13);
  assert.equal(at(`1 in ${NESTED}`), 22, 'a bare inode is the namespace');
  assert.equal(at('5 in shop/web-0/nest'), 22, 'a namespace nested in the container, seen from the container');
  assert.equal(at('22'), 22, 'a bare PID is as the top namespace sees it');
  assert.match(at('7 in nope') as string, /no container 'nope'/);
  assert.equal(at(`3 in pid:[${SHARED}]`), `no process 3 in pid:[${SHARED}]`);
  assert.equal(at('7 in pid:[12345]'), 'no PID namespace 12345');
});
