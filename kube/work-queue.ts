import type { Clock } from "../core/index.js";

export interface WorkQueueOptions {
  readonly clock: Clock;
  /** First retry delay for a failing key; doubles per consecutive failure (client-go's ItemExponentialFailureRateLimiter). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * A keyed work queue like client-go's: a key is queued at most once, a key being processed is
 * never handed out twice at the same time (adding it again marks it to run once more after),
 * delayed adds and per-key exponential backoff for failures.
 */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #base: number;
  readonly #max: number;
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, AbortController>();
  #waiters: Array<() => void> = [];
  #closed = false;

  constructor(options: WorkQueueOptions) {
    this.#clock = options.clock;
    this.#base = options.baseDelayMs ?? 500;
    this.#max = options.maxDelayMs ?? 300_000;
  }

  add(key: string): void {
    if (this.#closed) return;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    const waiter = this.#waiters.shift();
    waiter?.();
  }

  /** Adds the key after `ms`; a later call for the same key replaces an earlier pending one. */
  addAfter(key: string, ms: number): void {
    if (this.#closed) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    this.#timers.get(key)?.abort();
    const ctl = new AbortController();
    this.#timers.set(key, ctl);
    this.#clock.sleep(ms, ctl.signal).then(
      () => {
        if (this.#timers.get(key) === ctl) this.#timers.delete(key);
        this.add(key);
      },
      () => undefined,
    );
  }

  /** The backoff before the next retry of `key`, counting this failure. */
  nextBackoff(key: string): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    return Math.min(this.#max, this.#base * 2 ** n);
  }

  /** Requeues after the key's exponential backoff; returns the delay used. */
  addRateLimited(key: string): number {
    const delay = this.nextBackoff(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets a key's failure count (after a success). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  len(): number {
    return this.#queue.length;
  }

  /** The next key, waiting until one is queued; undefined once the queue is shut down. */
  async get(): Promise<string | undefined> {
    while (this.#queue.length === 0) {
      if (this.#closed) return undefined;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    const key = this.#queue.shift();
    if (key === undefined) return undefined;
    this.#queued.delete(key);
    this.#processing.add(key);
    return key;
  }

  /** Marks a key finished; if it was added while processing, it is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
  }

  shutDown(): void {
    this.#closed = true;
    for (const t of this.#timers.values()) t.abort();
    this.#timers.clear();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /**
   * Runs `handler` for keys until `signal` aborts, with up to `concurrency` keys at once. A
   * thrown error requeues the key with backoff; a normal return forgets its failures.
   */
  async run(handler: (key: string) => Promise<void>, options: { concurrency?: number; signal: AbortSignal; onError?: (key: string, err: unknown) => void }): Promise<void> {
    const stop = (): void => this.shutDown();
    if (options.signal.aborted) stop();
    options.signal.addEventListener("abort", stop, { once: true });
    const worker = async (): Promise<void> => {
      for (;;) {
        const key = await this.get();
        if (key === undefined) return;
        try {
          await handler(key);
          this.forget(key);
        } catch (err) {
          options.onError?.(key, err);
          this.addRateLimited(key);
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker));
    options.signal.removeEventListener("abort", stop);
  }
}
