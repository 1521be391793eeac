// The toolbar's search box, made to behave like VS Code's find widget: Ctrl/Cmd+F focuses it (and
// selects its text), typing finds and, after a short pause, goes to the first match; Enter or ↓ steps
// to the next, Shift+Enter or ↑ to the previous (both wrap); the count reads "3 of 12"; Escape clears
// it and gives the keyboard back to the graph. What matches is webview/search.ts; what a step shows
// (select, bring out of a group, pan and zoom) is the host's part.

import type { GraphModel } from './model';
import { countText, indexOfId, searchGraph, type SearchHit, type SearchResult } from './search';

export interface SearchHost {
  model: GraphModel;
  show(hit: SearchHit): void;
  /** Escape: the keyboard goes back to the graph. */
  leave(): void;
  /** The query changed: processes the webview does not hold are asked of the host (the model grows, refresh follows). */
  find?(query: string): void;
}

export interface SearchDom {
  field: HTMLElement & { value: string };
  count: HTMLElement;
  prev: HTMLElement;
  next: HTMLElement;
}

/** Pause after the last keystroke before the view jumps: every jump may lay the graph out again. */
const TYPE_PAUSE_MS = 250;
/** Most often the count follows live changes. */
const REFRESH_MS = 200;

export class SearchBox {
  private result: SearchResult = { hits: [], truncated: false };
  private index = -1;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** Typed a query that found nothing among the processes held: the host's answer may bring hits. */
  private awaitingHits = false;

  constructor(
    private readonly dom: SearchDom,
    private readonly host: SearchHost,
  ) {
    dom.field.addEventListener('input', () => this.onInput());
    dom.field.addEventListener('keydown', (ev) => this.onKey(ev));
    dom.prev.addEventListener('click', () => this.step(-1));
    dom.next.addEventListener('click', () => this.step(1));
    // Capture: before a card or the graph's own keys see it. VS Code's webview frame already stops the
    // browser's find for Ctrl/Cmd+F; here it focuses the graph's search instead.
    window.addEventListener(
      'keydown',
      (ev) => {
        if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && !ev.shiftKey && ev.key.toLowerCase() === 'f') {
          ev.preventDefault();
          this.focus();
        }
      },
      true,
    );
    this.paint();
  }

  focus(): void {
    this.dom.field.focus();
    this.dom.field.shadowRoot?.querySelector('input')?.select();
  }

  /**
   * The model changed (a diff, a new snapshot): count again, keeping the current match if it is still there.
   * Later, not in the diff's own frame: a search walks every process, and diffs come at event rate.
   */
  refresh(): void {
    if (this.query() === '' || this.refreshTimer !== undefined) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.recount();
    }, REFRESH_MS);
  }

  private recount(): void {
    if (this.query() === '') return;
    const current = this.result.hits[this.index]?.id;
    this.result = searchGraph(this.host.model, this.query());
    this.index = indexOfId(this.result, current);
    this.paint();
    // The hits the host sent for a query that found nothing here yet: jump to the first as typing would have.
    if (this.awaitingHits && this.result.hits.length > 0 && this.index < 0 && this.timer === undefined)
      this.timer = setTimeout(() => this.go(0), TYPE_PAUSE_MS);
    this.awaitingHits = false;
  }

  private query(): string {
    return this.dom.field.value ?? '';
  }

  private onInput(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.host.find?.(this.query());
    this.result = searchGraph(this.host.model, this.query());
    this.index = -1;
    this.awaitingHits = this.result.hits.length === 0 && this.host.find !== undefined;
    this.paint();
    if (this.result.hits.length > 0) this.timer = setTimeout(() => this.go(0), TYPE_PAUSE_MS);
  }

  private onKey(ev: KeyboardEvent): void {
    let handled = true;
    if (ev.key === 'Enter') this.step(ev.shiftKey ? -1 : 1);
    else if (ev.key === 'ArrowDown') this.step(1);
    else if (ev.key === 'ArrowUp') this.step(-1);
    else if (ev.key === 'Escape') this.clear();
    else handled = false;
    if (handled) {
      ev.preventDefault();
      ev.stopPropagation();
    }
  }

  /** Next or previous match; the first step after typing goes to the first (or, backwards, the last) one. */
  step(dir: 1 | -1): void {
    const n = this.result.hits.length;
    if (n === 0) return;
    const pending = this.timer !== undefined || this.index < 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (pending) return this.go(dir === 1 ? 0 : n - 1);
    this.go((this.index + dir + n) % n);
  }

  private go(index: number): void {
    this.timer = undefined;
    const hit = this.result.hits[index];
    if (!hit) return;
    this.index = index;
    this.paint();
    this.host.show(hit);
  }

  private clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dom.field.value = '';
    // vscode-textfield's value setter does not re-render its inner input.
    const input = this.dom.field.shadowRoot?.querySelector('input');
    if (input) input.value = '';
    this.result = { hits: [], truncated: false };
    this.index = -1;
    this.paint();
    this.host.leave();
  }

  private paint(): void {
    const empty = this.query().trim() === '';
    const text = empty ? '' : countText(this.result, this.index);
    if (this.dom.count.textContent !== text) this.dom.count.textContent = text;
    this.dom.count.classList.toggle('no-results', !empty && this.result.hits.length === 0);
    const none = this.result.hits.length === 0;
    this.dom.prev.toggleAttribute('disabled', none);
    this.dom.next.toggleAttribute('disabled', none);
  }
}
