// `pidns tree`: the snapshot as a text tree that fits a terminal (80 columns by default). One node per
// namespace (pid:[inode], level, init), under it its processes with their PID at every level, outermost
// first, then its child namespaces. ANSI colour only when asked (the CLI asks when stdout is a tty).
import { shortId } from './containerOf';
import { containerKey, containerLabel, podLabel } from './containers';
import { persistentText } from './holders';
import { ModelIndex } from './modelIndex';
import type { ContainerInfo, NamespaceInfo, ProcessInfo, Snapshot } from './types';
import { inferredSummary, nsName } from './nsName';

export interface TreeOptions {
  width?: number;
  color?: boolean;
}

type Style = 'ns' | 'hidden' | 'comm' | 'own' | 'dim' | 'plain';
type Segment = [text: string, style: Style];

const ANSI: Record<Style, string> = { ns: '\x1b[1;36m', hidden: '\x1b[2;36m', comm: '\x1b[32m', own: '\x1b[1m', dim: '\x1b[2m', plain: '' };
/** Guides are 3 columns per level for the first levels, then 1 (plus a 2-column branch), so a 32-deep chain still leaves room for text. */
const WIDE_LEVELS = 8;
const COMM_COLUMNS = 15;
const COMM_COLUMNS_DEEP = 8;

/** Control characters in a comm would move the cursor; show them as '?'. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, '?');
}

/** `28939 / 5 / 4 / 3 / 2 / 1`, with middle entries elided as `…` when it would exceed `room` columns. */
export function formatNspid(nspid: readonly number[], room: number): string {
  const full = nspid.join(' / ');
  if (full.length <= room || nspid.length <= 4) return full;
  for (let keepTail = nspid.length - 2; keepTail >= 2; keepTail--) {
    const s = [nspid[0], '…', ...nspid.slice(nspid.length - keepTail)].join(' / ');
    if (s.length <= room) return s;
  }
  return [nspid[0], '…', ...nspid.slice(-2)].join(' / ');
}

function render(segments: Segment[], width: number, color: boolean): string {
  let left = width;
  let out = '';
  for (const [text, style] of segments) {
    if (left <= 0) break;
    let t = text;
    if (t.length > left) t = t.slice(0, Math.max(0, left - 1)) + '…';
    left -= t.length;
    out += color && ANSI[style] ? `${ANSI[style]}${t}\x1b[0m` : t;
  }
  return out.replace(/\s+$/, '');
}

function guide(depth: number, last: boolean): string {
  if (depth <= WIDE_LEVELS) return last ? '└─ ' : '├─ ';
  return last ? '└ ' : '├ ';
}

function continuation(depth: number, last: boolean): string {
  if (depth <= WIDE_LEVELS) return last ? '   ' : '│  ';
  return last ? ' ' : '│';
}

/** `web (docker)`, `shop/web-0 › web (containerd)`; several containers in one namespace in name order, joined by ', '. */
export function containersText(containers: readonly ContainerInfo[]): string {
  const byEngine = new Map<string, string[]>();
  for (const c of containers) {
    // The engine follows in parentheses, so an unnamed one shows its short id alone.
    const label = (c.pod === undefined ? '' : `${podLabel(c.pod)} › `) + printable(c.name ?? shortId(c.id));
    byEngine.set(c.engine, [...(byEngine.get(c.engine) ?? []), label]);
  }
  return [...byEngine].map(([engine, labels]) => `${labels.sort().join(', ')} (${engine})`).join(', ');
}

function nsHeader(ns: NamespaceInfo, snapshot: Snapshot, compact: boolean): Segment[] {
  const self = ns.inode === snapshot.self.nsInode;
  // Deep in a long chain the guides eat the width: abbreviate so level and init stay readable.
  const facts = compact
    ? [`L${ns.level}`, ns.init === null ? '-' : `init ${ns.init}`]
    : [`level ${ns.level}`, ns.init === null ? 'no init' : `init ${ns.init}`];
  // A namespace held by a bind mount or an open fd says so ("no processes · held by mount /run/x") instead of "hidden".
  const held = persistentText(ns);
  if (held !== null) facts.push(held);
  else if (ns.hidden) facts.push('hidden');
  if (self) facts.push('self');
  const segments: Segment[] = [
    [nsName(ns.inode), ns.hidden ? 'hidden' : 'ns'],
    [compact ? ` ${facts.join(' ')}` : `  ${facts.join(' · ')}`, 'dim'],
  ];
  const containers = (snapshot.containers ?? []).filter((c) => c.pidNs === ns.inode);
  if (containers.length > 0) segments.splice(1, 0, [`  ${containersText(containers)}`, 'comm']);
  return segments;
}

function processLine(p: ProcessInfo, prefix: string, width: number, container?: ContainerInfo): Segment[] {
  const name = printable(p.comm);
  const cols = prefix.length > width / 2 ? COMM_COLUMNS_DEEP : COMM_COLUMNS;
  // Kernel worker names can be long; cut them so the PID columns stay aligned.
  const comm = (name.length > cols ? name.slice(0, cols - 1) + '…' : name).padEnd(cols);
  const room = width - prefix.length - cols - 2;
  const pids = formatNspid(p.nspid, room);
  const cut = pids.lastIndexOf(' / ');
  const segments: Segment[] = [
    [prefix, 'dim'],
    [comm + '  ', 'comm'],
    [cut < 0 ? '' : pids.slice(0, cut + 3), 'plain'],
    [cut < 0 ? pids : pids.slice(cut + 3), 'own'],
  ];
  // unshare(CLONE_NEWPID) or setns done: its next child lands in another namespace.
  if (p.pendingNs !== undefined) segments.push([`  children→${nsName(p.pendingNs)}`, 'dim']);
  if (container !== undefined) segments.push([`  in ${printable(containerLabel(container))}`, 'dim']);
  return segments;
}

function renderNamespace(
  index: ModelIndex,
  ns: NamespaceInfo,
  prefix: string,
  depth: number,
  last: boolean,
  root: boolean,
  opts: Required<TreeOptions>,
  lines: string[],
): void {
  const head = root ? '' : guide(depth, last);
  lines.push(render([[prefix + head, 'dim'], ...nsHeader(ns, index.snapshot, prefix.length > opts.width / 2)], opts.width, opts.color));
  const inner = root ? prefix : prefix + continuation(depth, last);
  const procs = index.processes(ns);
  const kids = index.children(ns);
  // Name the container on a process line where the header does not say it alone: a namespace shared by
  // several containers, or one nested inside a container (its header names none).
  const here = index.containersOf(ns);
  procs.forEach((p, i) => {
    const isLast = i === procs.length - 1 && kids.length === 0;
    const c = index.containerOf(p);
    const say = c !== undefined && !(here.length === 1 && containerKey(here[0]) === containerKey(c)) ? c : undefined;
    lines.push(render(processLine(p, inner + guide(depth + 1, isLast), opts.width, say), opts.width, opts.color));
  });
  kids.forEach((k, i) => renderNamespace(index, k, inner, depth + 1, i === kids.length - 1, false, opts, lines));
}

export function renderTree(snapshot: Snapshot, options: TreeOptions = {}): string {
  const opts: Required<TreeOptions> = { width: Math.max(40, options.width ?? 80), color: options.color ?? false };
  const index = new ModelIndex(snapshot);
  const lines: string[] = [];
  const summary = `${snapshot.namespaces.length} PID namespaces, ${snapshot.processes.length} processes, scanned as uid ${snapshot.scannedAsUid}`;
  lines.push(render([[summary, 'dim']], opts.width, opts.color));
  if (snapshot.unreadable > 0) {
    const why = snapshot.scannedAsUid === 0 ? 'not readable' : 'not readable as this user (run as root to see all)';
    lines.push(
      render([[`${snapshot.unreadable} ${snapshot.unreadable === 1 ? 'process' : 'processes'} ${why}`, 'dim']], opts.width, opts.color),
    );
  }
  const inferred = snapshot.namespaces.filter((n) => n.inferred && !n.hidden).length;
  if (inferred > 0) {
    lines.push(render([[inferredSummary(inferred), 'dim']], opts.width, opts.color));
  }
  if (index.root) renderNamespace(index, index.root, '', 0, true, true, opts, lines);
  return lines.join('\n') + '\n';
}
