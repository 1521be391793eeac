// What the graph draws, as opposed to what the model holds: a host with hundreds of sibling PID
// namespaces (one per container) cannot show a card for each and stay readable. Below a parent with
// many children the biggest few stay cards of their own; the rest are collapsed into group cards by
// the command name of their PID 1 ("287 namespaces · init sh"), each expanding in place. Namespaces
// that must stay visible (created here, the view's own, the selection and their ancestors) are never
// grouped. No DOM here, so it is tested in plain Node.

import type { GraphModel } from './model';

/** A parent with more children than this groups some of them. */
export const GROUP_ABOVE = 12;
/** Children of such a parent that stay cards of their own, biggest (most processes) first. */
export const KEEP_BIGGEST = 10;
/** Fewer namespaces with the same init than this are not worth a group of their own... */
const MIN_GROUP = 3;
/** ...unless more than this many such stragglers are left over: then they form one "other" group. */
const MAX_STRAGGLERS = 6;
/** Members a group's search brings out as cards of their own. */
export const MAX_MATCHES = 20;

export const GROUP_PREFIX = 'group ';

export interface GroupInfo {
  key: string;
  parent: string;
  /** Init command name the members share, or null for the "other" group. */
  comm: string | null;
  /** Namespace keys, in the parent's order. */
  members: string[];
  /** Namespaces below the members (hidden with them while the group is closed). */
  nested: number;
  /** Processes in the members and below them. */
  processes: number;
  open: boolean;
  /** Members drawn as cards while the group is closed: those its search matched. */
  matches: string[];
}

export interface DisplayTree {
  roots: string[];
  /** Drawn children of each drawn node (namespace or group key), in drawing order. */
  children: Map<string, string[]>;
  /** Drawn parent of each drawn node. */
  parent: Map<string, string>;
  groups: Map<string, GroupInfo>;
  /** Every namespace key that has a card. */
  shown: Set<string>;
}

export interface GroupUi {
  /** Group keys the user opened. */
  open: Set<string>;
  /** Search text typed into a group card. */
  filters: Map<string, string>;
}

export function isGroupKey(key: string): boolean {
  return key.startsWith(GROUP_PREFIX);
}

export function groupKey(parent: string, comm: string | null): string {
  return `${GROUP_PREFIX}${parent} ${comm === null ? '*' : `=${comm}`}`;
}

/** `pinned`: namespaces that must have a card; their ancestors get one too. */
export function displayTree(model: GraphModel, ui: GroupUi, pinned: Iterable<string>): DisplayTree {
  const keep = new Set<string>();
  for (const key of pinned) if (model.namespaces.has(key)) for (const k of model.chain(key)) keep.add(k);
  const out: DisplayTree = { roots: [...model.roots], children: new Map(), parent: new Map(), groups: new Map(), shown: new Set() };
  const stack = [...model.roots];
  const show = (key: string, parent?: string): void => {
    out.shown.add(key);
    if (parent !== undefined) out.parent.set(key, parent);
    stack.push(key);
  };
  model.roots.forEach((k) => out.shown.add(k));
  while (stack.length > 0) {
    const key = stack.pop()!;
    const kids = model.children.get(key) ?? [];
    if (kids.length === 0) continue;
    const drawn: string[] = [];
    const add = (k: string): void => {
      drawn.push(k);
      if (!isGroupKey(k)) show(k, key);
      else out.parent.set(k, key);
    };
    if (kids.length <= GROUP_ABOVE) kids.forEach(add);
    else for (const k of groupChildren(model, ui, key, kids, keep, out.groups)) add(k);
    out.children.set(key, drawn);
  }
  return out;
}

/** The drawn children of a parent with many: pinned, then groups (each followed by its shown members), then the biggest. */
function groupChildren(
  model: GraphModel,
  ui: GroupUi,
  parent: string,
  kids: string[],
  keep: Set<string>,
  groups: Map<string, GroupInfo>,
): string[] {
  const size = new Map(kids.map((k) => [k, model.visibleCount(k)]));
  const pinned = kids.filter((k) => keep.has(k));
  const rest = kids.filter((k) => !keep.has(k));
  // Stable order among equals (the model sorts siblings in the core's order), so the same namespaces stay out.
  const biggest = [...rest].sort((a, b) => size.get(b)! - size.get(a)!).slice(0, KEEP_BIGGEST);
  const big = new Set(biggest);
  const buckets = new Map<string, string[]>();
  for (const k of rest) {
    if (big.has(k)) continue;
    const ns = model.namespaces.get(k)!;
    const comm = model.initComm(ns) ?? '(no init)';
    const list = buckets.get(comm);
    if (list) list.push(k);
    else buckets.set(comm, [k]);
  }
  const made: GroupInfo[] = [];
  const stragglers: string[] = [];
  for (const [comm, members] of buckets) {
    if (members.length >= MIN_GROUP) made.push(makeGroup(model, ui, parent, comm, members));
    else stragglers.push(...members);
  }
  const loose: string[] = [];
  if (stragglers.length > MAX_STRAGGLERS)
    made.push(
      makeGroup(
        model,
        ui,
        parent,
        null,
        stragglers.sort((a, b) => kids.indexOf(a) - kids.indexOf(b)),
      ),
    );
  else loose.push(...stragglers);
  made.sort((a, b) => b.members.length - a.members.length || (a.comm ?? '\uffff').localeCompare(b.comm ?? '\uffff'));
  const drawn = [...pinned];
  for (const g of made) {
    groups.set(g.key, g);
    drawn.push(g.key, ...(g.open ? g.members : g.matches));
  }
  drawn.push(...biggest, ...loose);
  return drawn;
}

function makeGroup(model: GraphModel, ui: GroupUi, parent: string, comm: string | null, members: string[]): GroupInfo {
  const key = groupKey(parent, comm);
  let nested = 0;
  let processes = 0;
  for (const m of members) {
    const sub = model.subtree(m);
    nested += sub.length - 1;
    for (const k of sub) processes += model.memberCount(k);
  }
  const open = ui.open.has(key);
  const filter = (ui.filters.get(key) ?? '').trim().toLowerCase();
  const matches = open || filter === '' ? [] : members.filter((k) => nsMatches(model, k, filter)).slice(0, MAX_MATCHES);
  return { key, parent, comm, members, nested, processes, open, matches };
}

/** A group's search: the namespace's inode, its init's PID (host or own) or command, or a member's command. */
export function nsMatches(model: GraphModel, key: string, filter: string): boolean {
  const ns = model.namespaces.get(key);
  if (!ns) return false;
  if (String(ns.inode).includes(filter) || (ns.init !== null && String(ns.init) === filter)) return true;
  for (const p of model.members.get(key)?.values() ?? []) if (p.comm.toLowerCase().includes(filter)) return true;
  return false;
}

export function groupTitle(g: GroupInfo): string {
  const n = `${g.members.length} namespace${g.members.length === 1 ? '' : 's'}`;
  return g.comm === null ? `${n} · other inits` : `${n} · init ${g.comm}`;
}
