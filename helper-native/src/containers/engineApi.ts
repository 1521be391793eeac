// Docker's Engine API (and Podman's compatible one) over a unix socket: one `GET /containers/json?all=1`
// lists every container with its name, image and labels. Bounded in time and size: a hung engine
// (SIGSTOPped, or a socket that accepts and never answers), garbage or a huge reply becomes an error
// within `timeoutMs`, never a stall or a crash.
import { connect } from 'node:net';
import type { ContainerMeta } from '../../../shared/core/containers';

/** Largest reply read; ~2 KiB a container, so thousands fit. */
export const MAX_REPLY_BYTES = 8 * 1024 * 1024;

export class EngineError extends Error {}

/**
 * GET `path` on the unix socket; the body as text, or EngineError (timeout, refused, not 200, too big, bad
 * HTTP). HTTP/1.0 on a bare socket rather than node:http: the engines (Go's net/http) then reply with the
 * body as is and close, and the request costs about half the CPU of node:http's client (~0.45 ms less a
 * call measured here, the labelled snapshot's budget being ~2 ms). A reply with Content-Length ends there;
 * a chunked one (an HTTP/1.1 server that ignores the version) is decoded.
 */
export function getUnix(socketPath: string, path: string, timeoutMs: number, maxBytes = MAX_REPLY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    let done = false;
    const chunks: Buffer[] = [];
    let size = 0;
    /** Header end (index after the blank line) and Content-Length, once the header is in. */
    let bodyAt = -1;
    let length = -1;
    let chunked = false;
    const finish = (err: Error | null, body?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err !== null) reject(err instanceof EngineError ? err : new EngineError(err.message));
      else resolve(body ?? '');
    };
    const all = (): Buffer => (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    /** Parse the header once it is complete; false while it is not. Throws EngineError on a bad one. */
    const header = (buf: Buffer): boolean => {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 64 * 1024) throw new EngineError('bad HTTP reply (no header end)');
        return false;
      }
      const lines = buf.toString('latin1', 0, end).split('\r\n');
      const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]);
      if (status === null) throw new EngineError('bad HTTP reply (no status line)');
      if (status[1] !== '200') throw new EngineError(`HTTP ${status[1]}`);
      for (let i = 1; i < lines.length; i++) {
        const colon = lines[i].indexOf(':');
        if (colon < 0) throw new EngineError('bad HTTP reply (header line)');
        const name = lines[i].slice(0, colon).trim().toLowerCase();
        const value = lines[i].slice(colon + 1).trim();
        if (name === 'content-length') {
          if (!/^\d+$/.test(value)) throw new EngineError('bad HTTP reply (Content-Length)');
          length = Number(value);
        } else if (name === 'transfer-encoding') chunked = value.toLowerCase() === 'chunked';
      }
      bodyAt = end + 4;
      return true;
    };
    const socket = connect(socketPath);
    socket.on('connect', () => {
      // Not end(): a half-closed request may be taken by the engine as the client going away.
      socket.write(`GET ${path} HTTP/1.0\r\nHost: localhost\r\nAccept: application/json\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes + (bodyAt < 0 ? 0 : bodyAt)) {
        finish(new EngineError(`reply larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
      try {
        if (bodyAt < 0 && !header(all())) return;
        if (!chunked && length >= 0 && size - bodyAt >= length) {
          finish(null, all().toString('utf8', bodyAt, bodyAt + length));
        }
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.on('end', () => {
      try {
        if (bodyAt < 0 && !header(all())) throw new EngineError('bad HTTP reply (connection closed in the header)');
        const buf = all();
        if (chunked) finish(null, unchunk(buf, bodyAt));
        else if (length >= 0 && size - bodyAt < length) throw new EngineError('reply cut short');
        else finish(null, buf.toString('utf8', bodyAt));
      } catch (err) {
        finish(err as Error);
      }
    });
    // After a reply (the usual case) close finds the request done: no error built (an Error's stack costs).
    socket.on('close', () => {
      if (!done) finish(new EngineError('connection closed'));
    });
    socket.on('error', (err) => finish(err));
    // The deadline is checked after the loop's next I/O pass: when a synchronous scan held the thread past
    // it, a reply that arrived meanwhile is read first instead of being thrown away unread. A reply ended by
    // close takes a few passes to read (64 KiB a read, then its end): while each pass still brings bytes,
    // a few more are allowed; an engine dripping bytes forever brings none in a pass that short.
    const expire = (passes: number): void => {
      const before = size;
      setImmediate(() => {
        if (size > before && passes > 0) expire(passes - 1);
        else finish(new EngineError(`no answer within ${timeoutMs} ms`));
      });
    };
    const timer = setTimeout(() => expire(8), timeoutMs);
    timer.unref();
  });
}

/** A chunked body (`SIZE-hex[;ext]\r\nDATA\r\n` … `0\r\n\r\n`) from `at` → its text; EngineError if malformed. */
function unchunk(buf: Buffer, at: number): string {
  const parts: Buffer[] = [];
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) throw new EngineError('bad chunked reply');
    const m = /^([0-9a-fA-F]{1,8})(?:;.*)?$/.exec(buf.toString('latin1', at, eol));
    if (m === null) throw new EngineError('bad chunked reply');
    const n = parseInt(m[1], 16);
    if (n === 0) break;
    if (eol + 2 + n + 2 > buf.length) throw new EngineError('reply cut short');
    parts.push(buf.subarray(eol + 2, eol + 2 + n));
    at = eol + 2 + n + 2;
  }
  return Buffer.concat(parts).toString('utf8');
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
