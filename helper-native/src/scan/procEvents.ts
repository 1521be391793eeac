// The proc connector's wire format (linux/cn_proc.h, linux/connector.h, linux/netlink.h), parsed from
// bytes: pure functions, so the unit tests can feed recorded datagrams. One datagram is one netlink
// message: nlmsghdr (16 bytes) + cn_msg (20) + proc_event {what u32, cpu u32, timestamp_ns u64, union}.
// Little-endian only (x86-64, arm64, riscv64: the platforms the helper is packaged for).

export const NLMSG_HDR = 16;
export const CN_MSG_HDR = 20;
/** Offset of proc_event in the datagram, and of its union (after what, cpu, timestamp_ns). */
const EVENT_AT = NLMSG_HDR + CN_MSG_HDR;
const DATA_AT = EVENT_AT + 16;

export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
export const CN_IDX_PROC = 1;
export const CN_VAL_PROC = 1;
export const PROC_CN_MCAST_LISTEN = 1;
export const PROC_CN_MCAST_IGNORE = 2;

export const PROC_EVENT = {
  NONE: 0x0,
  FORK: 0x1,
  EXEC: 0x2,
  UID: 0x4,
  GID: 0x40,
  SID: 0x80,
  PTRACE: 0x100,
  COMM: 0x200,
  NONZERO_EXIT: 0x20000000,
  COREDUMP: 0x40000000,
  EXIT: 0x80000000,
} as const;

/**
 * What the stream needs from one event. PIDs are the kernel's global ones (the initial PID namespace's),
 * which are the helper's own when it runs there (the only place the kernel delivers events to).
 * `pid` is the thread, `tgid` its process; the helper tracks processes (thread-group leaders) only.
 */
export type ProcEvent =
  | { kind: 'ack'; err: number; ack: number }
  | { kind: 'fork'; parentPid: number; parentTgid: number; childPid: number; childTgid: number }
  | { kind: 'exec'; pid: number; tgid: number }
  | { kind: 'id'; pid: number; tgid: number; which: 'uid' | 'gid' }
  | { kind: 'comm'; pid: number; tgid: number; comm: string }
  | { kind: 'exit'; pid: number; tgid: number; parentTgid: number }
  | { kind: 'other'; what: number; pid: number; tgid: number };

/** Why a datagram was not an event: a netlink-level error or overrun, or bytes too short to be one. */
export type ParseProblem =
  | { kind: 'nlerror'; errno: number }
  | { kind: 'overrun' }
  | { kind: 'malformed'; why: string }
  | { kind: 'foreign'; idx: number; val: number };

export type Parsed = ProcEvent | ParseProblem;

/** Parse one datagram of `len` bytes (the proc connector sends exactly one message per datagram). */
export function parseProcEvent(buf: Buffer, len = buf.length): Parsed {
  if (len < NLMSG_HDR) return { kind: 'malformed', why: `datagram of ${len} bytes is shorter than a netlink header` };
  const nlLen = buf.readUInt32LE(0);
  const type = buf.readUInt16LE(4);
  if (nlLen < NLMSG_HDR || nlLen > len) return { kind: 'malformed', why: `netlink length ${nlLen} in a ${len}-byte datagram` };
  if (type === NLMSG_ERROR) return { kind: 'nlerror', errno: nlLen >= NLMSG_HDR + 4 ? -buf.readInt32LE(NLMSG_HDR) : 0 };
  if (type === NLMSG_OVERRUN) return { kind: 'overrun' };
  if (nlLen < EVENT_AT) return { kind: 'malformed', why: `netlink message of ${nlLen} bytes has no connector header` };
  const idx = buf.readUInt32LE(NLMSG_HDR);
  const val = buf.readUInt32LE(NLMSG_HDR + 4);
  if (idx !== CN_IDX_PROC || val !== CN_VAL_PROC) return { kind: 'foreign', idx, val };
  // cn_msg.seq is the kernel's per-CPU event counter; an ack names its request by cn_msg.ack = request's ack + 1.
  const ack = buf.readUInt32LE(NLMSG_HDR + 12);
  const cnLen = buf.readUInt16LE(NLMSG_HDR + 16);
  if (cnLen < 16 || EVENT_AT + cnLen > nlLen)
    return { kind: 'malformed', why: `connector payload of ${cnLen} bytes in a ${nlLen}-byte message` };
  const what = buf.readUInt32LE(EVENT_AT);
  const end = EVENT_AT + cnLen;
  const u32 = (i: number): number => (DATA_AT + 4 * (i + 1) <= end ? buf.readUInt32LE(DATA_AT + 4 * i) : -1);
  const need = (words: number): ParseProblem | null =>
    DATA_AT + 4 * words <= end
      ? null
      : { kind: 'malformed', why: `event 0x${what.toString(16)} needs ${words * 4} bytes of data, has ${end - DATA_AT}` };
  switch (what) {
    case PROC_EVENT.NONE:
      return need(1) ?? { kind: 'ack', err: u32(0), ack };
    case PROC_EVENT.FORK:
      return need(4) ?? { kind: 'fork', parentPid: u32(0), parentTgid: u32(1), childPid: u32(2), childTgid: u32(3) };
    case PROC_EVENT.EXEC:
      return need(2) ?? { kind: 'exec', pid: u32(0), tgid: u32(1) };
    case PROC_EVENT.UID:
    case PROC_EVENT.GID:
      return need(2) ?? { kind: 'id', pid: u32(0), tgid: u32(1), which: what === PROC_EVENT.UID ? 'uid' : 'gid' };
    case PROC_EVENT.COMM: {
      const bad = need(2 + 4);
      if (bad) return bad;
      const raw = buf.subarray(DATA_AT + 8, DATA_AT + 24);
      const nul = raw.indexOf(0);
      return { kind: 'comm', pid: u32(0), tgid: u32(1), comm: raw.toString('utf8', 0, nul < 0 ? 16 : nul) };
    }
    case PROC_EVENT.EXIT:
      // exit_code, exit_signal, parent_pid, parent_tgid follow pid and tgid; parent fields arrived in 3.x.
      return need(2) ?? { kind: 'exit', pid: u32(0), tgid: u32(1), parentTgid: u32(5) };
    default:
      return need(2) ?? { kind: 'other', what, pid: u32(0), tgid: u32(1) };
  }
}

/** The subscribe (LISTEN) or unsubscribe (IGNORE) request: nlmsghdr + cn_msg + the u32 op. */
export function mcastRequest(op: typeof PROC_CN_MCAST_LISTEN | typeof PROC_CN_MCAST_IGNORE, ack: number): Buffer {
  const len = NLMSG_HDR + CN_MSG_HDR + 4;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(NLMSG_DONE, 4);
  b.writeUInt16LE(0, 6);
  b.writeUInt32LE(0, 8);
  b.writeUInt32LE(0, 12); // nlmsg_pid 0: the kernel fills in our port
  b.writeUInt32LE(CN_IDX_PROC, NLMSG_HDR);
  b.writeUInt32LE(CN_VAL_PROC, NLMSG_HDR + 4);
  b.writeUInt32LE(0, NLMSG_HDR + 8);
  b.writeUInt32LE(ack >>> 0, NLMSG_HDR + 12);
  b.writeUInt16LE(4, NLMSG_HDR + 16);
  b.writeUInt16LE(0, NLMSG_HDR + 18);
  b.writeUInt32LE(op, EVENT_AT);
  return b;
}
