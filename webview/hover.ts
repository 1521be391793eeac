// Hover explanations, the point of the graph:
//  - on a process: its PID at every level with that level's namespace, and in every ancestor's card
//    the PID under which that namespace's /proc lists it;
//  - on a namespace: everything its /proc lists, i.e. its own processes and all its descendants'.

import { alignLevels } from '../shared/core/levels';
import type { ProcessInfo } from '../shared/core/types';

import type { GraphModel } from './model';
import { nsTitle } from './cards';
import { nsKey } from '../shared/core/identity';

export interface HoverHost {
  model: GraphModel;
  world: HTMLElement;
  tooltip: HTMLElement;
  card(key: string): HTMLElement | undefined;
}

export class Hover {
  private marked: HTMLElement[] = [];

  constructor(private readonly host: HoverHost) {}

  showProcess(p: ProcessInfo, row: HTMLElement, at: { x: number; y: number }): void {
    this.clear();
    const { model } = this.host;
    const levels = alignLevels(model.chain(nsKey({ dev: p.nsDev, inode: p.ns })), p.nspid);
    const lines = [`${p.comm} — PID at each level`];
    levels.forEach(({ level, ns: key, pid }) => {
      const ns = key === undefined ? undefined : model.namespaces.get(key);
      lines.push(`L${level}  ${ns ? nsTitle(ns) : '?'}  PID ${pid}`);
      const card = key === undefined ? undefined : this.host.card(key);
      if (!card || level === levels.length - 1) return;
      // The ancestor's card gets a marker: what `ls /procK` in that namespace shows for this process.
      const seen = card.querySelector('.seen') as HTMLElement;
      seen.textContent = `/proc here lists ${p.comm} as PID ${pid}`;
      this.mark(card, 'seen-on');
    });
    this.mark(row, 'hover');
    this.tip(lines, at);
  }

  showNamespace(key: string, at: { x: number; y: number }): void {
    this.clear();
    const { model, world } = this.host;
    const ns = model.namespaces.get(key);
    if (!ns) return;
    const subtree = model.subtree(key);
    for (const k of subtree) {
      const card = this.host.card(k);
      if (card) this.mark(card, 'visible-from');
    }
    const own = model.memberCount(key);
    const total = model.visibleCount(key);
    world.classList.add('ns-hover');
    // graph.css highlights column L<level> in the visible cards: the PIDs this namespace's /proc shows.
    world.dataset.hlLevel = String(ns.level);
    this.tip(
      [
        `${nsTitle(ns)} (level ${ns.level})`,
        `its /proc lists ${total} process${total === 1 ? '' : 'es'}:`,
        `${own} of its own + ${total - own} in ${subtree.length - 1} descendant namespace${subtree.length === 2 ? '' : 's'}`,
      ],
      at,
    );
  }

  clear(): void {
    for (const e of this.marked) e.classList.remove('seen-on', 'hover', 'visible-from');
    this.marked = [];
    this.host.world.classList.remove('ns-hover');
    delete this.host.world.dataset.hlLevel;
    this.host.tooltip.hidden = true;
  }

  private mark(e: HTMLElement, cls: string): void {
    e.classList.add(cls);
    this.marked.push(e);
  }

  private tip(lines: string[], at: { x: number; y: number }): void {
    const t = this.host.tooltip;
    t.replaceChildren(
      ...lines.map((line, i) => {
        const div = document.createElement('div');
        if (i === 0) div.className = 'tip-title';
        div.textContent = line;
        return div;
      }),
    );
    t.hidden = false;
    // Keep it on screen: flip to the other side of the pointer near the right or bottom edge.
    const x = at.x + 14 + t.offsetWidth > window.innerWidth ? at.x - 14 - t.offsetWidth : at.x + 14;
    const y = at.y + 14 + t.offsetHeight > window.innerHeight ? at.y - 14 - t.offsetHeight : at.y + 14;
    t.style.left = `${Math.max(0, Math.round(x))}px`;
    t.style.top = `${Math.max(0, Math.round(y))}px`;
  }
}
