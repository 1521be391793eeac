// A group card stands for many sibling namespaces with the same init command (webview/groups.ts):
// its title carries the count, a button (or Enter, or E) opens it in place, and its search box brings
// matching members out as cards of their own. Same skeleton classes as a namespace card, so the
// theme, focus and semantic-zoom styles of graph.css apply to both.

import { groupTitle, MAX_MATCHES, type GroupInfo } from './groups';
import type { GraphModel } from './model';
import { nsTitle } from './cards';

/** Height of a group card: the header of a namespace card and one search line (geometry.ts sizes). */
export const GROUP_H = 48 + 34 + 8;

export function createGroupCard(key: string): HTMLElement {
  const card = el('div', 'card group collapsed');
  card.dataset.key = key;
  card.setAttribute('role', 'treeitem');
  card.tabIndex = -1;
  const head = el('div', 'card-head');
  const toggle = el('vscode-button', 'toggle group-toggle');
  toggle.setAttribute('secondary', '');
  // The title gets the whole first line (the count and the init must both show); the button sits by the search box.
  head.append(el('span', 'title'), el('span', 'meta'));
  const box = el('div', 'collapsed-box');
  const filter = el('vscode-textfield', 'filter group-filter');
  filter.setAttribute('placeholder', 'Find inode, PID, name');
  filter.setAttribute('aria-label', 'Find namespaces in this group by inode, init PID or command');
  box.append(el('span', 'count'), filter, toggle);
  card.append(head, box);
  return card;
}

export function updateGroupCard(card: HTMLElement, model: GraphModel, g: GroupInfo, filter: string): void {
  const title = groupTitle(g);
  const parent = model.namespaces.get(g.parent);
  const meta = [`in ${parent ? nsTitle(parent) : '?'}`, `${g.processes} process${g.processes === 1 ? '' : 'es'}`];
  if (g.nested > 0) meta.push(`${g.nested} nested below`);
  setText(card.querySelector('.title'), title);
  setText(card.querySelector('.meta'), meta.join(' · '));
  card.dataset.count = String(g.members.length);
  card.dataset.nested = String(g.nested);
  card.classList.toggle('open', g.open);
  const toggle = card.querySelector('.toggle')!;
  setText(toggle, g.open ? 'Collapse' : 'Expand');
  toggle.setAttribute('aria-label', `${g.open ? 'Collapse' : 'Expand'} ${title}`);
  card.setAttribute('aria-expanded', String(g.open));
  card.setAttribute('aria-label', `Group of ${title}, ${meta.join(', ')}`);
  let count = g.open ? 'members follow →' : '';
  if (!g.open && filter.trim() !== '')
    count = g.matches.length === 0 ? 'no match' : `${g.matches.length}${g.matches.length === MAX_MATCHES ? '+' : ''} shown`;
  setText(card.querySelector('.count'), count);
  const field = card.querySelector<HTMLElement & { value: string }>('.filter');
  if (field && field.value !== filter) field.value = filter;
}

function setText(node: Element | null, text: string): void {
  if (node && node.textContent !== text) node.textContent = text;
}

function el(tag: string, className: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}
