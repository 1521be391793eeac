// The minimap: the whole drawing in a small box in the viewport's corner, one rectangle per card
// (groups and the selection marked) and the part on screen as a frame; a click or a drag there moves
// the view to that spot. Off until its toolbar button turns it on (it covers a corner of the drawing),
// and hidden while the whole drawing is on screen anyway. A pointer convenience:
// the keyboard has its own ways round the graph (keyboard.ts), so it is aria-hidden.

import type { ZoomTransform } from 'd3-zoom';
import type { Place } from './layout';

const SVG = 'http://www.w3.org/2000/svg';
/** Largest size of the minimap in CSS pixels; the drawing's aspect decides the rest. */
const MAX_W = 200;
const MAX_H = 140;

interface Bounds {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** What the minimap draws, read when it draws (nothing is drawn while it is off). */
export interface MinimapSource {
  places: ReadonlyMap<string, Place>;
  bounds(): Bounds;
  isGroup(key: string): boolean;
  selected(): string | undefined;
  transform(): ZoomTransform;
  size(): { w: number; h: number };
  /** Centre the view on this world point. */
  moveTo(x: number, y: number): void;
}

export class Minimap {
  private readonly cards: SVGGElement;
  private readonly frame: SVGRectElement;
  /** World → minimap: mini = (world - origin) * scale. */
  private scale = 1;
  private origin = { x: 0, y: 0 };
  private bounds: Bounds = { x0: 0, y0: 0, x1: 1, y1: 1 };
  private dragging = false;
  /** The layout changed while the minimap was off: draw when it is turned on. */
  private stale = true;

  constructor(
    private readonly svg: SVGSVGElement,
    private readonly button: HTMLElement | undefined,
    private readonly source: MinimapSource,
    shown: boolean,
    onToggle: () => void,
  ) {
    svg.setAttribute('aria-hidden', 'true');
    this.cards = document.createElementNS(SVG, 'g');
    this.frame = document.createElementNS(SVG, 'rect');
    this.frame.setAttribute('class', 'mini-frame');
    svg.append(this.cards, this.frame);
    this.show(shown);
    button?.addEventListener('click', () => {
      this.show(!this.shown);
      onToggle();
    });
    svg.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      this.dragging = true;
      svg.setPointerCapture(ev.pointerId);
      this.follow(ev);
      ev.preventDefault();
    });
    svg.addEventListener('pointermove', (ev) => {
      if (this.dragging) this.follow(ev);
    });
    const stop = (ev: PointerEvent): void => {
      this.dragging = false;
      if (svg.hasPointerCapture(ev.pointerId)) svg.releasePointerCapture(ev.pointerId);
    };
    svg.addEventListener('pointerup', stop);
    svg.addEventListener('pointercancel', stop);
  }

  get shown(): boolean {
    return !this.svg.hasAttribute('hidden');
  }

  private show(on: boolean): void {
    this.svg.toggleAttribute('hidden', !on);
    this.button?.setAttribute('aria-pressed', String(on));
    this.button?.toggleAttribute('secondary', !on);
    if (on && this.stale) this.draw();
  }

  /** The layout moved cards: redraw them (later, if the minimap is off). */
  draw(): void {
    if (!this.shown) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const bounds = (this.bounds = this.source.bounds());
    const bw = Math.max(1, bounds.x1 - bounds.x0);
    const bh = Math.max(1, bounds.y1 - bounds.y0);
    this.scale = Math.min(MAX_W / bw, MAX_H / bh);
    this.origin = { x: bounds.x0, y: bounds.y0 };
    this.svg.setAttribute('width', String(Math.ceil(bw * this.scale)));
    this.svg.setAttribute('height', String(Math.ceil(bh * this.scale)));
    const selected = this.source.selected();
    const rects: SVGRectElement[] = [];
    for (const [key, p] of this.source.places) {
      const r = document.createElementNS(SVG, 'rect');
      r.setAttribute('class', `mini-card${this.source.isGroup(key) ? ' mini-group' : ''}${key === selected ? ' mini-selected' : ''}`);
      r.setAttribute('x', this.fmt((p.x - this.origin.x) * this.scale));
      r.setAttribute('y', this.fmt((p.y - this.origin.y) * this.scale));
      // At least a pixel, so a card is never lost from the overview however small it is drawn.
      r.setAttribute('width', this.fmt(Math.max(1, p.w * this.scale)));
      r.setAttribute('height', this.fmt(Math.max(1, p.h * this.scale)));
      r.dataset.key = key;
      rects.push(r);
    }
    this.cards.replaceChildren(...rects);
    this.setView();
  }

  /** The selection changed: mark its namespace's card. */
  select(): void {
    if (!this.shown) return;
    const key = this.source.selected();
    this.cards.querySelector('.mini-selected')?.classList.remove('mini-selected');
    if (key === undefined) return;
    for (const r of this.cards.children) if ((r as SVGElement).dataset.key === key) r.classList.add('mini-selected');
  }

  /** The part of the world on screen, as a frame; the minimap hides while all of the drawing is on screen. */
  setView(): void {
    if (!this.shown) return;
    const t = this.source.transform();
    const size = this.source.size();
    const [x0, y0] = t.invert([0, 0]);
    const [x1, y1] = t.invert([size.w, size.h]);
    const b = this.bounds;
    this.svg.classList.toggle('all-in-view', x0 <= b.x0 && y0 <= b.y0 && x1 >= b.x1 && y1 >= b.y1);
    this.frame.setAttribute('x', this.fmt((x0 - this.origin.x) * this.scale));
    this.frame.setAttribute('y', this.fmt((y0 - this.origin.y) * this.scale));
    this.frame.setAttribute('width', this.fmt((x1 - x0) * this.scale));
    this.frame.setAttribute('height', this.fmt((y1 - y0) * this.scale));
  }

  private follow(ev: PointerEvent): void {
    const r = this.svg.getBoundingClientRect();
    this.source.moveTo(this.origin.x + (ev.clientX - r.left) / this.scale, this.origin.y + (ev.clientY - r.top) / this.scale);
  }

  private fmt(n: number): string {
    return n.toFixed(1);
  }
}
