// What survives hiding and showing the panel (VS Code drops the webview's DOM when it is hidden):
// zoom and pan, the user's expand/collapse choices (cards and groups), search texts, the selection and the minimap switch. Saved with the
// webview API's setState, which VS Code keeps per panel and hands to the serializer after a reload.

import type { GraphTarget } from '../shared/webviewProtocol';
import type { CardUi } from './cards';
import type { GroupUi } from './groups';

export interface PersistedState {
  v: 1;
  transform: { x: number; y: number; k: number } | null;
  expanded: [string, boolean][];
  filters: [string, string][];
  selected: GraphTarget | null;
  /** Opened group cards (webview/groups.ts); absent in states saved before groups existed. */
  openGroups?: string[];
  groupFilters?: [string, string][];
  /** The minimap is shown (its toolbar button); absent: not. */
  minimap?: boolean;
}

export interface StateStore {
  getState(): unknown;
  setState(state: unknown): void;
}

export function readState(store: StateStore): PersistedState {
  const raw = store.getState() as Partial<PersistedState> | undefined;
  if (!raw || raw.v !== 1) return { v: 1, transform: null, expanded: [], filters: [], selected: null, openGroups: [], groupFilters: [] };
  return {
    v: 1,
    transform: raw.transform ?? null,
    expanded: Array.isArray(raw.expanded) ? raw.expanded : [],
    filters: Array.isArray(raw.filters) ? raw.filters : [],
    selected: raw.selected ?? null,
    openGroups: Array.isArray(raw.openGroups) ? raw.openGroups : [],
    groupFilters: Array.isArray(raw.groupFilters) ? raw.groupFilters : [],
    minimap: raw.minimap === true,
  };
}

export function toPersisted(
  ui: CardUi,
  transform: PersistedState['transform'],
  selected: GraphTarget | null,
  groups?: GroupUi,
  minimap?: boolean,
): PersistedState {
  return {
    v: 1,
    transform,
    expanded: [...ui.expanded],
    filters: [...ui.filters].filter(([, f]) => f !== ''),
    selected,
    openGroups: [...(groups?.open ?? [])],
    groupFilters: [...(groups?.filters ?? [])].filter(([, f]) => f !== ''),
    minimap: minimap === true,
  };
}
