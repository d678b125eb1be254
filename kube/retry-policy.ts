import type { Clock } from "../core/index.js";
import { isKubeApiError, KUBE_ERROR, isKubeError } from "./kube-errors.js";

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly attempts: number;
  /** Delay before the first retry; doubles each time, capped at `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** client-go retries throttling and transient server errors; these are the same statuses. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

export function isRetryable(err: unknown): boolean {
  if (isKubeApiError(err)) return RETRYABLE_STATUSES.has(err.status);
  return isKubeError(err) && err.code === KUBE_ERROR.unreachable;
}

/**
 * The delay before retry number `retry` (1-based): exponential, capped, and never shorter than a
 * server's Retry-After.
 */
export function retryDelay(policy: RetryPolicy, retry: number, err: unknown): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const after = isKubeApiError(err) && err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : 0;
  return Math.max(exp, Math.min(after, policy.maxDelayMs));
}

/** Runs `op`, retrying retryable failures with backoff on the injected clock. */
export async function withRetry<T>(
  op: () => Promise<T>,
  options: { policy: RetryPolicy; clock: Clock; signal?: AbortSignal | undefined; onRetry?: (err: unknown, delayMs: number) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= options.policy.attempts || !isRetryable(err)) throw err;
      const delay = retryDelay(options.policy, attempt, err);
      options.onRetry?.(err, delay);
      await options.clock.sleep(delay, options.signal);
    }
  }
}
