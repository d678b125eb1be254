import type { Clock } from "../core/index.js";

export interface TokenBucketOptions {
  /** Sustained requests per second (client-go's QPS). */
  readonly qps: number;
  /** Requests allowed at once before the rate applies. */
  readonly burst: number;
  readonly clock: Clock;
}

/**
 * client-go's default client-side limiter: a token bucket refilled at `qps`, holding at most
 * `burst` tokens. `take()` waits (on the injected clock) until a token is free.
 */
export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  /** Serialises waiters so tokens go out in arrival order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: TokenBucketOptions) {
    if (!(options.qps > 0) || !(options.burst >= 1)) throw new RangeError("qps must be > 0 and burst >= 1");
    this.#qps = options.qps;
    this.#burst = options.burst;
    this.#clock = options.clock;
    this.#tokens = options.burst;
    this.#last = options.clock.now();
  }

  /** Milliseconds until a token is free, after refilling; 0 when one is available now. */
  #delay(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#qps) / 1000);
    this.#last = now;
    if (this.#tokens >= 1) return 0;
    return Math.ceil(((1 - this.#tokens) * 1000) / this.#qps);
  }

  take(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(async () => {
      for (;;) {
        const wait = this.#delay();
        if (wait === 0) {
          this.#tokens -= 1;
          return;
        }
        await this.#clock.sleep(wait, signal);
      }
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Tokens available now (for tests and metrics). */
  available(): number {
    this.#delay();
    return this.#tokens;
  }
}
