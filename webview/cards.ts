// One namespace card: header (`pid:[inode]`, level, init command, process count), then its member
// processes as rows with one PID column per level from the root down to the namespace's own, so that
// a process's NSpid reads across (the seed's leaf: host 5 4 3 2 1). Large namespaces are collapsed to
// a count and a search box. Text goes in with textContent only: comm is chosen by whoever runs the
// process and must never be parsed as HTML.

import { select } from 'd3-selection';
import { containersText } from '../shared/core/treeText';
import { persistentText } from '../shared/core/holders';
import type { ProcessInfo } from '../shared/core/types';
import { type GraphConfig } from '../shared/webviewProtocol';
import type { GraphModel } from './model';
import type { CardShape } from './geometry';
import { processKey } from '../shared/core/identity';
import { nsName } from '../shared/core/nsName';

/** The user's choices about cards, persisted with setState. */
export interface CardUi {
  /** Explicit expand (true) / collapse (false); absent = by size. */
  expanded: Map<string, boolean>;
  /** Search text of collapsed cards. */
  filters: Map<string, string>;
}

export interface CardRows extends CardShape {
  list: ProcessInfo[];
}

/** What a card draws, from the model and the user's choices. */
export function cardRows(model: GraphModel, key: string, ui: CardUi, config: GraphConfig): CardRows {
  const ns = model.namespaces.get(key);
  const count = model.memberCount(key);
  const collapsed = !(ui.expanded.get(key) ?? count <= config.collapseAbove);
  // Rows the host has not sent yet (they follow the webview's `draw`): the card keeps their place meanwhile.
  if (!model.holds(key)) {
    const rows = collapsed ? 0 : Math.min(count, config.maxRowsPerCard);
    return { level: ns?.level ?? 0, collapsed, rows, hiddenRows: count - rows, list: [] };
  }
  const members = [...(model.members.get(key)?.values() ?? [])];
  const filter = (ui.filters.get(key) ?? '').trim().toLowerCase();
  let list = collapsed ? (filter ? members.filter((p) => matches(p, filter)) : []) : members;
  list.sort((a, b) => ownPid(a) - ownPid(b));
  list = list.slice(0, config.maxRowsPerCard);
  return { level: ns?.level ?? 0, collapsed, rows: list.length, hiddenRows: members.length - list.length, list };
}

function matches(p: ProcessInfo, filter: string): boolean {
  return p.comm.toLowerCase().includes(filter) || p.nspid.some((n) => String(n) === filter);
}

function ownPid(p: ProcessInfo): number {
  return p.nspid[p.nspid.length - 1] ?? p.pid;
}

export function nsTitle(ns: { inode: number }): string {
  return nsName(ns.inode);
}

export function processLabel(p: ProcessInfo): string {
  return `${p.comm}, PID ${ownPid(p)} in its own namespace, PIDs by level from the root: ${p.nspid.join(' ')}`;
}

/** Build the static skeleton of a card once; updateCard fills it. */
export function createCard(key: string): HTMLElement {
  const card = el('div', 'card');
  card.dataset.key = key;
  card.setAttribute('role', 'treeitem');
  card.tabIndex = -1;
  const head = el('div', 'card-head');
  head.append(el('span', 'title'), el('span', 'meta'));
  const collapsedBox = el('div', 'collapsed-box');
  collapsedBox.append(el('span', 'count'));
  card.append(head, collapsedBox, el('div', 'colhead'), el('div', 'rows'), el('div', 'more'), el('div', 'seen'));
  return card;
}

// The web components (toggle button, search box) are made only for the cards that need them: each
// one is a shadow root with its own styles, and hundreds of unused ones doubled the first render.
function ensureToggle(card: HTMLElement): HTMLElement {
  let toggle = card.querySelector<HTMLElement>('.toggle');
  if (!toggle) {
    toggle = el('vscode-button', 'toggle');
    toggle.setAttribute('secondary', '');
    card.querySelector('.card-head')!.append(toggle);
  }
  return toggle;
}

/**
 * The expand/collapse button: always on a collapsed card; on an expanded one it is made when the
 * pointer or focus first comes to the card (and shown on hover, like VS Code's inline actions).
 */
export function syncToggle(card: HTMLElement, model: GraphModel, key: string, rows: CardRows, create: boolean): void {
  const count = model.memberCount(key);
  const want = rows.collapsed || count > 5;
  if (!card.querySelector('.toggle') && !(create && want)) return;
  const toggle = ensureToggle(card);
  toggle.hidden = !want;
  setText(toggle, rows.collapsed ? 'Expand' : 'Collapse');
  toggle.setAttribute(
    'aria-label',
    `${rows.collapsed ? 'Expand' : 'Collapse'} the process list of pid:[${model.namespaces.get(key)?.inode}]`,
  );
}

/** data-vscode-context for VS Code's webview/context menus, on the card or row under the pointer. */
export function setMenuContext(target: HTMLElement, model: GraphModel): void {
  const row = target.closest<HTMLElement>('.row');
  const p = row?.dataset.key ? model.processes.get(row.dataset.key) : undefined;
  if (row && p) {
    row.dataset.vscodeContext = JSON.stringify({
      webviewSection: 'process',
      pid: p.pid,
      startTime: p.startTime,
      preventDefaultContextMenuItems: true,
    });
    return;
  }
  const card = target.closest<HTMLElement>('.card');
  const ns = card?.dataset.key ? model.namespaces.get(card.dataset.key) : undefined;
  if (card && ns)
    card.dataset.vscodeContext = JSON.stringify({
      webviewSection: 'namespace',
      nsInode: ns.inode,
      nsDev: ns.dev,
      preventDefaultContextMenuItems: true,
    });
}

function ensureFilter(card: HTMLElement): void {
  if (card.querySelector('.filter')) return;
  const filter = el('vscode-textfield', 'filter');
  filter.setAttribute('placeholder', 'Search name or PID');
  filter.setAttribute('aria-label', 'Search the processes of this namespace');
  card.querySelector('.collapsed-box')!.append(filter);
}

/** `drawRows` false (zoomed far out): leave the rows as they are; the caller draws them when zoomed in. */
export function updateCard(card: HTMLElement, model: GraphModel, key: string, rows: CardRows, animate: boolean, drawRows = true): void {
  const ns = model.namespaces.get(key);
  if (!ns) return;
  const count = model.memberCount(key);
  const init = model.initComm(ns);
  const containers = model.containersByNs.get(key);
  // Empty and held by a bind mount or an open fd: "no processes · held by mount /run/x" (holders.ts) instead of init and count.
  const held = persistentText(ns);
  const heldEmpty = held !== null && count === 0;
  const facts = heldEmpty
    ? held
    : `init ${init ?? (ns.init === null ? 'none' : String(ns.init))} · ${count} process${count === 1 ? '' : 'es'}${held === null ? '' : ` · ${held}`}`;
  const metaText = `${containers === undefined ? '' : `${containersText(containers)} · `}level ${ns.level} · ${facts}`;
  setText(card.querySelector('.title'), nsTitle(ns));
  setText(card.querySelector('.meta'), metaText);
  card.classList.toggle('hidden-ns', ns.hidden === true && !heldEmpty);
  card.classList.toggle('held-ns', heldEmpty);
  card.classList.toggle('collapsed', rows.collapsed);
  card.classList.toggle('self', key === model.selfKey);
  card.dataset.count = String(count);
  card.style.setProperty('--cols', String(ns.level + 1));
  card.setAttribute('aria-level', String(ns.level + 1));
  card.setAttribute('aria-label', `PID namespace ${nsTitle(ns)}, ${metaText}${ns.hidden && !heldEmpty ? ', no member processes' : ''}`);
  syncToggle(card, model, key, rows, rows.collapsed);
  if (rows.collapsed) ensureFilter(card);
  setText(card.querySelector('.count'), rows.rows > 0 ? `${rows.rows} of ${count} shown` : `${count} hidden`);
  setText(card.querySelector('.more'), rows.hiddenRows > 0 && !rows.collapsed ? `… and ${rows.hiddenRows} more` : '');
  if (!drawRows) return;
  updateColumnHeads(card.querySelector('.colhead') as HTMLElement, model, key, rows.rows > 0);
  updateRows(card.querySelector('.rows') as HTMLElement, rows.list, animate);
}

function updateColumnHeads(head: HTMLElement, model: GraphModel, key: string, shown: boolean): void {
  head.hidden = !shown;
  const chain = model.chain(key);
  const want = chain.length + 1;
  if (head.childElementCount === want) return;
  head.replaceChildren();
  chain.forEach((k, level) => {
    const cell = el('span', `c c${level}`);
    cell.textContent = `L${level}`;
    const ns = model.namespaces.get(k);
    cell.title = ns ? `PID as seen from ${nsTitle(ns)} (level ${level})` : `level ${level}`;
    head.append(cell);
  });
  const comm = el('span', 'comm');
  comm.textContent = 'command';
  head.append(comm);
}

function updateRows(container: HTMLElement, list: ProcessInfo[], animate: boolean): void {
  select(container)
    .selectAll<HTMLElement, ProcessInfo>('div.row')
    // Every row was created by this join, so its bound datum is a ProcessInfo.
    .data(list, (d) => processKey(d))
    .join(
      (enter) => enter.append((d) => createRow(d, animate)),
      (update) =>
        update.each(function (d) {
          refreshRow(this, d);
        }),
      (exit) => (animate ? fadeOut(exit.nodes()) : exit.remove()),
    )
    .order();
}

/** Vanished rows fade out (graph.css) and leave the DOM afterwards, unless a join brought them back. */
export function fadeOut(nodes: Element[]): void {
  for (const node of nodes) {
    if (node.classList.contains('exit')) continue;
    node.classList.add('exit');
    node.classList.remove('enter');
    setTimeout(() => {
      if (node.classList.contains('exit')) node.remove();
    }, 300);
  }
}

function createRow(p: ProcessInfo, animate: boolean): HTMLElement {
  const row = el('div', animate ? 'row enter' : 'row');
  row.dataset.key = processKey(p);
  row.tabIndex = -1;
  p.nspid.forEach((pid, level) => {
    const cell = el('span', `c c${level}`);
    cell.textContent = String(pid);
    row.append(cell);
  });
  row.append(el('span', 'comm'));
  refreshRow(row, p);
  return row;
}

/** comm and state change in place (exec, stop); the PIDs of one process never do. */
function refreshRow(row: HTMLElement, p: ProcessInfo): void {
  row.classList.remove('exit');
  setText(row.lastElementChild, p.comm);
  row.classList.toggle('zombie', p.state === 'Z');
  row.classList.toggle('stopped', p.state === 'T' || p.state === 't');
  row.setAttribute('aria-label', processLabel(p));
}

function setText(node: Element | null, text: string): void {
  if (node && node.textContent !== text) node.textContent = text;
}

function el(tag: string, className: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}
