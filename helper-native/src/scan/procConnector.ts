// The kernel's process events (the proc connector: a NETLINK_CONNECTOR socket in group CN_IDX_PROC),
// through koffi. Event PIDs are global, and the kernel delivers events only to subscribers in the initial
// user and PID namespaces that hold CAP_NET_ADMIN, so `openProcConnector` checks those first and then
// waits for the kernel's acknowledgement of the subscription; anything short of an ack is a reason to poll.
//
// How the socket meets Node's event loop. Node cannot watch an arbitrary fd: `new net.Socket({fd})` accepts
// only TCP, UDP, pipe and tty fds (libuv guesses the handle type; a netlink socket is "unknown" and is
// refused), and fs.read on it would hold a libuv pool thread in a blocking read whose errno (ENOBUFS) is
// lost. So one koffi async call of poll(2) on the fd waits on a pool thread, with no timeout: a quiet
// helper is not woken at all (no CPU while nothing forks). close() wakes the wait through an eventfd in
// the same poll set. When poll says "readable" the main thread drains the socket with non-blocking
// recv(2) calls whose errno it can read. Measured here: one koffi async poll round trip costs about 9 µs
// CPU and 40 µs wall, against 0.6 ms from fork() to the kernel's event (events.md). A timer polling the
// fd would trade that for latency or for CPU; this has neither.
import { closeSync, readlinkSync, writeSync } from 'node:fs';
import { poll, POLLFD_BYTES, send, setPollfd, socket } from '../sys/calls';
import { errnoName, lastErrno, libc } from '../sys/libc';
import { mcastRequest, parseProcEvent, PROC_CN_MCAST_IGNORE, PROC_CN_MCAST_LISTEN, type ProcEvent } from './procEvents';

const AF_NETLINK = 16;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_CONNECTOR = 11;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVTIMEO = 20;
const SO_RCVBUFFORCE = 33;
const MSG_DONTWAIT = 0x40;
const EAGAIN = 11;
const EINTR = 4;
const ENOBUFS = 105;
const EPERM = 1;

/** The initial namespaces' fixed inode numbers (include/linux/proc_ns.h: PROC_USER_INIT_INO, PROC_PID_INIT_INO). */
const INIT_USER_NS = 'user:[4026531837]';
const INIT_PID_NS = 'pid:[4026531836]';

/**
 * Receive buffer asked for: 4 MiB holds ~50,000 events, so a 10,000-process cold scan or resync (seconds
 * on a loaded host, when the event loop does not read) rarely overflows it (208 KiB, the usual default,
 * holds ~2,800: a second of a fork storm).
 */
const DEFAULT_RCVBUF = 4 * 1024 * 1024;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
/** Datagrams drained per turn of the event loop; more wait for the next turn so requests still get served. */
const DRAIN_MAX = 4096;
/** One proc event is 40–100 bytes; a bigger buffer costs nothing and survives a future larger union. */
const RECV_BYTES = 1024;

const bind = libc.func('int bind(int fd, void *addr, uint32_t len)');
const recv = libc.func('long recv(int fd, _Out_ void *buf, unsigned long len, int flags)');
const setsockopt = libc.func('int setsockopt(int fd, int level, int name, void *val, uint32_t len)');
const getsockopt = libc.func('int getsockopt(int fd, int level, int name, _Out_ void *val, _Inout_ uint32_t *len)');
const eventfd = libc.func('int eventfd(unsigned int initval, int flags)');

export interface ConnectorHandlers {
  /** A batch of events, in kernel order (one drain of the socket). */
  events(batch: ProcEvent[]): void;
  /** Events were lost (ENOBUFS: the receive buffer overflowed): the receiver must resynchronise. */
  lost(): void;
  /** The socket failed for good (any other error): the receiver must fall back to polling. */
  failed(why: string): void;
}

export type OpenResult = { ok: true; connector: ProcConnector } | { ok: false; why: string };

export interface OpenOptions {
  /** SO_RCVBUF(FORCE) in bytes; the kernel doubles it. Default DEFAULT_RCVBUF (tests shrink it to force ENOBUFS). */
  rcvbufBytes?: number;
  /** How long to wait for the kernel's ack of the subscription. */
  ackTimeoutMs?: number;
}

function nsLink(kind: 'user' | 'pid'): string {
  try {
    return readlinkSync(`/proc/self/ns/${kind}`);
  } catch {
    return '?';
  }
}

/** Why events cannot work here, before touching a socket (null: worth trying). */
export function connectorPrecheck(): string | null {
  const user = nsLink('user');
  const pid = nsLink('pid');
  if (user !== INIT_USER_NS) return `the helper is not in the initial user namespace (${user}): the kernel sends process events only there`;
  if (pid !== INIT_PID_NS) return `the helper is not in the initial PID namespace (${pid}): the kernel sends process events only there`;
  return null;
}

function errnoText(errno: number): string {
  return errno === EPERM ? 'EPERM: subscribing needs CAP_NET_ADMIN' : errnoName(errno);
}

/** Open, bind and subscribe; resolves only once the kernel acknowledged (or refused) the subscription. */
export function openProcConnector(handlers: ConnectorHandlers, opts: OpenOptions = {}): OpenResult {
  const pre = connectorPrecheck();
  if (pre !== null) return { ok: false, why: pre };
  const fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (fd < 0)
    return {
      ok: false,
      why: `socket(AF_NETLINK, NETLINK_CONNECTOR) failed: ${errnoText(lastErrno())} (kernel without CONFIG_PROC_EVENTS?)`,
    };
  const fail = (why: string): OpenResult => {
    closeSync(fd);
    return { ok: false, why };
  };
  // sockaddr_nl { sa_family u16, pad u16, nl_pid u32 (0: the kernel picks our port id), nl_groups u32 }
  const addr = Buffer.alloc(12);
  addr.writeUInt16LE(AF_NETLINK, 0);
  addr.writeUInt32LE(1 << 0, 8); // group CN_IDX_PROC (1) is bit 0
  if ((bind(fd, addr, 12) as number) < 0) return fail(`bind to the proc connector group failed: ${errnoText(lastErrno())}`);
  // The ack is the first datagram: wait for it with a receive timeout (once, at subscribe time).
  const tv = Buffer.alloc(16);
  const ackMs = opts.ackTimeoutMs ?? 1000;
  tv.writeBigInt64LE(BigInt(Math.floor(ackMs / 1000)), 0);
  tv.writeBigInt64LE(BigInt((ackMs % 1000) * 1000), 8);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
  // The ack carries our cn_msg.ack + 1 (its seq is the kernel's event counter): a nonce tells ours apart
  // from other listeners' acks, which every subscriber receives.
  const nonce = ((process.pid & 0xffff) * 65536 + (Date.now() & 0xfffe)) >>> 0;
  const req = mcastRequest(PROC_CN_MCAST_LISTEN, nonce);
  if ((send(fd, req, req.length, 0) as number) < 0) return fail(`subscribing to process events failed: ${errnoText(lastErrno())}`);
  const buf = Buffer.alloc(RECV_BYTES);
  const deadline = Date.now() + ackMs;
  const early: ProcEvent[] = [];
  let lostEarly = false;
  for (;;) {
    const n = recv(fd, buf, buf.length, 0) as number;
    if (n < 0) {
      const errno = lastErrno();
      if (errno === EINTR) continue;
      // Events from other listeners' subscriptions overflowed the buffer while we waited: go on waiting.
      if (errno === ENOBUFS) {
        lostEarly = true;
        continue;
      }
      // No ack: the kernel ignores subscribers outside the initial namespaces without a word.
      if (errno === EAGAIN) return fail(`the kernel did not acknowledge the subscription within ${ackMs} ms`);
      return fail(`reading the subscription's ack failed: ${errnoText(errno)}`);
    }
    const ev = parseProcEvent(buf, n);
    if (ev.kind === 'ack' && ev.ack === (nonce + 1) >>> 0) {
      if (ev.err !== 0) return fail(`the kernel refused the subscription: ${errnoText(ev.err)}`);
      break;
    }
    // Other listeners' acks and events that raced the ack: events are kept, the rest skipped.
    if (ev.kind === 'fork' || ev.kind === 'exec' || ev.kind === 'id' || ev.kind === 'comm' || ev.kind === 'exit') early.push(ev);
    if (Date.now() > deadline) return fail(`the kernel did not acknowledge the subscription within ${ackMs} ms`);
  }
  // Only now the buffer the caller asked for (tests shrink it to force ENOBUFS): a tiny one during the
  // wait could lose the ack itself.
  // SO_RCVBUFFORCE (root) may exceed net.core.rmem_max; SO_RCVBUF is capped by it. Best effort: the
  // default buffer still works, it only overflows sooner (and an overflow is handled).
  const want = opts.rcvbufBytes ?? DEFAULT_RCVBUF;
  const v = Buffer.alloc(4);
  v.writeInt32LE(want);
  if ((setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, v, 4) as number) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, v, 4);
  const wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) as number;
  if (wake < 0) return fail(`eventfd failed: ${errnoText(lastErrno())}`);
  const connector = new ProcConnector(fd, wake, handlers);
  setImmediate(() => {
    if (early.length > 0) handlers.events(early);
    if (lostEarly) handlers.lost();
  });
  connector.start();
  return { ok: true, connector };
}

export class ProcConnector {
  private closed = false;
  private waiting = false;
  private readonly buf = Buffer.alloc(RECV_BYTES);
  /** struct pollfd[2]: the socket, then the eventfd close() writes to. */
  private readonly pollBuf = Buffer.alloc(2 * POLLFD_BYTES);
  /** How many times the kernel reported lost events (ENOBUFS) on this socket. */
  overflows = 0;
  /** Events handed to the receiver since open. */
  received = 0;

  constructor(
    private readonly fd: number,
    private readonly wake: number,
    private readonly handlers: ConnectorHandlers,
  ) {}

  /** Effective receive buffer in bytes (the kernel doubles what was asked for). */
  receiveBuffer(): number {
    const v = Buffer.alloc(4);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(4);
    return (getsockopt(this.fd, SOL_SOCKET, SO_RCVBUF, v, len) as number) === 0 ? v.readInt32LE(0) : -1;
  }

  start(): void {
    this.drain();
  }

  /** Unsubscribe and close; an in-flight wait is woken through the eventfd and then closes the fds. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const req = mcastRequest(PROC_CN_MCAST_IGNORE, 0);
    send(this.fd, req, req.length, MSG_DONTWAIT);
    if (this.waiting) {
      const one = Buffer.alloc(8);
      one.writeBigUInt64LE(1n);
      writeSync(this.wake, one);
    } else this.closeFds();
  }

  private closeFds(): void {
    closeSync(this.fd);
    closeSync(this.wake);
  }

  private arm(): void {
    if (this.closed) return;
    this.waiting = true;
    setPollfd(this.pollBuf, 0, this.fd);
    setPollfd(this.pollBuf, 1, this.wake);
    poll.async(this.pollBuf, 2, -1, (err: unknown, r: number) => {
      this.waiting = false;
      if (this.closed) {
        this.closeFds();
        return;
      }
      if (err) {
        this.fail(`waiting on the proc connector failed: ${String(err)}`);
        return;
      }
      if (r > 0) this.drain();
      else this.arm();
    });
  }

  /** Read every queued datagram (up to DRAIN_MAX), hand them over, then wait again. */
  private drain(): void {
    const batch: ProcEvent[] = [];
    let lost = false;
    let more = false;
    for (let i = 0; ; i++) {
      if (i >= DRAIN_MAX) {
        more = true;
        break;
      }
      const n = recv(this.fd, this.buf, this.buf.length, MSG_DONTWAIT) as number;
      if (n < 0) {
        const errno = lastErrno();
        if (errno === EAGAIN) break;
        if (errno === EINTR) continue;
        if (errno === ENOBUFS) {
          // The kernel dropped events for us; the socket keeps working and the next recv reads what followed.
          lost = true;
          this.overflows++;
          continue;
        }
        this.fail(`reading process events failed: ${errnoText(errno)}`);
        return;
      }
      const ev = parseProcEvent(this.buf, n);
      if (ev.kind === 'overrun') {
        lost = true;
        this.overflows++;
      } else if (ev.kind === 'fork' || ev.kind === 'exec' || ev.kind === 'id' || ev.kind === 'comm' || ev.kind === 'exit') batch.push(ev);
    }
    this.received += batch.length;
    if (batch.length > 0) this.handlers.events(batch);
    if (lost) this.handlers.lost();
    if (this.closed) return;
    if (more) setImmediate(() => this.drain());
    else this.arm();
  }

  private fail(why: string): void {
    if (this.closed) return;
    this.close();
    this.handlers.failed(why);
  }
}
