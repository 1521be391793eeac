// Search in lists kept in time order (trace entries, keyframes, replay events), shared by the trace's reader,
// its player and the replay webview.

/** How many of `timed` (ascending by t) are at or before `t`: also the index of the first one after `t`. */
export function countAtOrBefore(timed: readonly { t: number }[], t: number): number {
  let lo = 0;
  let hi = timed.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (timed[mid].t <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
