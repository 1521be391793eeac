// Layout of the drawn tree (webview/groups.ts), root at the top, each parent centred over its
// children. A parent with a few children has them in one row, like a tidy tree. A parent with many
// has them wrapped into a grid under it, with as many columns as brings the picture's aspect ratio
// nearest the viewport's: 600 siblings in one row made a strip 4 px tall when fitted to the view.
// Grid children hang off a bus: a trunk down the grid's left gutter, a branch along each row's gutter.
//
// Which child goes into which grid row is decided only when the structure changes (layoutStructure),
// so a diff that grows a card never moves cards into other rows; placeRows then computes positions
// from card heights, which is arithmetic over the drawn cards and cheap enough for every diff.

import type { DisplayTree } from './groups';
import { GAP_X, GAP_Y } from './geometry';

/** Vertical gap between the rows of a grid. */
const GRID_GAP_Y = 32;
/**
 * In a wrapped grid, rows take vertical room in steps of this many pixels (four process rows): a card
 * that gains or loses a process then seldom moves the grid rows below it, so a diff moves a few cards,
 * not the rest of the grid.
 */
const SLOT_H = 72;
/** Up to this many children stay in one row whatever the shape. */
const ONE_ROW_UP_TO = 4;
/**
 * Up to this many children (a screenful at a legible zoom) wrap no wider than `maxWidth`, so that the
 * first view, zoomed in far enough to read, shows whole grid rows. More children could not be read
 * on one screen anyway: their grid only keeps the viewport's aspect ratio.
 */
const FIT_WIDTH_UP_TO = 24;

export interface Place {
  /** Left edge. */
  x: number;
  y: number;
  w: number;
  h: number;
  depth: number;
  /** For a child in a wrapped grid: the bus its edge runs along (world coordinates). */
  bus?: { trunkX: number; topY: number; rowY: number };
}

interface Box {
  w: number;
  h: number;
}

export class TreeLayout {
  private display: DisplayTree = { roots: [], children: new Map(), parent: new Map(), groups: new Map(), shown: new Set() };
  private widthOf: (key: string) => number = () => 0;
  /** Children per grid row of each parent whose children wrap; absent = one row. */
  private columns = new Map<string, number>();
  readonly places = new Map<string, Place>();

  /** Run after the drawn tree changed: decides which parents wrap, and into how many columns. */
  layoutStructure(
    display: DisplayTree,
    widthOf: (key: string) => number,
    heightOf: (key: string) => number,
    aspect: number,
    maxWidth = Infinity,
  ): void {
    this.display = display;
    this.widthOf = widthOf;
    this.columns.clear();
    const boxes = new Map<string, Box>();
    // Bottom-up: a parent's best shape depends on its children's boxes.
    const order = this.preorder();
    for (let i = order.length - 1; i >= 0; i--) {
      const key = order[i];
      const kids = display.children.get(key) ?? [];
      const card = { w: widthOf(key), h: heightOf(key) };
      if (kids.length === 0) {
        boxes.set(key, card);
        continue;
      }
      const kidBoxes = kids.map((k) => boxes.get(k)!);
      let best = { cols: kids.length, box: shape(card, kidBoxes, kids.length), score: Infinity };
      if (kids.length > ONE_ROW_UP_TO) {
        const capped = kids.length <= FIT_WIDTH_UP_TO;
        const most = Math.min(kids.length, Math.ceil(4 * Math.sqrt(kids.length)));
        for (const cols of [kids.length, ...Array.from({ length: most }, (_, i) => i + 1)]) {
          const box = shape(card, kidBoxes, cols);
          if (capped && cols > 1 && box.w > maxWidth) continue;
          const score = Math.abs(Math.log(box.w / box.h / aspect));
          if (score < best.score) best = { cols, box, score };
        }
      }
      if (best.cols < kids.length) this.columns.set(key, best.cols);
      boxes.set(key, best.box);
    }
  }

  /**
   * Positions from card heights; returns the keys whose place changed (all of them after a
   * structural layout). Costs O(drawn cards) arithmetic.
   */
  placeRows(heightOf: (key: string) => number): Set<string> {
    const boxes = new Map<string, Box>();
    const order = this.preorder();
    for (let i = order.length - 1; i >= 0; i--) {
      const key = order[i];
      const kids = this.display.children.get(key) ?? [];
      const card = { w: this.widthOf(key), h: heightOf(key) };
      boxes.set(
        key,
        kids.length === 0
          ? card
          : shape(
              card,
              kids.map((k) => boxes.get(k)!),
              this.columns.get(key) ?? kids.length,
            ),
      );
    }
    const next = new Map<string, Place>();
    let x = 0;
    for (const root of this.display.roots) {
      const box = boxes.get(root)!;
      this.place(root, x, 0, 0, boxes, heightOf, next);
      x += box.w + GAP_X;
    }
    // The first root's card is centred on x = 0: adding siblings elsewhere then shifts the tree, which the view compensates.
    const first = next.get(this.display.roots[0]);
    const dx = first ? -(first.x + first.w / 2) : 0;
    const moved = new Set<string>();
    for (const key of this.places.keys()) if (!next.has(key)) this.places.delete(key);
    for (const [key, p] of next) {
      p.x += dx;
      if (p.bus) p.bus.trunkX += dx;
      const old = this.places.get(key);
      if (!old || old.x !== p.x || old.y !== p.y || old.h !== p.h || old.w !== p.w || old.bus?.rowY !== p.bus?.rowY) moved.add(key);
      this.places.set(key, p);
    }
    return moved;
  }

  /** The drawn parent of a card (namespace or group), as the layout placed it. */
  parentOf(key: string): string | undefined {
    return this.display.parent.get(key);
  }

  childrenOf(key: string): string[] {
    return this.display.children.get(key) ?? [];
  }

  bounds(): { x0: number; y0: number; x1: number; y1: number } {
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity;
    for (const p of this.places.values()) {
      x0 = Math.min(x0, p.x);
      y0 = Math.min(y0, p.y);
      x1 = Math.max(x1, p.x + p.w);
      y1 = Math.max(y1, p.y + p.h);
    }
    return Number.isFinite(x0) ? { x0, y0, x1, y1 } : { x0: 0, y0: 0, x1: 1, y1: 1 };
  }

  private preorder(): string[] {
    const out: string[] = [];
    const stack = [...this.display.roots].reverse();
    while (stack.length > 0) {
      const key = stack.pop()!;
      out.push(key);
      const kids = this.display.children.get(key);
      if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    return out;
  }

  /** Place `key`'s subtree in the box whose top-left corner is (x0, y0). */
  private place(
    key: string,
    x0: number,
    y0: number,
    depth: number,
    boxes: Map<string, Box>,
    heightOf: (key: string) => number,
    out: Map<string, Place>,
  ): void {
    const box = boxes.get(key)!;
    const w = this.widthOf(key);
    const h = heightOf(key);
    out.set(key, { x: x0 + (box.w - w) / 2, y: y0, w, h, depth });
    const kids = this.display.children.get(key) ?? [];
    if (kids.length === 0) return;
    const cols = this.columns.get(key);
    const rows = chunk(kids, cols ?? kids.length);
    const rowW = rows.map((r) => r.reduce((s, k) => s + boxes.get(k)!.w, 0) + GAP_X * (r.length - 1));
    const gridW = Math.max(...rowW);
    let y = y0 + h + GAP_Y;
    const topY = y0 + h + GAP_Y / 2;
    rows.forEach((row, r) => {
      // One row: centred under the parent. A grid: rows start at the grid's left edge, so columns line up.
      let x = x0 + (box.w - (cols === undefined ? rowW[r] : gridW)) / 2;
      const trunkX = x0 + (box.w - gridW) / 2 - GAP_X / 2;
      for (const k of row) {
        const kb = boxes.get(k)!;
        this.place(k, x, y, depth + 1, boxes, heightOf, out);
        if (cols !== undefined) out.get(k)!.bus = { trunkX, topY, rowY: r === 0 ? topY : y - GRID_GAP_Y / 2 };
        x += kb.w + GAP_X;
      }
      const rowH = Math.max(...row.map((k) => boxes.get(k)!.h));
      y += (cols === undefined ? rowH : slot(rowH)) + GRID_GAP_Y;
    });
  }
}

/** The box of a card with its children wrapped `cols` to a row. */
function shape(card: Box, kids: Box[], cols: number): Box {
  const grid = cols < kids.length;
  let w = 0;
  let h = 0;
  for (let i = 0; i < kids.length; i += cols) {
    let rw = 0;
    let rh = 0;
    for (let j = i; j < Math.min(kids.length, i + cols); j++) {
      rw += kids[j].w + (j > i ? GAP_X : 0);
      rh = Math.max(rh, kids[j].h);
    }
    w = Math.max(w, rw);
    h += (grid ? slot(rh) : rh) + (i > 0 ? GRID_GAP_Y : 0);
  }
  return { w: Math.max(card.w, w), h: card.h + GAP_Y + h };
}

function chunk<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function slot(h: number): number {
  return Math.ceil(h / SLOT_H) * SLOT_H;
}
