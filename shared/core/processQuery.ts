// What the graph's search box means by a query, and which processes it names: one rule for the webview
// (webview/search.ts, over what it holds) and the extension host (which answers the webview's `find` over
// the whole model, since the webview holds only the processes it draws).

import type { ProcessInfo } from './types';

export interface Query {
  /** Lower-case text to find in names, ids and images; '' when the query is a `pid:[…]` form. */
  text: string;
  /** The query is all digits (or `pid:[digits]`): the number. */
  number: number | null;
  /** Only namespaces (the query was written `pid:[…]`). */
  nsOnly: boolean;
  /** `pid:[inferred from 27416]` (nsName.ts): the namespace inferred from that host PID. */
  inferredFrom?: number;
}

/** Parse what the user typed; null for a query that finds nothing (empty or blank). */
export function parseQuery(raw: string): Query | null {
  const q = raw.trim().toLowerCase();
  if (q === '') return null;
  // `pid:[4026532184]` as the tree, the cards and lsns write it; the closing bracket is optional while typing.
  // `pid:[inferred from 27416]`, as the views name a namespace inferred without its link.
  const inferred = /^(?:pid:)?\[?inferred from ([1-9]\d*)\]?$/.exec(q);
  if (inferred) return { text: inferred[1], number: null, nsOnly: true, inferredFrom: Number(inferred[1]) };
  const ns = /^(?:pid:)?\[(\d+)\]?$|^pid:\[?(\d*)\]?$/.exec(q);
  if (ns) {
    const digits = ns[1] ?? ns[2] ?? '';
    return digits === '' ? null : { text: digits, number: Number(digits), nsOnly: true };
  }
  return { text: q, number: /^\d+$/.test(q) ? Number(q) : null, nsOnly: false };
}

/** A process by its PID at any level of its NSpid (host PID included), or by a part of its comm. */
export function processMatches(p: ProcessInfo, q: Query): boolean {
  if (q.nsOnly) return false;
  if (q.number !== null) return p.pid === q.number || p.nspid.includes(q.number);
  return p.comm.toLowerCase().includes(q.text);
}
