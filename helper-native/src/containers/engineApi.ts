// Docker's Engine API (and Podman's compatible one) over a unix socket: one `GET /containers/json?all=1`
// lists every container with its name, image and labels. Bounded in time and size: a hung engine
// (SIGSTOPped, or a socket that accepts and never answers), garbage or a huge reply becomes an error
// within `timeoutMs`, never a stall or a crash.
import { request } from 'node:http';
import type { ContainerMeta } from '../../../shared/core/containers';

/** Largest reply read; ~2 KiB a container, so thousands fit. */
export const MAX_REPLY_BYTES = 8 * 1024 * 1024;

export class EngineError extends Error {}

/** GET `path` on the unix socket; the body as text, or EngineError (timeout, refused, not 200, too big, bad HTTP). */
export function getUnix(socketPath: string, path: string, timeoutMs: number, maxBytes = MAX_REPLY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, body?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      if (err !== null) reject(err instanceof EngineError ? err : new EngineError(err.message));
      else resolve(body ?? '');
    };
    const req = request(
      { socketPath, path, method: 'GET', agent: false, headers: { Host: 'localhost', Accept: 'application/json' } },
      (res) => {
        if (res.statusCode !== 200) {
          finish(new EngineError(`HTTP ${res.statusCode ?? '?'}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) finish(new EngineError(`reply larger than ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => finish(null, Buffer.concat(chunks).toString('utf8')));
        res.on('error', (err) => finish(err));
      },
    );
    // The deadline is checked after the loop's next I/O pass: when a synchronous scan held the thread past
    // it, a reply that arrived meanwhile is read first instead of being thrown away unread.
    const timer = setTimeout(() => setImmediate(() => finish(new EngineError(`no answer within ${timeoutMs} ms`))), timeoutMs);
    timer.unref();
    req.on('error', (err) => finish(err));
    req.end();
  });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 512 ? v : undefined;
}

/** The list reply → id → metadata. Anything not shaped like Docker's reply is an EngineError. */
export function parseContainerList(body: string): Map<string, ContainerMeta> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new EngineError('reply is not JSON');
  }
  if (!Array.isArray(json)) throw new EngineError('reply is not a list of containers');
  const out = new Map<string, ContainerMeta>();
  for (const item of json as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const c = item as Record<string, unknown>;
    const id = str(c.Id);
    if (id === undefined) continue;
    const meta: ContainerMeta = {};
    const names = Array.isArray(c.Names) ? c.Names : [];
    const name = str(names[0]);
    if (name !== undefined) meta.name = name.replace(/^\//, '');
    const image = str(c.Image);
    if (image !== undefined) meta.image = image;
    const labels = typeof c.Labels === 'object' && c.Labels !== null ? (c.Labels as Record<string, unknown>) : {};
    const podName = str(labels['io.kubernetes.pod.name']);
    const podNs = str(labels['io.kubernetes.pod.namespace']);
    if (podName !== undefined && podNs !== undefined) meta.pod = { name: podName, namespace: podNs };
    out.set(id, meta);
  }
  return out;
}

export async function listContainers(socketPath: string, timeoutMs: number): Promise<Map<string, ContainerMeta>> {
  return parseContainerList(await getUnix(socketPath, '/containers/json?all=1', timeoutMs));
}
