import type { Clock } from "../core/index.js";

export interface RepeatEveryOptions {
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly signal: AbortSignal;
  readonly tick: () => Promise<void> | void;
  /** A failed tick is reported here and the loop goes on. */
  readonly onError: (err: unknown) => void;
}

/** Runs `tick` every interval (after the first wait) until `signal` aborts. */
export async function repeatEvery(o: RepeatEveryOptions): Promise<void> {
  while (!o.signal.aborted) {
    try {
      await o.clock.sleep(o.intervalMs, o.signal);
    } catch {
      return;
    }
    try {
      await o.tick();
    } catch (err) {
      o.onError(err);
    }
  }
}
