// The graph's search (webview/search.ts), in plain Node: what a query finds, in which order, and the count text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphModel } from '../../webview/model';
import { countText, indexOfId, MAX_HITS, parseQuery, searchGraph } from '../../webview/search';
import type { ContainerInfo } from '../../shared/core/types';
import { HOST_NS, NS_DEV, seedChain, siblings, SnapshotBuilder } from './support/fixtures';
import { inferredNsInode, nsKey, processKey } from '../../shared/core/identity';

const key = (inode: number): string => nsKey({ dev: NS_DEV, inode });

function load(snapshot: Parameters<GraphModel['load']>[0]): GraphModel {
  const m = new GraphModel();
  m.load(snapshot);
  return m;
}

test('queries: pid:[inode] and [inode] are namespace-only, digits are numbers, blank finds nothing', () => {
  assert.equal(parseQuery('   '), null);
  assert.equal(parseQuery('pid:['), null);
  assert.deepEqual(parseQuery('pid:[4026532184]'), { text: '4026532184', number: 4026532184, nsOnly: true });
  assert.deepEqual(parseQuery('PID:[40265'), { text: '40265', number: 40265, nsOnly: true });
  assert.deepEqual(parseQuery('[4026532184]'), { text: '4026532184', number: 4026532184, nsOnly: true });
  assert.deepEqual(parseQuery(' 42 '), { text: '42', number: 42, nsOnly: false });
  assert.deepEqual(parseQuery('Nginx'), { text: 'nginx', number: null, nsOnly: false });
});

test('a namespace by its inode, written either way; a partial inode of 4+ digits too', () => {
  const fx = siblings(300);
  const m = load(fx.snapshot);
  const target = fx.snapshot.namespaces.filter((ns) => ns.parent === HOST_NS)[123];
  for (const q of [`pid:[${target.inode}]`, String(target.inode), `[${target.inode}]`]) {
    const r = searchGraph(m, q);
    assert.deepEqual(
      r.hits.map((h) => [h.kind, h.ns]),
      [['namespace', key(target.inode)]],
      q,
    );
  }
  // Every inode starts 40265…: a 5-digit prefix finds all 302 namespaces (the host, 300 siblings, one nested).
  assert.equal(searchGraph(m, '40265').hits.filter((h) => h.kind === 'namespace').length, 302);
  // Three digits are a PID, not a piece of an inode.
  assert.equal(searchGraph(m, String(target.inode).slice(-3)).hits.filter((h) => h.kind === 'namespace').length, 0);
});

test('a namespace inferred without its link, by the name the views write: pid:[inferred from N]', () => {
  const b = new SnapshotBuilder();
  // As inferNs.ts names them: founded by host PID 27416 (level 1), and a real sibling.
  const inferred = b.addNs(inferredNsInode({ pid: 27416, startTime: 5 }, 1), HOST_NS);
  b.addProcess(inferred.inode, 'sleep');
  const real = b.addNs(null, HOST_NS);
  b.addProcess(real.inode, 'sh');
  const m = load(b.snapshot());
  assert.deepEqual(parseQuery('pid:[inferred from 27416]'), { text: '27416', number: null, nsOnly: true, inferredFrom: 27416 });
  for (const q of ['pid:[inferred from 27416]', 'Inferred from 27416', 'pid:[inferred from 27416'])
    assert.deepEqual(
      searchGraph(m, q).hits.map((h) => [h.kind, h.ns]),
      [['namespace', key(inferred.inode)]],
      q,
    );
  assert.equal(searchGraph(m, 'pid:[inferred from 2741]').hits.length, 0, 'the founder PID whole, not a part of it');
});

test('a process by comm or by its PID at any level; hits in tree order, processes by own PID', () => {
  const seed = seedChain(5, 10);
  const m = load(seed.snapshot);
  // The leaf's NSpid is "host 5 4 3 2 1": PID 3 finds it (as seen from level 3) among others.
  const three = searchGraph(m, '3').hits;
  assert.ok(three.some((h) => h.kind === 'process' && h.proc === processKey(seed.leaf)));
  for (const h of three) {
    assert.equal(h.kind, 'process');
    const p = m.processes.get((h as { proc: string }).proc)!;
    assert.ok(p.pid === 3 || p.nspid.includes(3), `${p.comm} ${p.nspid.join(' ')}`);
  }
  // By its host PID alone.
  assert.ok(searchGraph(m, String(seed.leaf.pid)).hits.some((h) => h.kind === 'process' && h.proc === processKey(seed.leaf)));
  // comm, case-insensitive; the namespaces' order is the chain's, outermost first.
  const chain = searchGraph(m, 'MULTI_pid').hits;
  assert.deepEqual(
    chain.map((h) => h.ns),
    [key(HOST_NS), ...seed.levels.slice(0, 4).map(key)],
  );
  assert.deepEqual(
    searchGraph(m, 'sleep').hits.map((h) => h.ns),
    [key(seed.levels[4])],
  );
});

test('a container by name, id prefix, image, or pod; a namespace query does not match containers or PIDs', () => {
  const fx = siblings(20);
  const inner = fx.snapshot.namespaces.filter((ns) => ns.parent === HOST_NS);
  const containers: ContainerInfo[] = [
    { engine: 'docker', id: 'abc123def456', name: 'shop-web', image: 'nginx:1.27', pidNs: inner[3].inode },
    { engine: 'containerd', id: 'ffee0011', pod: { name: 'web-0', namespace: 'shop' }, image: 'registry/app:2', pidNs: inner[7].inode },
  ];
  const m = load({ ...fx.snapshot, containers });
  const only = (q: string): string[] =>
    searchGraph(m, q)
      .hits.filter((h) => h.kind === 'container')
      .map((h) => h.ns);
  assert.deepEqual(only('shop-web'), [key(inner[3].inode)]);
  assert.deepEqual(only('ABC123'), [key(inner[3].inode)]);
  assert.deepEqual(only('def456'), [], 'an id matches from its start only');
  assert.deepEqual(only('nginx:1'), [key(inner[3].inode)]);
  assert.deepEqual(only('web-0'), [key(inner[7].inode)]);
  assert.deepEqual(only('shop/web'), [key(inner[7].inode)]);
  assert.deepEqual(only('shop'), [key(inner[3].inode), key(inner[7].inode)], 'tree order');
  assert.deepEqual(
    searchGraph(m, `pid:[${inner[3].inode}]`).hits.map((h) => h.kind),
    ['namespace'],
  );
});

test('count text, truncation, and finding the current hit again after a change', () => {
  const fx = siblings(300);
  const m = load(fx.snapshot);
  const r = searchGraph(m, 'sh');
  assert.ok(r.hits.length > 200 && !r.truncated);
  assert.equal(countText(r, -1), `${r.hits.length} results`);
  assert.equal(countText(r, 2), `3 of ${r.hits.length}`);
  assert.equal(countText(searchGraph(m, 'no-such-thing'), -1), 'No results');
  const big = load(seedChain(1, MAX_HITS + 50).snapshot);
  const all = searchGraph(big, 'worker');
  assert.ok(all.truncated);
  assert.equal(all.hits.length, MAX_HITS);
  assert.equal(countText(all, 0), `1 of ${MAX_HITS}+`);
  const again = searchGraph(m, 'sh');
  assert.equal(indexOfId(again, r.hits[7].id), 7);
  assert.equal(indexOfId(again, 'proc 0 0'), -1);
});
