/**
 * How a reconcile ended (STYLE.md §2, after Flux's runtime/errors): done → requeue at the jittered
 * interval; wait → requeue after N (not an error); retry → transient, back off; stalled → terminal,
 * do not retry until the desired state changes.
 */
export type Outcome =
  | { readonly kind: "done" }
  | { readonly kind: "wait"; readonly after: number; readonly reason: string }
  | { readonly kind: "retry"; readonly reason: string; readonly error: Error }
  | { readonly kind: "stalled"; readonly reason: string; readonly error: Error };

export const done = (): Outcome => ({ kind: "done" });
export const wait = (after: number, reason: string): Outcome => ({ kind: "wait", after, reason });
export const retry = (reason: string, error: Error): Outcome => ({ kind: "retry", reason, error });
export const stalled = (reason: string, error: Error): Outcome => ({ kind: "stalled", reason, error });

const RANK: Record<Outcome["kind"], number> = { done: 0, wait: 1, retry: 2, stalled: 3 };

/** The outcome that decides requeueing when several apps reconcile in one pass. */
export function worstOutcome(outcomes: readonly Outcome[]): Outcome {
  let worst: Outcome = done();
  for (const o of outcomes) if (RANK[o.kind] > RANK[worst.kind]) worst = o;
  return worst;
}

/** Flux's jitter: interval ± up to `fraction`, from an injected uniform [0,1) source. */
export function jittered(intervalMs: number, random: () => number, fraction = 0.1): number {
  return Math.round(intervalMs * (1 - fraction + 2 * fraction * random()));
}

/** Exponential backoff with full jitter, for reconnects and retries. */
export function backoffDelay(attempt: number, random: () => number, baseMs = 500, maxMs = 30_000): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (cap / 2) * random());
}
