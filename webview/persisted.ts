// What survives hiding and showing the panel (VS Code drops the webview's DOM when it is hidden):
// zoom and pan, the user's expand/collapse choices, search texts and the selection. Saved with the
// webview API's setState, which VS Code keeps per panel and hands to the serializer after a reload.

import type { GraphTarget } from '../shared/webviewProtocol';
import type { CardUi } from './cards';

export interface PersistedState {
  v: 1;
  transform: { x: number; y: number; k: number } | null;
  expanded: [string, boolean][];
  filters: [string, string][];
  selected: GraphTarget | null;
}

export interface StateStore {
  getState(): unknown;
  setState(state: unknown): void;
}

export function readState(store: StateStore): PersistedState {
  const raw = store.getState() as Partial<PersistedState> | undefined;
  if (!raw || raw.v !== 1) return { v: 1, transform: null, expanded: [], filters: [], selected: null };
  return {
    v: 1,
    transform: raw.transform ?? null,
    expanded: Array.isArray(raw.expanded) ? raw.expanded : [],
    filters: Array.isArray(raw.filters) ? raw.filters : [],
    selected: raw.selected ?? null,
  };
}

export function toPersisted(ui: CardUi, transform: PersistedState['transform'], selected: GraphTarget | null): PersistedState {
  return { v: 1, transform, expanded: [...ui.expanded], filters: [...ui.filters].filter(([, f]) => f !== ''), selected };
}
