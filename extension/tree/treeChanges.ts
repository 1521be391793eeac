// What VS Code last saw of each tree element, and which elements to refresh so that it shows the current
// model without closing the tooltip a person is reading. Pure (no vscode), unit tested.
//
// Measured in VS Code 1.100 (code-server, Chromium): refreshing an element (onDidChangeTreeData with it)
// re-renders its row and every row below it (the whole expanded subtree is fetched again), even when nothing
// changed; re-rendering a row disposes its hover, so an open tooltip closes and one waiting out the hover delay
// never opens. Refreshing a sibling leaves a row alone. Hence: refresh only elements whose own row or whose list
// of children changed, and never the element whose tooltip was just shown or any of its ancestors. And since a
// row re-rendered while the pointer waits out the hover delay never gets its tooltip, the refreshes of
// namespace-level elements with rows shown below them (their lists change with every namespace that comes or
// goes on the host) are spaced: a lone change at once, a stream of them once per interval.

/** The tree's invisible root (what getChildren() without an element returns). */
export const ROOT_ID = '';

/** An element as the model shows it now; undefined when it no longer exists. ROOT_ID always exists. */
export interface CurrentElement {
  /** Everything the row shows (label, description, icon, context value, expandable), as one string. */
  item: string;
  /** Ids of its children as getChildren would list them now. */
  children: string[];
  /** The tooltip markdown as it would be resolved now. */
  tooltip: () => string;
}

interface SeenElement {
  item?: string;
  children?: string[];
  parent?: string;
  /** When VS Code last asked for the tooltip (resolveTreeItem), and what it got: VS Code keeps it until a refresh. */
  resolvedAt?: number;
  tooltip?: string;
}

export interface ChangePolicy {
  /** An element whose tooltip was shown this recently is being read: it and its ancestors are not refreshed. */
  holdMs: number;
  /** A shown tooltip that went stale is refreshed (when not held) once it is this old. */
  tooltipMaxAgeMs: number;
  /** Elements whose refreshes are spaced when VS Code shows rows below them... */
  spaced: (id: string) => boolean;
  /** ...at most one such refresh in this long (ms). */
  spacingMs: number;
}

export interface ChangeOptions {
  /** Apply what tooltips hold back (a reveal the user asked for). */
  ignoreHolds?: boolean;
  /** Do not space (a whole new model: the first, or after a restart). Implied by ignoreHolds. */
  ignoreSpacing?: boolean;
}

export interface Changes {
  /** Refresh these now (topmost only: a refresh covers the subtree). ROOT_ID means the whole tree. */
  fire: string[];
  /** Changed but held; look again at this time (ms), or undefined if nothing waits. */
  retryAt: number | undefined;
}

export class SeenTree {
  private readonly seen = new Map<string, SeenElement>();
  /** When changes() last returned a spaced refresh. */
  private lastSpaced: number | undefined;

  /** VS Code rendered this element's row (getTreeItem). */
  recordItem(id: string, item: string): void {
    this.entry(id).item = item;
  }

  /** VS Code fetched this element's children (getChildren). */
  recordChildren(id: string, children: string[]): void {
    this.entry(id).children = children;
    for (const c of children) this.entry(c).parent = id;
  }

  /** VS Code is showing this element's tooltip (resolveTreeItem). */
  recordResolved(id: string, tooltip: string, now: number): void {
    const e = this.entry(id);
    e.resolvedAt = now;
    e.tooltip = tooltip;
  }

  /** The id of the element VS Code shows this one under, if known. */
  parentOf(id: string): string | undefined {
    return this.seen.get(id)?.parent;
  }

  /** Elements whose tooltip is held (shown within holdMs) and all their ancestors. */
  held(now: number, holdMs: number, alive: (id: string) => boolean): Set<string> {
    const out = new Set<string>();
    for (const [id, e] of this.seen) {
      if (e.resolvedAt === undefined || now - e.resolvedAt >= holdMs || !alive(id)) continue;
      for (let a: string | undefined = id; a !== undefined && !out.has(a); a = this.seen.get(a)?.parent) out.add(a);
    }
    return out;
  }

  /**
   * Compare what VS Code saw with the model. Elements that are gone are forgotten (their parent's list changed,
   * so the parent is refreshed). Returns what to refresh; the caller must call fired() with it.
   */
  changes(now: number, current: (id: string) => CurrentElement | undefined, policy: ChangePolicy, options: ChangeOptions = {}): Changes {
    const ignoreHolds = options.ignoreHolds ?? false;
    const dirty: string[] = [];
    const cur = new Map<string, CurrentElement>();
    let retryAt: number | undefined;
    const later = (t: number): void => {
      retryAt = retryAt === undefined ? t : Math.min(retryAt, t);
    };
    for (const [id, e] of [...this.seen]) {
      const c = current(id);
      if (!c) {
        this.seen.delete(id);
        continue;
      }
      cur.set(id, c);
      let changed = e.children !== undefined && !sameList(e.children, c.children);
      if (!changed && e.item !== undefined) changed = e.item !== c.item;
      if (!changed && e.resolvedAt !== undefined && e.tooltip !== c.tooltip()) {
        const due = e.resolvedAt + policy.tooltipMaxAgeMs;
        if (now >= due) changed = true;
        else later(due);
      }
      if (changed) dirty.push(id);
    }
    const spacedUntil =
      ignoreHolds || options.ignoreSpacing || this.lastSpaced === undefined ? undefined : this.lastSpaced + policy.spacingMs;
    // Too soon for another spaced refresh: look again when it is allowed.
    const tooSoon = (id: string): boolean => spacedUntil !== undefined && now < spacedUntil && this.isSpaced(id, policy);
    if (dirty.includes(ROOT_ID)) {
      if (!tooSoon(ROOT_ID)) return { fire: this.noteSpaced([ROOT_ID], now, policy), retryAt: undefined };
      later(spacedUntil as number);
    }
    const held = ignoreHolds ? new Set<string>() : this.held(now, policy.holdMs, (id) => cur.has(id));
    const fire: string[] = [];
    for (const id of dirty) {
      if (id === ROOT_ID) continue;
      if (held.has(id)) later(this.holdEnd(id, now, policy.holdMs));
      else if (tooSoon(id)) later(spacedUntil as number);
      else fire.push(id);
    }
    // A refresh covers the subtree: keep only the topmost of the elements to refresh.
    const set = new Set(fire);
    const topmost = fire.filter((id) => {
      for (let a = this.seen.get(id)?.parent; a !== undefined; a = this.seen.get(a)?.parent) if (set.has(a)) return false;
      return true;
    });
    return { fire: this.noteSpaced(topmost, now, policy), retryAt };
  }

  /** A refresh of this element would re-render rows below it, and is one to space. */
  private isSpaced(id: string, policy: ChangePolicy): boolean {
    return policy.spaced(id) && (this.seen.get(id)?.children?.length ?? 0) > 0;
  }

  /** These are refreshed now: a spaced one starts the interval before the next. */
  private noteSpaced(fire: string[], now: number, policy: ChangePolicy): string[] {
    if (fire.some((id) => this.isSpaced(id, policy))) this.lastSpaced = now;
    return fire;
  }

  /**
   * These elements were refreshed: VS Code renders them again and fetches their expanded subtrees again, with new
   * items whose tooltips it has not resolved. What it will see is the model now.
   */
  fired(ids: string[], current: (id: string) => CurrentElement | undefined): void {
    if (ids.includes(ROOT_ID)) {
      this.seen.clear();
      return;
    }
    for (const id of ids) {
      const c = current(id);
      const e = this.seen.get(id);
      if (!c || !e) continue;
      for (const d of this.descendants(id)) {
        const de = this.seen.get(d);
        if (!de) continue;
        de.children = undefined;
        de.resolvedAt = undefined;
        de.tooltip = undefined;
      }
      e.item = c.item;
      if (e.children !== undefined) this.recordChildren(id, c.children);
      e.resolvedAt = undefined;
      e.tooltip = undefined;
    }
  }

  /** Number of elements tracked (bounded by what VS Code has been shown and is still alive). */
  get size(): number {
    return this.seen.size;
  }

  private holdEnd(id: string, now: number, holdMs: number): number {
    // The hold on an ancestor ends with the last hold below it; look again when the earliest one ends.
    let end = now + holdMs;
    for (const [d, e] of this.seen) {
      if (e.resolvedAt === undefined || now - e.resolvedAt >= holdMs) continue;
      for (let a: string | undefined = d; a !== undefined; a = this.seen.get(a)?.parent) {
        if (a === id) {
          end = Math.min(end, e.resolvedAt + holdMs);
          break;
        }
      }
    }
    return end;
  }

  private descendants(id: string): string[] {
    const out: string[] = [];
    const stack = [...(this.seen.get(id)?.children ?? [])];
    while (stack.length > 0) {
      const d = stack.pop() as string;
      out.push(d);
      stack.push(...(this.seen.get(d)?.children ?? []));
    }
    return out;
  }

  private entry(id: string): SeenElement {
    let e = this.seen.get(id);
    if (!e) {
      e = {};
      this.seen.set(id, e);
    }
    return e;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
