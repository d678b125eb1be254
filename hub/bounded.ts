/** Runs `fn` over `items` with at most `limit` in flight; results in input order; the first failure wins. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** ±`fraction` jitter around `ms` (Flux's jittered requeue), with injected randomness in [0,1). */
export function jitter(ms: number, fraction: number, random: () => number): number {
  return Math.max(0, Math.round(ms * (1 + fraction * (2 * random() - 1))));
}
