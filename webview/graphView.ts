// The graph: namespace cards placed by the tree layout inside one zoomable "world" element, edges in an
// SVG layer beneath them. A diff that leaves the namespaces alone redraws only the touched cards and
// moves the ones whose row shifted; only a change of namespaces lays the tree out again.

import { select } from 'd3-selection';
import { linkVertical } from 'd3-shape';
import { zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import type { ProcessInfo, Snapshot, SnapshotDiff } from '../shared/core/types';
import {
  DEFAULT_GRAPH_CONFIG,
  type GraphConfig,
  type NsCounts,
  type GraphTarget,
  type Highlight,
  type NsRef,
  type WebviewToHost,
} from '../shared/webviewProtocol';
import { GraphModel } from './model';
import { TreeLayout } from './layout';
import { cardHeight, cardWidth, ROW_H, rowTop, TITLE_MID } from './geometry';
import type { SearchHit } from './search';
import { Minimap } from './minimap';
import { displayTree, GROUP_ABOVE, isGroupKey, type DisplayTree, type GroupUi } from './groups';
import { createGroupCard, GROUP_H, updateGroupCard } from './groupCard';
import { cardRows, createCard, fadeOut, setMenuContext, syncToggle, updateCard, type CardRows, type CardUi } from './cards';
import { Hover } from './hover';
import { handleKey } from './keyboard';
import { renderDetails } from './details';
import { readState, toPersisted, type StateStore } from './persisted';
import { nsKey, processKey } from '../shared/core/identity';
import { Highlighter, type RowAnchor } from './highlight';

const FAR_SCALE = 0.4;
/**
 * Below this a card's text is too small to read (13 px title under 5 px), and enlarging the title to
 * fit the card gave at most 8 px: each card becomes a box with its count instead (graph.css lod-tiny).
 */
const TINY_SCALE = FAR_SCALE;
/**
 * Width of a compact card (its header only: the many siblings of a container host, unless selected
 * or expanded; focus and context: what the user picked is drawn in full, the rest stays small) and
 * of a group card. Four of them fit a 1000 px panel at the legible zoom.
 */
const COMPACT_W = 250;
/** Smallest zoom at which a card's title (13 px) reads at 10 px or more: the first view never goes below it. */
const LEGIBLE_SCALE = 0.8;

export interface GraphDom {
  viewport: HTMLElement;
  world: HTMLElement;
  edges: SVGSVGElement;
  tooltip: HTMLElement;
  details: HTMLElement;
  banner: HTMLElement;
  /** The overview in the viewport's corner (minimap.ts); absent, no minimap. */
  minimap?: SVGSVGElement;
  /** Its on/off button in the toolbar. */
  minimapToggle?: HTMLElement;
}

export class GraphView {
  readonly model = new GraphModel();
  readonly layout = new TreeLayout();
  private readonly ui: CardUi = { expanded: new Map(), filters: new Map() };
  private readonly cards = new Map<string, HTMLElement>();
  private readonly rows = new Map<string, CardRows>();
  private readonly edgePaths = new Map<string, SVGPathElement>();
  /** Namespaces drawn as their header only (see COMPACT_W); decided when the structure is laid out. */
  private compact = new Set<string>();
  /** The card to keep still on screen through the next render, if not the selection's. */
  private anchorKey: string | undefined;
  private readonly groupUi: GroupUi = { open: new Set(), filters: new Map() };
  /** What is drawn: the model with large sets of siblings collapsed into groups. */
  private display: DisplayTree = { roots: [], children: new Map(), parent: new Map(), groups: new Map(), shown: new Set() };
  private config: GraphConfig = DEFAULT_GRAPH_CONFIG;
  private selected: GraphTarget | null = null;
  private focused: string | undefined;
  private transform: ZoomTransform = zoomIdentity;
  private hadTransform = false;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly zoom: ZoomBehavior<HTMLElement, unknown>;
  private readonly hover: Hover;
  private readonly minimap: Minimap | undefined;
  private readonly highlighter: Highlighter;
  private loaded = false;
  private rendering = false;
  /**
   * A jump is being drawn (a replay's seek): no glides until its frame is painted. Moving some 160 cards
   * with transitions gave each its own compositor layer and doubled the time until a far seek was painted.
   */
  private jumps = 0;
  private fitPending = false;
  /** Zoomed out below FAR_SCALE: rows are neither drawn nor laid out. */
  private far = false;
  /** Cards whose rows are not drawn (zoomed far out, or off screen); drawn when they come near. */
  private readonly staleRows = new Set<string>();
  /** Viewport size, kept by a ResizeObserver: reading clientWidth mid-render would force a layout of every card. */
  private size = { w: 800, h: 600 };
  /** The namespaces whose rows the host was last asked for (`draw`), joined: asked again only when it changes. */
  private askedRows = '';
  /** The toolbar's query, asked of the host again when the model is replaced. */
  private query = '';
  private findId = 0;
  /** Called after the model changed (snapshot or diff), so the toolbar's search can count again. */
  onModelChange: (() => void) | undefined;

  constructor(
    private readonly dom: GraphDom,
    private readonly store: StateStore,
    private readonly post: (m: WebviewToHost) => void,
  ) {
    const saved = readState(store);
    saved.expanded.forEach(([k, v]) => this.ui.expanded.set(k, v));
    saved.filters.forEach(([k, v]) => this.ui.filters.set(k, v));
    saved.openGroups?.forEach((k) => this.groupUi.open.add(k));
    saved.groupFilters?.forEach(([k, v]) => this.groupUi.filters.set(k, v));
    this.selected = saved.selected;
    this.highlighter = new Highlighter(
      { world: dom.world, viewport: dom.viewport },
      (k) => this.rowAnchor(k),
      () => this.post({ type: 'dismissHighlight' }),
    );
    this.hover = new Hover({ model: this.model, world: dom.world, tooltip: dom.tooltip, card: (k) => this.cards.get(k) });
    this.zoom = zoom<HTMLElement, unknown>()
      .scaleExtent([0.02, 4])
      // d3-zoom's default extent reads clientWidth, which would force a layout of every card mid-render.
      .extent(() => [
        [0, 0],
        [this.size.w, this.size.h],
      ])
      // Let the search boxes and buttons inside cards get their own clicks and drags.
      .filter((ev: Event) => !(ev.target as Element).closest('vscode-textfield, vscode-button, #minimap') && !(ev as MouseEvent).button)
      .on('zoom', (ev: { transform: ZoomTransform; sourceEvent: Event | null }) => {
        // The user's own zoom and pan follow the pointer at once, never eased.
        // Their zoom also ends a hover; a programmatic shift keeps the hovered card still, so not that.
        if (ev.sourceEvent) {
          this.dom.world.classList.remove('settling');
          this.hover.clear();
        }
        this.onZoom(ev.transform);
      });
    this.minimap =
      dom.minimap &&
      new Minimap(
        dom.minimap,
        dom.minimapToggle,
        {
          places: this.layout.places,
          bounds: () => this.layout.bounds(),
          isGroup: isGroupKey,
          selected: () => this.selectedKey(),
          transform: () => this.transform,
          size: () => this.size,
          moveTo: (x, y) => this.zoom.translateTo(select(dom.viewport), x, y),
        },
        saved.minimap === true,
        () => this.saveSoon(),
      );
    select(dom.viewport).call(this.zoom).on('dblclick.zoom', null);
    if (saved.transform) {
      this.hadTransform = true;
      const t = saved.transform;
      select(dom.viewport).call(this.zoom.transform, zoomIdentity.translate(t.x, t.y).scale(t.k));
    }
    this.size = { w: dom.viewport.clientWidth || 800, h: dom.viewport.clientHeight || 600 };
    new ResizeObserver(() => (this.size = { w: dom.viewport.clientWidth || 800, h: dom.viewport.clientHeight || 600 })).observe(
      dom.viewport,
    );
    this.wireEvents();
  }

  setConfig(config: GraphConfig): void {
    this.config = config;
    this.dom.world.classList.toggle('no-anim', !this.animates());
    if (this.loaded) this.render(true, new Set(this.model.namespaces.keys()));
  }

  /** `held` and `counts` absent: the whole model (see GraphModel.load). */
  setSnapshot(snapshot: Snapshot, created?: NsRef[], held?: string[], counts?: NsCounts): void {
    this.model.load(snapshot, held, counts);
    this.askedRows = '';
    this.model.setCreated(created);
    this.setBanner(null, 'info');
    this.fitPending = !this.loaded && !this.hadTransform;
    this.render(true, new Set(this.model.namespaces.keys()));
    this.loaded = true;
    // A replaced model forgot what the searches brought: ask again; and for the selected process (restored
    // after hide/show), which pins its card, by its PID.
    if (this.model.held !== null) {
      for (const q of [this.query, ...this.groupUi.filters.values()]) this.find(q);
      const s = this.selected;
      if (s?.kind === 'process' && !this.model.processes.has(processKey(s.proc))) this.find(String(s.proc.pid));
    }
    this.onModelChange?.();
  }

  /** `jump`: drawn at once, without glides (DiffMessage.jump). */
  applyDiff(diff: SnapshotDiff, created?: NsRef[], counts?: NsCounts, jump = false): void {
    if (!this.loaded) return;
    if (jump) this.holdStill();
    const before = [...this.model.created].join();
    this.model.setCreated(created);
    const change = this.model.apply(diff, counts);
    const structure = change.structureChanged || [...this.model.created].join() !== before;
    this.render(structure, structure ? new Set(this.model.namespaces.keys()) : change.touched);
    this.onModelChange?.();
  }

  /** Processes the host sent: the rows asked for with `draw`, search hits, a reveal's or a lesson's. */
  addProcesses(held: string[], processes: ProcessInfo[]): void {
    if (!this.loaded) return;
    const s = this.selected;
    const selectedCame = s?.kind === 'process' && processes.some((p) => p.pid === s.proc.pid && p.startTime === s.proc.startTime);
    const change = this.model.addRows(held, processes);
    // A group's search looks at its members' commands: the hits it asked for may bring members out; the
    // selected process pins its namespace's card.
    const structure = selectedCame || [...this.groupUi.filters.values()].some((f) => f.trim() !== '');
    this.render(structure, structure ? new Set(this.model.namespaces.keys()) : change.touched);
    this.onModelChange?.();
  }

  /** The toolbar's search: processes the webview does not hold are asked of the host (its `found` adds them). */
  find(query: string, toolbar = false): void {
    if (toolbar) this.query = query;
    if (this.model.held !== null && query.trim() !== '') this.post({ type: 'find', id: ++this.findId, query });
  }

  /**
   * Tell the host which namespaces' rows are drawn (cards drawn in full, expanded or searched, on or near the
   * screen: the rows drawDueRows would build), when that changed: it sends the ones not held yet.
   */
  private askRows(): void {
    if (this.model.held === null || this.far) return;
    const want: string[] = [];
    for (const key of this.display.shown) {
      const r = this.rows.get(key);
      const drawn = r && !this.compact.has(key) && (!r.collapsed || (this.ui.filters.get(key) ?? '').trim() !== '');
      if (drawn && this.nearView(key)) want.push(key);
    }
    const joined = want.join();
    if (joined === this.askedRows) return;
    this.askedRows = joined;
    if (want.some((k) => !this.model.holds(k))) this.post({ type: 'draw', namespaces: want });
  }

  setBanner(message: string | null, severity: string): void {
    this.dom.banner.hidden = message === null;
    this.dom.banner.textContent = message ?? '';
    this.dom.banner.dataset.severity = severity;
  }

  /** A guided experiment's step: outline what it names and show its caption (null clears; see highlight.ts). */
  highlight(h: Highlight | null): void {
    this.highlighter.set(h);
    // What a step points at must be on screen: its first card, unless it is in view already.
    const ns = h?.namespaces[0];
    const proc = h?.processes[0];
    const p = !ns && proc ? this.model.processes.get(processKey(proc)) : undefined;
    const key = ns ? nsKey(ns) : p && nsKey({ dev: p.nsDev, inode: p.ns });
    if (key && this.layout.places.has(key) && !this.isInView(key)) this.centerOn(key);
  }

  /**
   * Where a process's row is (or would be) drawn, from the layout alone: its middle, at its card's right edge.
   * A card that shows no such row (collapsed, compact, past the row limit) answers with its own anchor, and a
   * namespace inside a closed group with the group card's, so that a lesson's arrow still joins the two
   * namespaces. Undefined only for a process the webview does not hold (its namespace is not known here).
   */
  private rowAnchor(procKey: string): RowAnchor | undefined {
    const p = this.model.processes.get(procKey);
    if (!p) return undefined;
    const key = nsKey({ dev: p.nsDev, inode: p.ns });
    const place = this.layout.places.get(key);
    const rows = !this.compact.has(key) ? this.rows.get(key) : undefined;
    const i = rows ? rows.list.findIndex((q) => processKey(q) === procKey) : -1;
    if (place && rows && i >= 0) return { x: place.x + place.w, y: place.y + rowTop(rows, i) + ROW_H / 2 };
    return this.cardAnchor(key);
  }

  /** The right edge, at the title's height, of the card that stands for `key`: its own, or its group's. */
  private cardAnchor(key: string): RowAnchor | undefined {
    let card: string | undefined = key;
    if (!this.display.shown.has(key)) {
      // In a closed group: a member, or below one (GroupInfo.nested).
      const chain = new Set(this.model.chain(key));
      card = [...this.display.groups.values()].find((g) => g.members.some((m) => chain.has(m)))?.key;
    }
    const place = card && this.layout.places.get(card);
    return place ? { x: place.x + place.w, y: place.y + TITLE_MID } : undefined;
  }

  reveal(target: GraphTarget): void {
    this.selected = target;
    let key = target.kind === 'namespace' ? nsKey(target.ns) : undefined;
    const pk = target.kind === 'process' ? processKey(target.proc) : undefined;
    if (pk) {
      const p = this.model.processes.get(pk);
      key = p && nsKey({ dev: p.nsDev, inode: p.ns });
      // A process hidden in a collapsed card is brought out by searching for its PID there.
      if (p && key && this.rows.get(key)?.collapsed) this.ui.filters.set(key, String(p.pid));
    }
    // A namespace inside a closed group (or drawn compact) is pinned by the selection: lay out again to give it a full card.
    if (key && (!this.display.shown.has(key) || this.compact.has(key))) this.render(true, new Set(this.model.namespaces.keys()));
    else if (key) this.render(false, new Set([key]));
    else this.applySelection();
    if (key) {
      const rows = this.rows.get(key);
      const i = pk && rows ? rows.list.findIndex((p) => processKey(p) === pk) : -1;
      this.centerOn(key, rows && i >= 0 ? rowTop(rows, i) : undefined);
    }
    this.saveSoon();
  }

  /** A step of the toolbar's search: select the match as a click would, and show it (reveal). */
  showHit(hit: SearchHit): void {
    const ns = this.model.namespaces.get(hit.ns);
    const p = hit.kind === 'process' ? this.model.processes.get(hit.proc) : undefined;
    let target: GraphTarget | undefined;
    if (p) target = { kind: 'process', proc: { pid: p.pid, startTime: p.startTime } };
    else if (ns) target = { kind: 'namespace', ns: { dev: ns.dev, inode: ns.inode } };
    if (!target) return;
    this.reveal(target);
    this.setRoving(hit.ns);
    this.post({ type: 'revealInTree', target });
  }

  /** Escape in the toolbar's search: the keyboard goes back to the selected (or last focused) card. */
  focusGraph(): void {
    const key = this.focused ?? this.model.roots[0];
    const card = key ? this.cards.get(key) : undefined;
    if (card) card.focus({ preventScroll: true });
    else this.dom.viewport.focus();
  }

  /**
   * The first view: the whole tree if it fits legibly, else the top of it (the root, its groups and
   * the pinned namespaces come first in its grid) at the smallest legible zoom.
   */
  private fitDefault(): void {
    const b = this.layout.bounds();
    const { w: vw, h: vh } = this.size;
    const margin = 24;
    const fitK = Math.min(1.25, (vw - 2 * margin) / (b.x1 - b.x0), (vh - 2 * margin) / (b.y1 - b.y0));
    const root = this.layout.places.get(this.display.roots[0]);
    if (fitK >= LEGIBLE_SCALE || !root) return this.fit();
    const k = LEGIBLE_SCALE;
    // Narrow enough: centred. Wider: the root in the middle, but no empty space beside the picture.
    const x =
      k * (b.x1 - b.x0) <= vw - 2 * margin
        ? (vw - k * (b.x1 + b.x0)) / 2
        : Math.min(margin - k * b.x0, Math.max(vw - margin - k * b.x1, vw / 2 - k * (root.x + root.w / 2)));
    select(this.dom.viewport).call(this.zoom.transform, zoomIdentity.translate(x, margin - k * b.y0).scale(k));
  }

  fit(): void {
    const b = this.layout.bounds();
    const { w: vw, h: vh } = this.size;
    const margin = 24;
    const k = Math.min(1.25, (vw - 2 * margin) / (b.x1 - b.x0), (vh - 2 * margin) / (b.y1 - b.y0));
    const t = zoomIdentity.translate((vw - k * (b.x1 + b.x0)) / 2, margin - k * b.y0).scale(k);
    select(this.dom.viewport).call(this.zoom.transform, t);
  }

  /** Cards and rows glide, fade in and out: the config's choice, except while a jump is drawn. */
  private animates(): boolean {
    return this.config.animate && this.jumps === 0;
  }

  /**
   * No transitions until the next frame is painted: the class goes off two frames on (a rAF callback runs
   * before its frame's style is computed, so one frame on would start the transitions in the same frame).
   */
  private holdStill(): void {
    this.jumps++;
    this.dom.world.classList.add('no-anim');
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        this.jumps--;
        this.dom.world.classList.toggle('no-anim', !this.animates());
      }),
    );
  }

  /** Redraw: lay out the tree again only when `structure`, otherwise just the touched cards. */
  private render(structure: boolean, touched: Set<string>): void {
    this.rendering = true;
    const anchor = this.loaded ? this.anchor() : undefined;
    if (structure) {
      const pinned = this.pinned();
      this.display = displayTree(this.model, this.groupUi, pinned);
      this.compact = this.compactKeys(pinned);
      this.syncCards();
    }
    for (const key of touched)
      if (this.cards.has(key) && !isGroupKey(key)) this.rows.set(key, cardRows(this.model, key, this.ui, this.config));
    const heightOf = (key: string): number => {
      if (isGroupKey(key)) return GROUP_H;
      if (this.compact.has(key)) return cardHeight({ level: 0, collapsed: false, rows: 0, hiddenRows: 0 });
      const r = this.rows.get(key);
      return r ? cardHeight(r) : 0;
    };
    if (structure) {
      const widthOf = (key: string): number => {
        const g = this.display.groups.get(key);
        const ns = this.model.namespaces.get(g ? g.members[0] : key);
        return g || this.compact.has(key) ? COMPACT_W : cardWidth(ns?.level ?? 0);
      };
      this.layout.layoutStructure(this.display, widthOf, heightOf, this.size.w / this.size.h, (this.size.w - 48) / LEGIBLE_SCALE);
      for (const key of this.display.groups.keys()) touched.add(key);
    }
    const moved = this.layout.placeRows(heightOf);
    // Fit before drawing, so that a tree seen from far away never builds rows nobody could read.
    if (this.fitPending) this.fitDefault();
    else if (anchor && moved.size > 0) this.keepInPlace(anchor);
    this.fitPending = false;
    for (const key of touched) this.drawCard(key);
    for (const key of moved) this.placeCard(key);
    // Few moved cards (a grown card whose row kept its height): touch only their edges.
    if (structure || moved.size > 50) this.drawEdges();
    else if (moved.size > 0) this.drawEdges(moved);
    if (structure || moved.size > 0) this.minimap?.draw();
    this.applySelection();
    this.highlighter.apply();
    this.rendering = false;
    this.drawDueRows();
    this.askRows();
  }

  /** Rows are built only for cards on or near the screen; draw those that panning or zooming brought near. */
  private drawDueRows(): void {
    if (this.far || this.rendering || this.staleRows.size === 0) return;
    const due = new Set([...this.staleRows].filter((k) => this.nearView(k)));
    if (due.size > 0) this.render(false, due);
  }

  /** On screen or within half a screen of it, at the current zoom. */
  private nearView(key: string): boolean {
    const p = this.layout.places.get(key);
    if (!p) return true;
    const t = this.transform;
    const [x0, y0] = t.apply([p.x, p.y]);
    const [x1, y1] = t.apply([p.x + p.w, p.y + p.h]);
    const { w, h } = this.size;
    return x1 >= -w / 2 && y1 >= -h / 2 && x0 <= 1.5 * w && y0 <= 1.5 * h;
  }

  /**
   * The card the user is looking at: the selection's, else the one nearest the middle of the view.
   * When namespaces elsewhere come and go the tidy tree shifts; keeping this card still on screen is
   * what "the view keeps its zoom and pan" means to the user.
   */
  private anchor(): { key: string; x: number; y: number } | undefined {
    let key = this.anchorKey ?? this.selectedKey();
    if (!key || !this.layout.places.has(key)) key = this.nearestToCenter();
    const place = key && this.layout.places.get(key);
    return key && place ? { key, x: place.x, y: place.y } : undefined;
  }

  /** The namespace of the selection (itself, or the selected process's). */
  private selectedKey(): string | undefined {
    const s = this.selected;
    if (s?.kind === 'namespace') return nsKey(s.ns);
    const p = s?.kind === 'process' ? this.model.processes.get(processKey(s.proc)) : undefined;
    return p && nsKey({ dev: p.nsDev, inode: p.ns });
  }

  private nearestToCenter(): string | undefined {
    const [cx, cy] = this.transform.invert([this.size.w / 2, this.size.h / 2]);
    let best: string | undefined;
    let bestD = Infinity;
    for (const [key, p] of this.layout.places) {
      const d = (p.x + p.w / 2 - cx) ** 2 + (p.y + Math.min(p.h, 200) / 2 - cy) ** 2;
      if (d < bestD) [best, bestD] = [key, d];
    }
    return best;
  }

  private keepInPlace(anchor: { key: string; x: number; y: number }): void {
    const p = this.layout.places.get(anchor.key);
    if (!p || (p.x === anchor.x && p.y === anchor.y)) return;
    // The cards glide to their new places (graph.css); the world glides back by the same amount with
    // the same timing, so the anchor card stands still on screen the whole time.
    const world = this.dom.world;
    if (this.animates()) {
      world.classList.add('settling');
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => world.classList.remove('settling'), 300);
    }
    this.zoom.translateBy(select(this.dom.viewport), anchor.x - p.x, anchor.y - p.y);
  }

  /** Children of a parent with many (a container host's) are compact unless pinned or expanded by the user. */
  private compactKeys(pinned: string[]): Set<string> {
    const keep = new Set(pinned);
    const out = new Set<string>();
    for (const [parent, kids] of this.model.children) {
      if (kids.length <= GROUP_ABOVE || !this.display.shown.has(parent)) continue;
      for (const k of kids) if (this.display.shown.has(k) && !keep.has(k) && this.ui.expanded.get(k) !== true) out.add(k);
    }
    return out;
  }

  /** Namespaces that keep a card of their own whatever the grouping: created here, our own, the selection. */
  private pinned(): string[] {
    const out = [...this.model.created, this.model.selfKey];
    const s = this.selected;
    if (s?.kind === 'namespace') out.push(nsKey(s.ns));
    const p = s?.kind === 'process' ? this.model.processes.get(processKey(s.proc)) : undefined;
    if (p) out.push(nsKey({ dev: p.nsDev, inode: p.ns }));
    return out;
  }

  private drawCard(key: string): void {
    const card = this.cards.get(key);
    const group = this.display.groups.get(key);
    if (card && group) return updateGroupCard(card, this.model, group, this.groupUi.filters.get(key) ?? '');
    const rows = this.rows.get(key);
    if (!card || !rows) return;
    const compact = this.compact.has(key);
    card.classList.toggle('compact', compact);
    if (compact) {
      this.staleRows.delete(key);
      return updateCard(card, this.model, key, rows, false, false);
    }
    const draw = !this.far && this.nearView(key);
    updateCard(card, this.model, key, rows, this.animates() && this.loaded, draw);
    if (draw) this.staleRows.delete(key);
    else this.staleRows.add(key);
    this.restoreFilter(card, key);
  }

  /** A recreated card (after hide/show) gets back the search text the user typed. */
  private restoreFilter(card: HTMLElement, key: string): void {
    const field = card.querySelector<HTMLElement & { value: string }>('.filter');
    const want = this.ui.filters.get(key) ?? '';
    if (field && field.value !== want) field.value = want;
  }

  private syncCards(): void {
    for (const [key, card] of this.cards) {
      if (this.display.shown.has(key) || this.display.groups.has(key)) continue;
      this.cards.delete(key);
      this.rows.delete(key);
      this.staleRows.delete(key);
      if (this.animates()) fadeOut([card]);
      else card.remove();
    }
    for (const key of [...this.display.shown, ...this.display.groups.keys()]) {
      if (this.cards.has(key)) continue;
      const card = isGroupKey(key) ? createGroupCard(key) : createCard(key);
      if (this.loaded && this.animates()) card.classList.add('enter');
      this.cards.set(key, card);
      this.dom.world.append(card);
    }
    for (const [key, card] of this.cards) card.classList.toggle('created', this.model.created.has(key));
    if (this.focused === undefined || !this.cards.has(this.focused)) this.setRoving(this.model.roots[0]);
  }

  private placeCard(key: string): void {
    const card = this.cards.get(key);
    const p = this.layout.places.get(key);
    if (!card || !p) return;
    card.style.transform = `translate(${p.x}px, ${p.y}px)`;
    card.style.width = `${p.w}px`;
    card.style.height = `${p.h}px`;
  }

  /** Edges into `only` and out of it (all edges when absent): a grown card moves its children's edge starts. */
  private drawEdges(only?: Set<string>): void {
    const link = linkVertical<unknown, [number, number]>();
    const path = (key: string): string => {
      const p = this.layout.places.get(key);
      const parent = this.layout.parentOf(key);
      const pp = parent && this.layout.places.get(parent);
      if (!p || !pp) return '';
      const [px, py, cx] = [pp.x + pp.w / 2, pp.y + pp.h, p.x + p.w / 2];
      // In a wrapped grid: down to the first gutter, along it to the trunk, down the trunk to this row's gutter, across, down.
      const b = p.bus;
      if (b) return b.rowY === b.topY ? `M${px},${py}V${b.topY}H${cx}V${p.y}` : `M${px},${py}V${b.topY}H${b.trunkX}V${b.rowY}H${cx}V${p.y}`;
      return link({ source: [px, py], target: [cx, p.y] }) ?? '';
    };
    if (only) {
      for (const key of only) for (const k of [key, ...this.layout.childrenOf(key)]) this.edgePaths.get(k)?.setAttribute('d', path(k));
      return;
    }
    const edges = [...this.layout.places.keys()].filter((k) => this.layout.parentOf(k) !== undefined);
    this.edgePaths.clear();
    select(this.dom.edges)
      .selectAll<SVGPathElement, string>('path')
      .data(edges, (d) => d)
      .join('path')
      .attr('class', 'edge')
      .attr('d', path)
      .each((key, i, nodes) => this.edgePaths.set(key, nodes[i]));
  }

  private applySelection(): void {
    this.dom.world.querySelectorAll('.selected').forEach((e) => e.classList.remove('selected'));
    const s = this.selected;
    if (s?.kind === 'namespace') this.cards.get(nsKey(s.ns))?.classList.add('selected');
    if (s?.kind === 'process') {
      const p = this.model.processes.get(processKey(s.proc));
      const card = p && this.cards.get(nsKey({ dev: p.nsDev, inode: p.ns }));
      card?.querySelector(`.row[data-key="${processKey(s.proc)}"]`)?.classList.add('selected');
    }
    this.minimap?.select();
    renderDetails(this.dom.details, this.model, s, this.post);
  }

  private select(target: GraphTarget): void {
    this.selected = target;
    const p = target.kind === 'process' ? this.model.processes.get(processKey(target.proc)) : undefined;
    const key = target.kind === 'namespace' ? nsKey(target.ns) : p && nsKey({ dev: p.nsDev, inode: p.ns });
    // A compact card that is picked is drawn in full.
    if (key && this.compact.has(key)) {
      this.anchorKey = key;
      this.render(true, new Set(this.model.namespaces.keys()));
      this.anchorKey = undefined;
    }
    this.applySelection();
    this.post({ type: 'revealInTree', target });
    this.saveSoon();
  }

  private selectNamespace(key: string): void {
    if (isGroupKey(key)) return this.toggleGroup(key);
    const ns = this.model.namespaces.get(key);
    if (ns) this.select({ kind: 'namespace', ns: { dev: ns.dev, inode: ns.inode } });
  }

  private selectProcess(key: string): void {
    const p = this.model.processes.get(key);
    if (p) this.select({ kind: 'process', proc: { pid: p.pid, startTime: p.startTime } });
  }

  /** Open a group in place (its members become cards in the grid after it), or close it again. */
  private toggleGroup(key: string): void {
    if (this.groupUi.open.has(key)) this.groupUi.open.delete(key);
    else this.groupUi.open.add(key);
    // The grid reflows around the group: keep the group card itself still on screen.
    this.anchorKey = key;
    this.render(true, new Set(this.model.namespaces.keys()));
    this.anchorKey = undefined;
    this.setRoving(key);
    this.saveSoon();
  }

  private toggle(key: string): void {
    if (isGroupKey(key)) return this.toggleGroup(key);
    if (this.compact.has(key)) {
      this.ui.expanded.set(key, true);
      this.anchorKey = key;
      this.render(true, new Set(this.model.namespaces.keys()));
      this.anchorKey = undefined;
      return this.saveSoon();
    }
    const rows = this.rows.get(key);
    if (!rows) return;
    this.ui.expanded.set(key, rows.collapsed);
    this.render(false, new Set([key]));
    this.saveSoon();
  }

  private setRoving(key: string | undefined): void {
    if (this.focused) this.cards.get(this.focused)?.setAttribute('tabindex', '-1');
    this.focused = key;
    if (key) this.cards.get(key)?.setAttribute('tabindex', '0');
  }

  private focusCard(key: string, center = false): void {
    this.setRoving(key);
    this.cards.get(key)?.focus({ preventScroll: true });
    if (center || !this.isInView(key)) this.centerOn(key);
  }

  private isInView(key: string): boolean {
    const p = this.layout.places.get(key);
    if (!p) return true;
    const t = this.transform;
    const [x0, y0] = t.apply([p.x, p.y]);
    const [x1, y1] = t.apply([p.x + p.w, p.y + Math.min(p.h, 80)]);
    return x0 >= 0 && y0 >= 0 && x1 <= this.size.w && y1 <= this.size.h;
  }

  /** Centre a card (or, `rowY` given, that line of it), zooming in far enough to read it. */
  private centerOn(key: string, rowY?: number): void {
    const p = this.layout.places.get(key);
    if (!p) return;
    const k = Math.max(this.transform.k, LEGIBLE_SCALE);
    const [cx, cy] = [p.x + p.w / 2, rowY === undefined ? p.y + Math.min(p.h, 200) / 2 : p.y + rowY];
    select(this.dom.viewport).call(
      this.zoom.transform,
      zoomIdentity.translate(this.size.w / 2 - k * cx, this.size.h / 2 - k * cy).scale(k),
    );
  }

  private onZoom(t: ZoomTransform): void {
    this.transform = t;
    this.dom.world.style.transform = `translate(${t.x}px, ${t.y}px) scale(${t.k})`;
    // Semantic zoom: below FAR_SCALE rows are unreadable, so they are not drawn or laid out at all, and
    // the card text goes too (a box with its count), which keeps painting thousands of cards cheap.
    this.dom.world.classList.toggle('lod-tiny', t.k < TINY_SCALE);
    const far = t.k < FAR_SCALE;
    // Far out, the count on each box is drawn larger as the zoom shrinks (graph.css reads --inv-k); set only
    // then, since a change restyles every card.
    if (far) this.dom.world.style.setProperty('--inv-k', (1 / t.k).toFixed(3));
    if (far !== this.far) {
      this.far = far;
      this.dom.world.classList.toggle('lod-far', far);
    }
    this.minimap?.setView();
    this.drawDueRows();
    this.saveSoon();
  }

  private saveSoon(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      const t = this.transform;
      this.store.setState(toPersisted(this.ui, { x: t.x, y: t.y, k: t.k }, this.selected, this.groupUi, this.minimap?.shown));
    }, 150);
  }

  private wireEvents(): void {
    const { world, viewport } = this.dom;
    world.addEventListener('click', (ev) => this.onClick(ev));
    world.addEventListener('input', (ev) => this.onFilter(ev));
    // Enter in a group's search box jumps to its first match.
    world.addEventListener('keydown', (ev) => {
      const key = (ev.target as HTMLElement).closest<HTMLElement>('.group')?.dataset.key;
      const first =
        key && ev.key === 'Enter' && (ev.target as HTMLElement).closest('.filter') ? this.display.groups.get(key)?.matches[0] : undefined;
      if (first) this.focusCard(first, true);
    });
    world.addEventListener('pointerover', (ev) => this.onPointer(ev));
    world.addEventListener('pointerleave', () => this.hover.clear());
    world.addEventListener('focusin', (ev) => {
      const card = (ev.target as HTMLElement).closest<HTMLElement>('.card');
      const key = card?.dataset.key;
      const rows = key && this.rows.get(key);
      if (card && key && rows) syncToggle(card, this.model, key, rows, true);
      if (!key || ev.target !== card) return;
      this.setRoving(key);
      // A keyboard user who lands on a card wants to read it: bring it into view, zoomed in enough.
      if (this.far || !this.isInView(key)) this.centerOn(key);
    });
    // VS Code reads data-vscode-context when the context menu opens; setting it then (capture phase,
    // before VS Code's own listener) saves two attributes on each of thousands of rows.
    world.addEventListener('contextmenu', (ev) => setMenuContext(ev.target as HTMLElement, this.model), true);
    viewport.addEventListener('keydown', (ev) =>
      handleKey(
        {
          model: this.model,
          layout: this.layout,
          card: (k) => this.cards.get(k),
          focusCard: (k) => this.focusCard(k),
          selectNamespace: (k) => this.selectNamespace(k),
          selectProcess: (k) => this.selectProcess(k),
          toggle: (k) => this.toggle(k),
          fit: () => this.fit(),
        },
        ev,
      ),
    );
  }

  private onClick(ev: MouseEvent): void {
    const target = ev.target as HTMLElement;
    const card = target.closest<HTMLElement>('.card');
    const key = card?.dataset.key;
    if (!key || target.closest('vscode-textfield')) return;
    if (target.closest('.toggle') || isGroupKey(key)) return this.toggle(key);
    const row = target.closest<HTMLElement>('.row');
    if (row?.dataset.key) this.selectProcess(row.dataset.key);
    else this.selectNamespace(key);
    this.setRoving(key);
  }

  private onFilter(ev: Event): void {
    const field = ev.target as HTMLElement & { value?: string };
    const key = field.closest<HTMLElement>('.card')?.dataset.key;
    if (!key || !field.classList.contains('filter')) return;
    if (isGroupKey(key)) {
      this.groupUi.filters.set(key, field.value ?? '');
      this.find(field.value ?? '');
      this.render(true, new Set(this.model.namespaces.keys()));
      this.saveSoon();
      return;
    }
    this.ui.filters.set(key, field.value ?? '');
    this.render(false, new Set([key]));
    this.saveSoon();
  }

  private onPointer(ev: PointerEvent): void {
    const target = ev.target as HTMLElement;
    const at = { x: ev.clientX, y: ev.clientY };
    const row = target.closest<HTMLElement>('.row');
    const p = row?.dataset.key ? this.model.processes.get(row.dataset.key) : undefined;
    if (row && p) return this.hover.showProcess(p, row, at);
    const card = target.closest<HTMLElement>('.card');
    const key = card?.dataset.key;
    if (!card || !key) return this.hover.clear();
    const rows = this.rows.get(key);
    if (rows) syncToggle(card, this.model, key, rows, true);
    this.hover.showNamespace(key, at);
  }
}
