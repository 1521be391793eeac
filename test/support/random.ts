// A seeded pseudo-random source for the randomised model tests: the same seed gives the same run, so a failure
// reproduces. (A 32-bit linear congruential generator, Numerical Recipes' constants.)
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
