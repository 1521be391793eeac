// Card sizes computed from counts alone, never measured from the DOM: the layout can then run
// before anything is drawn, and an update never forces the browser to lay out mid-frame.
// graph.css uses the same numbers (see the --row-h and --col-w custom properties set from here).

export const ROW_H = 18;
export const COL_W = 58;
const COMM_W = 128;
const PAD_X = 10;
const HEAD_H = 48;
const COLHEAD_H = ROW_H;
const SEARCH_H = 34;
const FOOT_H = ROW_H;
const PAD_BOTTOM = 8;
const MIN_W = 330;
export const GAP_X = 28;
export const GAP_Y = 44;

/** What a card shows, decided by the view from the model and the user's choices. */
export interface CardShape {
  level: number;
  collapsed: boolean;
  /** Rows drawn. */
  rows: number;
  /** Members not drawn (collapsed, filtered or over the row limit): shown as one summary line. */
  hiddenRows: number;
}

/** A card holds one PID column per level from the root to its own, then the command name. */
export function cardWidth(level: number): number {
  return Math.max(MIN_W, 2 * PAD_X + (level + 1) * COL_W + COMM_W);
}

export function cardHeight(shape: CardShape): number {
  let h = HEAD_H + PAD_BOTTOM;
  if (shape.collapsed) h += SEARCH_H;
  if (shape.rows > 0) h += COLHEAD_H + shape.rows * ROW_H;
  if (shape.hiddenRows > 0 && !shape.collapsed) h += FOOT_H;
  return h;
}

/** The middle of a card's title line (graph.css .card-head: 5 px of padding, then a 20 px line). */
export const TITLE_MID = 5 + 20 / 2;

/** Top of the `index`th drawn row inside its card: where the view scrolls to show one process. */
export function rowTop(shape: CardShape, index: number): number {
  return HEAD_H + (shape.collapsed ? SEARCH_H : 0) + COLHEAD_H + index * ROW_H;
}
