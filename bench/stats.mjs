// Summary statistics shared by the benchmark scripts: medians and p95 of
// timing samples (nearest-rank on the sorted samples, no interpolation).

/** `{ median, p95, n }` of a list of numbers. */
export function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p95: at(0.95), n: sorted.length };
}
