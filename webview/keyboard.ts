// Keyboard navigation (a roving tabindex: one focusable card at a time, so Tab leaves the graph).
// On a card: ↑ parent, ↓ first drawn child (namespace or group), ←/→ neighbours in the same row, Home the root,
// Enter select (reveals in the tree; opens or closes a group), E expand/collapse, R into its process rows, F fit to view.
// On a process row: ↑/↓ previous/next row, Enter select, Escape back to its card.

import type { GraphModel } from './model';
import type { TreeLayout } from './layout';

export interface KeyHost {
  model: GraphModel;
  layout: TreeLayout;
  card(key: string): HTMLElement | undefined;
  focusCard(key: string): void;
  selectNamespace(key: string): void;
  selectProcess(procKey: string): void;
  toggle(key: string): void;
  fit(): void;
}

export function handleKey(host: KeyHost, ev: KeyboardEvent): void {
  const target = ev.target as HTMLElement;
  if (target.closest('vscode-textfield, vscode-button')) return;
  const row = target.closest<HTMLElement>('.row');
  const card = target.closest<HTMLElement>('.card');
  if (!card?.dataset.key) return;
  const handled = row ? rowKey(host, row, card, ev.key) : cardKey(host, card.dataset.key, ev.key);
  if (handled) ev.preventDefault();
}

function cardKey(host: KeyHost, key: string, k: string): boolean {
  const { model } = host;
  const go = (next: string | undefined): boolean => {
    if (next) host.focusCard(next);
    return true;
  };
  switch (k) {
    case 'ArrowUp':
      return go(host.layout.parentOf(key));
    case 'ArrowDown':
      return go(host.layout.childrenOf(key)[0]);
    case 'ArrowLeft':
    case 'ArrowRight':
      return go(rowNeighbour(host, key, k === 'ArrowLeft' ? -1 : 1));
    case 'Home':
      return go(model.roots[0]);
    case 'Enter':
    case ' ':
      host.selectNamespace(key);
      return true;
    case 'e':
    case 'E':
      host.toggle(key);
      return true;
    case 'r':
    case 'R': {
      const first = host.card(key)?.querySelector<HTMLElement>('.row:not(.exit)');
      first?.focus();
      return true;
    }
    case 'f':
    case 'F':
      host.fit();
      return true;
  }
  return false;
}

function rowKey(host: KeyHost, row: HTMLElement, card: HTMLElement, k: string): boolean {
  switch (k) {
    case 'ArrowUp':
    case 'ArrowDown': {
      let next = (k === 'ArrowUp' ? row.previousElementSibling : row.nextElementSibling) as HTMLElement | null;
      while (next?.classList.contains('exit'))
        next = (k === 'ArrowUp' ? next.previousElementSibling : next.nextElementSibling) as HTMLElement | null;
      next?.focus();
      return true;
    }
    case 'Enter':
    case ' ':
      if (row.dataset.key) host.selectProcess(row.dataset.key);
      return true;
    case 'Escape':
      card.focus();
      return true;
  }
  return false;
}

/** The card left or right of this one in the same row of the drawing, by position. */
function rowNeighbour(host: KeyHost, key: string, dir: -1 | 1): string | undefined {
  const here = host.layout.places.get(key);
  if (!here) return undefined;
  let best: string | undefined;
  let bestDx = Infinity;
  for (const [k, p] of host.layout.places) {
    const dx = (p.x - here.x) * dir;
    // Same depth; in a wrapped grid, the same grid row first.
    const cost = dx + Math.abs(p.y - here.y) * 1e6;
    if (p.depth === here.depth && dx > 0 && cost < bestDx) {
      best = k;
      bestDx = cost;
    }
  }
  return best;
}
