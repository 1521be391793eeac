// A guided experiment's pointer into the graph (the `highlight` message): the named cards and rows
// outlined, an arrow from one row to another (the orphan to the init that adopted it) and a caption
// over the graph, which stays after the outlines lapse until the host clears it or the person closes it.
// The view calls apply() after every render, so a card or row that is redrawn, or
// that only appears with a later diff, gets its outline too; the highlight itself is kept by key.

import type { Highlight } from '../shared/webviewProtocol';
import { nsKey, processKey } from '../shared/core/identity';

const SVG = 'http://www.w3.org/2000/svg';

/** Where a process row is in world coordinates: its vertical middle and its card's right edge (or its card's title's). */
export interface RowAnchor {
  x: number;
  y: number;
}

/**
 * The arrow between two rows: out of the right edge of `from`, round to the right, into the right edge
 * of `to`. It bows out further the further apart the rows are, so that it clears the card's own edge.
 */
export function arrowPath(from: RowAnchor, to: RowAnchor): string {
  const bow = 56 + Math.abs(to.y - from.y) / 3;
  const right = Math.max(from.x, to.x) + bow;
  return `M${from.x},${from.y}C${right},${from.y} ${right},${to.y} ${to.x},${to.y}`;
}

export interface HighlightDom {
  world: HTMLElement;
  /** The caption is placed over the graph, not in the zoomed world: it stays legible at any zoom. */
  viewport: HTMLElement;
}

export class Highlighter {
  private current: Highlight | null = null;
  private namespaces = new Set<string>();
  private processes = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly caption: HTMLElement;
  private readonly captionText: HTMLElement;
  private readonly arrow: SVGSVGElement;
  private readonly arrowPathEl: SVGPathElement;
  /** Something is outlined in the DOM now (so a render with no highlight need not look). */
  private drawn = false;

  constructor(
    private readonly dom: HighlightDom,
    /**
     * Where a process's row is drawn, or would be; where its card is (or its group's) when the card shows no
     * such row; undefined when the process is not known to the webview.
     */
    private readonly rowAnchor: (procKey: string) => RowAnchor | undefined,
    /** The person closed the caption (the host then forgets the highlight). */
    private readonly onDismiss: () => void,
  ) {
    this.caption = document.createElement('div');
    this.caption.id = 'lesson-caption';
    this.caption.setAttribute('role', 'status');
    this.caption.hidden = true;
    this.captionText = document.createElement('span');
    const close = document.createElement('button');
    close.className = 'dismiss';
    close.title = 'Dismiss';
    close.setAttribute('aria-label', 'Dismiss the caption');
    close.addEventListener('click', () => {
      this.set(null);
      this.onDismiss();
    });
    this.caption.append(this.captionText, close);
    dom.viewport.append(this.caption);
    this.arrow = document.createElementNS(SVG, 'svg');
    this.arrow.id = 'lesson-arrow';
    this.arrow.setAttribute('aria-hidden', 'true');
    this.arrow.setAttribute('width', '1');
    this.arrow.setAttribute('height', '1');
    const marker = document.createElementNS(SVG, 'marker');
    marker.id = 'lesson-arrow-head';
    for (const [k, v] of Object.entries({
      viewBox: '0 0 10 10',
      refX: '9',
      refY: '5',
      markerWidth: '7',
      markerHeight: '7',
      orient: 'auto',
    }))
      marker.setAttribute(k, v);
    const head = document.createElementNS(SVG, 'path');
    head.setAttribute('d', 'M0,0L10,5L0,10z');
    marker.append(head);
    const defs = document.createElementNS(SVG, 'defs');
    defs.append(marker);
    this.arrowPathEl = document.createElementNS(SVG, 'path');
    this.arrowPathEl.setAttribute('marker-end', 'url(#lesson-arrow-head)');
    this.arrow.append(defs, this.arrowPathEl);
    this.arrow.toggleAttribute('hidden', true);
    dom.world.append(this.arrow);
  }

  get active(): Highlight | null {
    return this.current;
  }

  /** Show `h` (replacing any other), or clear with null. */
  set(h: Highlight | null): void {
    clearTimeout(this.timer);
    this.current = h;
    this.namespaces = new Set(h?.namespaces.map(nsKey) ?? []);
    this.processes = new Set(h?.processes.map(processKey) ?? []);
    this.caption.hidden = !h;
    this.captionText.textContent = h?.caption ?? '';
    if (h?.untilMs !== undefined) this.timer = setTimeout(() => this.lapse(), Math.max(0, h.untilMs));
    this.apply();
  }

  /** The outlines' time is over: they and the arrow go; the caption stays until cleared or dismissed. */
  private lapse(): void {
    if (!this.current) return;
    this.set({ caption: this.current.caption, namespaces: [], processes: [] });
  }

  /** Outline what is named, on the cards and rows drawn now; called after every render. */
  apply(): void {
    if (!this.current && !this.drawn) return;
    const world = this.dom.world;
    world.querySelectorAll('.lit').forEach((e) => e.classList.remove('lit'));
    for (const key of this.namespaces) world.querySelector(`.card[data-key="${CSS.escape(key)}"]`)?.classList.add('lit');
    for (const key of this.processes) world.querySelector(`.row[data-key="${CSS.escape(key)}"]`)?.classList.add('lit');
    this.drawn = this.current !== null;
    this.drawArrow();
  }

  private drawArrow(): void {
    const a = this.current?.arrow;
    const from = a && this.rowAnchor(processKey(a.from));
    const to = a && this.rowAnchor(processKey(a.to));
    this.arrow.toggleAttribute('hidden', !from || !to);
    if (from && to) this.arrowPathEl.setAttribute('d', arrowPath(from, to));
    else this.arrowPathEl.removeAttribute('d');
  }
}
