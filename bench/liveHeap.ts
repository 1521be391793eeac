// A Node process's live JS heap: what is left after a full garbage collection. RSS alone cannot tell a leak
// from V8's garbage waiting for the next collection (on this VM a helper's RSS swung by 30–50 MiB from one
// minute to the next while its heap after a collection stayed at 10–12 MiB). The bench asks the process
// through its inspector: SIGUSR1 opens it on 127.0.0.1:9229 (Node's documented way to attach to a running
// process), the DevTools protocol collects garbage and reads process.memoryUsage(), then the inspector is
// closed again so that the port is free for the next process. Bench only: the product never opens it.
import { spawnSync } from 'node:child_process';

const PORT = 9229;

// Runs in a child node (built-in WebSocket needs --experimental-websocket on Node 20). argv[1]: the port.
const CDP_CLIENT = `
const port = process.argv[1];
const deadline = Date.now() + 10000;
(async () => {
  let list;
  for (;;) {
    try { list = await (await fetch('http://127.0.0.1:' + port + '/json/list')).json(); break; }
    catch (e) { if (Date.now() > deadline) throw new Error('no inspector on port ' + port); await new Promise((r) => setTimeout(r, 100)); }
  }
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  const pending = new Map();
  let id = 0;
  ws.onmessage = (m) => { const d = JSON.parse(m.data); pending.get(d.id)?.(d); pending.delete(d.id); };
  await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
  const call = (method, params = {}) => new Promise((r) => { pending.set(++id, r); ws.send(JSON.stringify({ id, method, params })); });
  const heap = async () => (await call('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true })).result.result.value;
  await call('HeapProfiler.enable');
  await call('HeapProfiler.collectGarbage');
  const used = await heap();
  // Closing the inspector ends this connection before any answer: do not wait for one.
  ws.send(JSON.stringify({ id: ++id, method: 'Runtime.evaluate', params: { expression: "require('inspector').close()", includeCommandLineAPI: true } }));
  for (const end = Date.now() + 5000; ; ) {
    try { await fetch('http://127.0.0.1:' + port + '/json/list'); } catch { break; }
    if (Date.now() > end) throw new Error('the inspector on port ' + port + ' did not close');
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stdout.write(String(used));
  process.exit(0);
})().catch((e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });
`;

/** MiB of JS heap in use in `pid` right after a full collection; throws with the reason if it cannot be read. */
export function liveHeapMiB(pid: number): number {
  process.kill(pid, 'SIGUSR1');
  const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', '-e', CDP_CLIENT, String(PORT)], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const used = Number(r.stdout);
  if (r.status !== 0 || !Number.isFinite(used) || used <= 0)
    throw new Error(`live heap of ${pid}: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
  return used / 2 ** 20;
}
