// Small measuring helpers shared by the bench suites.
import { join } from 'node:path';

/** The product's bundle beside dist/bench.js: what the holder pass's worker runs in `pidns` and the helper. */
export const PRODUCT_BUNDLE = join(__dirname, 'pidns.js');

/** A positive integer from the environment (to scale a suite down or up), else the fallback. */
export function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/** The median; for an even count, the mean of the two middle samples. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Wall-clock milliseconds of one synchronous call. */
export function time(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}
