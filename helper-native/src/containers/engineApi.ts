// Docker's Engine API (and Podman's compatible one) over a unix socket: one `GET /containers/json?all=1`
// lists every container with its name, image and labels. Bounded in time and size: a hung engine
// (SIGSTOPped, or a socket that accepts and never answers), garbage or a huge reply becomes an error
// within `timeoutMs`, never a stall or a crash.
import type { ContainerMeta } from '../../../shared/core/containers';
import { closeSocket, connectUnix, readSome, sendAll, whenReadable } from '../sys/unixSocket';

/** Largest reply read; ~2 KiB a container, so thousands fit. */
export const MAX_REPLY_BYTES = 8 * 1024 * 1024;

export class EngineError extends Error {}

/** The read buffer kept between calls (one call at a time uses it; a concurrent one gets its own). */
let spare: Buffer | null = null;
const FIRST_BUFFER = 128 * 1024;
/** Largest buffer kept for the next call: a big reply's is let go. */
const KEEP_BUFFER = 256 * 1024;
/** Longest header accepted. */
const MAX_HEADER = 64 * 1024;

/** A request under way: `reply` settles with the body or an EngineError. */
export interface PendingGet {
  readonly reply: Promise<string>;
  /**
   * Read what has arrived, now, on the caller's turn: when the answer is complete `reply` settles at once,
   * so a caller that sent ahead of a synchronous scan gets it without giving the event loop a turn (where
   * whatever the runtime has queued, a due garbage collection for one, would run inside its snapshot).
   * Otherwise the usual waiting goes on.
   */
  takeNow(): void;
}

/**
 * GET `path` on the unix socket; the body as text, or EngineError (timeout, refused, not 200, too big, bad
 * HTTP). HTTP/1.0 on a bare socket rather than node:http: the engines (Go's net/http) then reply with the
 * body as is and close. The socket is koffi's (sys/unixSocket) rather than node:net's: the connect and the
 * request are sent before this returns, the reply is read into one reused buffer, and the whole call costs
 * a fraction of a node:net socket's CPU (the labelled snapshot's budget being ~3 ms). A reply with
 * Content-Length ends there; a chunked one (an HTTP/1.1 server that ignores the version) is decoded.
 */
export function getUnix(socketPath: string, path: string, timeoutMs: number, maxBytes = MAX_REPLY_BYTES): Promise<string> {
  return startGet(socketPath, path, timeoutMs, maxBytes).reply;
}

/** getUnix, with a handle to read the reply early (PendingGet.takeNow). */
export function startGet(socketPath: string, path: string, timeoutMs: number, maxBytes = MAX_REPLY_BYTES): PendingGet {
  const deadline = performance.now() + timeoutMs;
  const failed = (err: unknown): PendingGet => ({
    reply: Promise.reject(new EngineError((err as Error).message)),
    takeNow: () => undefined,
  });
  let fd: number;
  try {
    fd = connectUnix(socketPath);
  } catch (err) {
    return failed(err);
  }
  try {
    // Not shut down for writing: a half-closed request may be taken by the engine as the client going away.
    sendAll(fd, Buffer.from(`GET ${path} HTTP/1.0\r\nHost: localhost\r\nAccept: application/json\r\n\r\n`, 'latin1'));
  } catch (err) {
    closeSocket(fd);
    return failed(err);
  }
  let takeNow = (): void => undefined;
  const reply = new Promise<string>((resolve, reject) => {
    let buf = spare ?? Buffer.allocUnsafe(FIRST_BUFFER);
    spare = null;
    let size = 0;
    /** Header end (index after the blank line) and Content-Length, once the header is in. */
    let bodyAt = -1;
    let length = -1;
    let chunked = false;
    let done = false;
    const finish = (err: Error | null, body?: string): void => {
      if (done) return;
      done = true;
      closeSocket(fd);
      if (buf.length <= KEEP_BUFFER) spare = buf;
      if (err !== null) reject(err instanceof EngineError ? err : new EngineError(err.message));
      else resolve(body ?? '');
    };
    /** Parse the header once it is complete; false while it is not. Throws EngineError on a bad one. */
    const header = (): boolean => {
      const end = buf.subarray(0, size).indexOf('\r\n\r\n');
      if (end < 0) {
        if (size > MAX_HEADER) throw new EngineError('bad HTTP reply (no header end)');
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
    /** Reads what is there; the body once complete, else null (`grew`: bytes came). Throws EngineError. */
    let grew = false;
    const take = (): string | null => {
      grew = false;
      for (;;) {
        if (size === buf.length) {
          // Room for the cap plus a header, and one byte more to tell a reply that exceeds it.
          const limit = maxBytes + MAX_HEADER + 1;
          if (buf.length >= limit) throw new EngineError(`reply larger than ${maxBytes} bytes`);
          const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, limit));
          buf.copy(bigger, 0, 0, size);
          buf = bigger;
        }
        const n = readSome(fd, buf, size, buf.length - size);
        if (n < 0) return null;
        if (n === 0) {
          // The end of the stream: the reply is whatever came.
          if (bodyAt < 0 && !header()) throw new EngineError('bad HTTP reply (connection closed in the header)');
          if (chunked) return unchunk(buf.subarray(0, size), bodyAt);
          if (length >= 0 && size - bodyAt < length) throw new EngineError('reply cut short');
          return buf.toString('utf8', bodyAt, length >= 0 ? bodyAt + length : size);
        }
        size += n;
        grew = true;
        if (size > maxBytes + (bodyAt < 0 ? 0 : bodyAt)) throw new EngineError(`reply larger than ${maxBytes} bytes`);
        if (bodyAt < 0 && !header()) continue;
        if (!chunked && length >= 0 && size - bodyAt >= length) return buf.toString('utf8', bodyAt, bodyAt + length);
      }
    };
    // The deadline is checked after reading what is there: when a synchronous scan held the thread past
    // it, a reply that arrived meanwhile is read first instead of being thrown away unread. Past it, a
    // reply still coming (a few more loop passes, each bringing bytes) is allowed to finish; an engine
    // dripping bytes forever brings none in a pass that short.
    /** Reads what is there; true once finished (the body, or an error). */
    const attempt = (): boolean => {
      let body: string | null;
      try {
        body = take();
      } catch (err) {
        finish(err as Error);
        return true;
      }
      if (body === null) return false;
      finish(null, body);
      return true;
    };
    const step = (graceLeft: number): void => {
      // Finished meanwhile (takeNow): the fd is closed, maybe reused; not touched again.
      if (done || attempt()) return;
      const left = deadline - performance.now();
      if (left <= 0) {
        if (grew && graceLeft > 0) setImmediate(() => step(graceLeft - 1));
        else finish(new EngineError(`no answer within ${timeoutMs} ms`));
        return;
      }
      whenReadable(fd, left, (err) => (err !== null ? finish(err) : step(graceLeft)));
    };
    takeNow = () => {
      if (!done) attempt();
    };
    // The first look at the socket waits for the loop's next turn: a caller that sends ahead of a
    // synchronous scan (the CLI's prefetch) finds the reply there, read without a pool thread's wait.
    setImmediate(() => step(8));
  });
  return { reply, takeNow: () => takeNow() };
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

const LIST_PATH = '/containers/json?all=1';

export function listContainers(socketPath: string, timeoutMs: number): Promise<Map<string, ContainerMeta>> {
  return startListContainers(socketPath, timeoutMs).list;
}

/** listContainers started now, with the reply's early read (PendingGet.takeNow). */
export function startListContainers(socketPath: string, timeoutMs: number): { list: Promise<Map<string, ContainerMeta>>; takeNow(): void } {
  const get = startGet(socketPath, LIST_PATH, timeoutMs);
  return { list: get.reply.then(parseContainerList), takeNow: get.takeNow };
}
