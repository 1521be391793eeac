// The engine lookups against hostile unix sockets (accepts and never answers, garbage, a huge reply,
// nothing listening) and a well-behaved one: each is an error within the timeout, the resolver logs it
// once, keeps the fallback label and never throws; a good reply gives names, image and pod.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getUnix, listContainers, startGet } from '../../helper-native/src/containers/engineApi';
import { ContainerResolver } from '../../helper-native/src/containers/resolver';
import { StreamLabeller } from '../../helper-native/src/containers/streamLabeller';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const dir = mkdtempSync(join(tmpdir(), 'pidns-engine-'));
const servers: Server[] = [];
const sockets = new Set<Socket>();
after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function serve(name: string, onConnection: (s: Socket) => void): Promise<string> {
  const path = join(dir, name);
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onConnection(s);
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(path, () => resolve(path)));
}

const ID = 'd'.repeat(64);
const GOOD = JSON.stringify([
  { Id: ID, Names: ['/web'], Image: 'busybox:1', Labels: { 'io.kubernetes.pod.name': 'web-0', 'io.kubernetes.pod.namespace': 'shop' } },
  { Id: 42 },
  null,
  { Id: 'x', Names: [7] },
]);
const reply = (body: string): string =>
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

async function elapsed<T>(p: Promise<T>): Promise<{ ms: number; value?: T; err?: Error }> {
  const t = Date.now();
  try {
    const value = await p;
    return { ms: Date.now() - t, value };
  } catch (err) {
    return { ms: Date.now() - t, err: err as Error };
  }
}

test('a good engine: names, image, pod', async () => {
  const path = await serve('good.sock', (s) => s.once('data', () => s.end(reply(GOOD))));
  const list = await listContainers(path, 1000);
  assert.deepEqual(list.get(ID), { name: 'web', image: 'busybox:1', pod: { name: 'web-0', namespace: 'shop' } });
  assert.deepEqual(list.get('x'), {});
});

test('the request is HTTP/1.0; a reply ends at its Content-Length even if the engine keeps the connection', async () => {
  let request = '';
  const path = await serve('keep.sock', (s) =>
    s.once('data', (d: Buffer) => {
      request = d.toString('latin1');
      // Content-Length given, connection left open: the body is complete all the same.
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(GOOD)}\r\n\r\n${GOOD}`);
    }),
  );
  const r = await elapsed(listContainers(path, 2000));
  assert.equal(r.value?.get(ID)?.name, 'web');
  assert.ok(r.ms < 1000, `${r.ms} ms`);
  assert.match(request, /^GET \/containers\/json\?all=1 HTTP\/1\.0\r\nHost: localhost\r\n/);
});

test('a chunked reply is decoded; a cut or malformed one, a non-200 and a reply without a header end are errors', async () => {
  const body = Buffer.from(GOOD);
  const chunked = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(10).toString(16)}\r\n${body.subarray(0, 10).toString()}\r\n${(body.length - 10).toString(16)};x=y\r\n${body.subarray(10).toString()}\r\n0\r\n\r\n`;
  const good = await serve('chunked.sock', (s) => s.once('data', () => s.end(chunked)));
  assert.equal((await listContainers(good, 1000)).get(ID)?.name, 'web');
  const cut = await serve('cut.sock', (s) => s.once('data', () => s.end(chunked.slice(0, chunked.length - 20))));
  await assert.rejects(getUnix(cut, '/containers/json', 1000), /reply cut short|bad chunked/);
  const badSize = await serve('badsize.sock', (s) =>
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n')),
  );
  await assert.rejects(getUnix(badSize, '/containers/json', 1000), /bad chunked reply/);
  const short = await serve('short.sock', (s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n[]')));
  await assert.rejects(getUnix(short, '/containers/json', 1000), /reply cut short/);
  const notFound = await serve('404.sock', (s) => s.once('data', () => s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')));
  await assert.rejects(getUnix(notFound, '/containers/json', 1000), /HTTP 404/);
  const noEnd = await serve('noend.sock', (s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n')));
  await assert.rejects(getUnix(noEnd, '/containers/json', 1000), /bad HTTP reply/);
});

test('accepts and never answers: an error at the timeout, not later', async () => {
  const path = await serve('silent.sock', () => undefined);
  const r = await elapsed(getUnix(path, '/containers/json', 300));
  assert.match(r.err?.message ?? '', /no answer within 300 ms/);
  assert.ok(r.ms >= 290 && r.ms < 1000, `${r.ms} ms`);
});

test('answers a byte at a time forever: still cut at the timeout', async () => {
  const path = await serve('drip.sock', (s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n[');
    const t = setInterval(() => s.write(' '), 20);
    s.on('close', () => clearInterval(t));
  });
  const r = await elapsed(getUnix(path, '/containers/json', 300));
  assert.match(r.err?.message ?? '', /no answer within 300 ms/);
  assert.ok(r.ms < 1000, `${r.ms} ms`);
});

test('garbage instead of HTTP, and HTTP with garbage JSON: errors, quickly', async () => {
  const path = await serve('garbage.sock', (s) => s.once('data', () => s.end(Buffer.from([0, 1, 2, 255, 13, 10, 13, 10, 65]))));
  const r = await elapsed(getUnix(path, '/containers/json', 1000));
  assert.ok(r.err !== undefined, 'an error');
  assert.ok(r.ms < 500, `${r.ms} ms`);
  const json = await serve('badjson.sock', (s) => s.once('data', () => s.end(reply('{"Id": [[[['))));
  await assert.rejects(listContainers(json, 1000), /not JSON/);
  const notList = await serve('notlist.sock', (s) => s.once('data', () => s.end(reply('{"message":"hi"}'))));
  await assert.rejects(listContainers(notList, 1000), /not a list/);
});

test('a huge reply is cut at the cap, without holding it in memory', async () => {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const path = await serve('huge.sock', (s) => {
    s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[');
      let sent = 0;
      const pump = (): void => {
        while (sent < 512 && s.write(chunk)) sent++;
        if (sent < 512 && !s.destroyed) s.once('drain', pump);
      };
      pump();
    });
  });
  const before = process.memoryUsage().rss;
  const r = await elapsed(getUnix(path, '/containers/json', 5000, 4 * 1024 * 1024));
  assert.match(r.err?.message ?? '', /reply larger than 4194304 bytes/);
  assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'far less than the 512 MiB offered');
});

test('resolver: a hung engine leaves the fallback label, logs once, and answers within the timeout', async () => {
  const silent = await serve('silent2.sock', () => undefined);
  const logs: string[] = [];
  const resolver = new ContainerResolver({ dockerSocket: silent, timeoutMs: 300, log: (m) => logs.push(m) });
  const refs = [
    { engine: 'docker' as const, id: ID },
    { engine: 'docker' as const, id: 'e'.repeat(64) },
  ];
  const r = await elapsed(resolver.resolve(refs));
  assert.equal(r.value, false);
  assert.ok(r.ms < 800, `${r.ms} ms`);
  assert.deepEqual(resolver.meta(refs[0]), {});
  assert.equal(logs.length, 1);
  assert.match(
    logs[0],
    /docker engine API at .*silent2\.sock failed \(no answer within 300 ms\); its containers are labelled 'docker <short id>'/,
  );
  // Within retryMs the engine is not asked again: no new wait, no new log line.
  const again = await elapsed(resolver.resolve([{ engine: 'docker', id: 'f'.repeat(64) }]));
  assert.ok(again.ms < 100, `${again.ms} ms`);
  assert.equal(logs.length, 1);
});

test('resolver: dead engine (no socket) and a good one', async () => {
  const logs: string[] = [];
  const dead = new ContainerResolver({ dockerSocket: join(dir, 'absent.sock'), timeoutMs: 300, log: (m) => logs.push(m) });
  await dead.resolve([{ engine: 'docker', id: ID }]);
  assert.match(logs.join('\n'), /ENOENT/);
  const good = await serve('good2.sock', (s) => s.once('data', () => s.end(reply(GOOD))));
  const resolver = new ContainerResolver({ dockerSocket: good, timeoutMs: 1000 });
  assert.equal(await resolver.resolve([{ engine: 'docker', id: ID }]), true);
  assert.equal(resolver.meta({ engine: 'docker', id: ID })?.name, 'web');
  // Cached: a second resolve asks nobody.
  assert.equal(await resolver.resolve([{ engine: 'docker', id: ID }]), false);
});

test('a reply that arrived while the thread was blocked past the deadline is still read', async () => {
  let sent: () => void = () => undefined;
  const replied = new Promise<void>((resolve) => (sent = resolve));
  const path = await serve('prompt.sock', (s) => s.once('data', () => s.end(reply('[]'), () => sent())));
  const p = getUnix(path, '/containers/json', 1000);
  // The answer is in the client's socket buffer, unread: now hold the thread past the deadline, like a
  // long synchronous scan right after the request went out.
  await replied;
  const t = Date.now();
  while (Date.now() - t < 1300) {
    // busy: the event loop cannot run
  }
  assert.equal(await p, '[]');
});

test('stream labeller: a poll that saw no change still relabels once a lookup landed', async () => {
  const procRoot = join(dir, 'proc');
  mkdirSync(join(procRoot, '42'), { recursive: true });
  writeFileSync(join(procRoot, '42', 'cgroup'), `0::/system.slice/docker-${ID}.scope\n`);
  const good = await serve('good3.sock', (s) => s.once('data', () => s.end(reply(GOOD))));
  const labeller = new StreamLabeller(procRoot, { dockerSocket: good, timeoutMs: 1000 });
  const snap = {
    self: { nsInode: 1, nsDev: 4 },
    namespaces: [],
    processes: [{ pid: 42, ppid: 0, comm: 'sleep', uid: 0, ns: 2, nsDev: 4, nspid: [42, 1], startTime: 5, state: 'S' }],
    unreadable: 0,
    scannedAsUid: 0,
    takenAt: 1,
  };
  const first = labeller.label(snap, true);
  assert.deepEqual(
    first.snapshot.containers?.map((c) => c.name),
    [undefined],
    'not known yet: no wait on the poll',
  );
  const end = Date.now() + 3000;
  let later = labeller.label({ ...snap, takenAt: 2 }, false);
  while (!later.relabelled && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    later = labeller.label({ ...snap, takenAt: 3 }, false);
  }
  assert.equal(later.relabelled, true);
  assert.deepEqual(
    later.snapshot.containers?.map((c) => c.name),
    ['web'],
  );
  assert.equal(labeller.label({ ...snap, takenAt: 4 }, false).relabelled, false, 'then quiet again');
});

test('a large reply without Content-Length, ended by close, that arrived while the thread was blocked is still read', async () => {
  // Docker's answer to an HTTP/1.0 request: no length, the body ends when the engine closes. More than one
  // socket read (64 KiB) of it, and its end, sit unread while a scan holds the thread past the deadline.
  const many = JSON.stringify(
    Array.from({ length: 400 }, (_, i) => ({ Id: i === 0 ? ID : `${i}`.padStart(64, '0'), Names: [`/c${i}`], Image: 'x'.repeat(200) })),
  );
  assert.ok(many.length > 100_000);
  let sent: () => void = () => undefined;
  const replied = new Promise<void>((resolve) => (sent = resolve));
  const path = await serve('big10.sock', (s) =>
    s.once('data', () => s.end(`HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n${many}`, () => sent())),
  );
  const p = listContainers(path, 500);
  await replied;
  const t = Date.now();
  while (Date.now() - t < 800) {
    // busy: the event loop cannot run
  }
  assert.equal((await p).get(ID)?.name, 'c0');
});

test('takeNow: an answer already there settles the reply on the same turn, with no turn of the event loop', async () => {
  // The engine in another process, so that it answers while this thread is held (a scan after prefetch).
  const path = join(dir, 'child.sock');
  const server = `require('net').createServer((s) => s.once('data', () => s.end(${JSON.stringify(reply(GOOD))}))).listen(${JSON.stringify(path)}, () => console.log('ready'))`;
  const child = spawn(process.execPath, ['-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await once(child.stdout, 'data');
    const get = startGet(path, '/containers/json', 5000);
    let turned = false;
    setImmediate(() => (turned = true));
    let body: string | undefined;
    void get.reply.then((b) => (body = b));
    for (const t0 = Date.now(); body === undefined && Date.now() - t0 < 4000;) {
      const t = Date.now();
      while (Date.now() - t < 20) {
        // busy: the event loop cannot run
      }
      get.takeNow();
      for (let i = 0; i < 3; i++) await Promise.resolve(); // microtasks only
    }
    assert.equal(body, GOOD);
    assert.equal(turned, false, 'settled before the loop turned');
  } finally {
    child.kill();
  }
});
