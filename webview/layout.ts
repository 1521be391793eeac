// Tidy tree of namespaces, root at the top. Horizontal positions come from d3-hierarchy's tree and
// depend only on the namespace structure (a card's width is fixed by its level), so they are computed
// again only when namespaces come or go. Vertical positions are rows per depth whose height is the
// tallest card of that depth: a diff that grows a card only shifts the rows below it, which is
// cheap arithmetic and no re-layout of the tree.

import { hierarchy, tree, type HierarchyPointNode } from 'd3-hierarchy';
import type { GraphModel } from './model';
import { cardWidth, GAP_X, GAP_Y } from './geometry';

export interface Place {
  /** Left edge. */
  x: number;
  y: number;
  w: number;
  h: number;
  depth: number;
}

interface TreeDatum {
  key: string;
  children: TreeDatum[];
}

const VIRTUAL_ROOT = '';

export class TreeLayout {
  /** Left edge and width of each card, from the last structural layout. */
  private columns = new Map<string, { x: number; w: number; depth: number }>();
  private depthTop: number[] = [];
  readonly places = new Map<string, Place>();

  /** Full layout: run after namespaces were added or removed. */
  layoutStructure(model: GraphModel): void {
    this.columns.clear();
    const datum = (key: string): TreeDatum => ({ key, children: (model.children.get(key) ?? []).map(datum) });
    const rootDatum: TreeDatum = { key: VIRTUAL_ROOT, children: model.roots.map(datum) };
    const widthOf = (n: HierarchyPointNode<TreeDatum>): number => (n.data.key === VIRTUAL_ROOT ? 0 : cardWidth(model.namespaces.get(n.data.key)?.level ?? 0));
    // nodeSize 1 makes separation() a distance in pixels between the centres of neighbours.
    const laidOut = tree<TreeDatum>()
      .nodeSize([1, 1])
      .separation((a, b) => (widthOf(a as HierarchyPointNode<TreeDatum>) + widthOf(b as HierarchyPointNode<TreeDatum>)) / 2 + GAP_X)(hierarchy(rootDatum));
    for (const n of laidOut.descendants()) {
      if (n.data.key === VIRTUAL_ROOT) continue;
      const w = widthOf(n);
      this.columns.set(n.data.key, { x: n.x - w / 2, w, depth: n.depth - 1 });
    }
  }

  /**
   * Vertical placement from card heights; returns the keys whose place changed (all of them after a
   * structural layout). Costs O(namespaces) arithmetic.
   */
  placeRows(heightOf: (key: string) => number): Set<string> {
    const maxH: number[] = [];
    const heights = new Map<string, number>();
    for (const [key, col] of this.columns) {
      const h = heightOf(key);
      heights.set(key, h);
      maxH[col.depth] = Math.max(maxH[col.depth] ?? 0, h);
    }
    this.depthTop = [];
    let y = 0;
    for (let d = 0; d < maxH.length; d++) {
      this.depthTop[d] = y;
      y += (maxH[d] ?? 0) + GAP_Y;
    }
    const moved = new Set<string>();
    for (const key of this.places.keys()) if (!this.columns.has(key)) this.places.delete(key);
    for (const [key, col] of this.columns) {
      const next: Place = { x: col.x, y: this.depthTop[col.depth], w: col.w, h: heights.get(key) ?? 0, depth: col.depth };
      const old = this.places.get(key);
      if (!old || old.x !== next.x || old.y !== next.y || old.h !== next.h || old.w !== next.w) moved.add(key);
      this.places.set(key, next);
    }
    return moved;
  }

  bounds(): { x0: number; y0: number; x1: number; y1: number } {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const p of this.places.values()) {
      x0 = Math.min(x0, p.x);
      y0 = Math.min(y0, p.y);
      x1 = Math.max(x1, p.x + p.w);
      y1 = Math.max(y1, p.y + p.h);
    }
    return Number.isFinite(x0) ? { x0, y0, x1, y1 } : { x0: 0, y0: 0, x1: 1, y1: 1 };
  }
}
