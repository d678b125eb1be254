import { describe, expect, it } from "vitest";
import type { Clock } from "../core/index.js";
import { WorkQueue } from "./work-queue.js";
import { TokenBucket } from "./token-bucket.js";
import { withRetry, retryDelay } from "./retry-policy.js";
import { KubeApiError, KubeError } from "./kube-errors.js";

/** A clock that only moves when told to; sleepers wake in deadline order. */
function manualClock(): Clock & { advance(ms: number): Promise<void>; sleeps: number[] } {
  let now = 0;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        sleeps.push(ms);
        const t = { at: now + ms, resolve };
        timers.push(t);
        signal?.addEventListener("abort", () => {
          timers.splice(timers.indexOf(t), 1);
          reject(new Error("aborted"));
        });
      }),
    async advance(ms) {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.resolve();
      }
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe("WorkQueue", () => {
  it("dedupes queued keys and re-runs a key added while it was processing, once", async () => {
    const q = new WorkQueue({ clock: manualClock() });
    q.add("a");
    q.add("a");
    q.add("b");
    expect(q.len()).toBe(2);
    const k = await q.get();
    expect(k).toBe("a");
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(1);
    q.done("a");
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe("b");
    expect(await q.get()).toBe("a");
  });

  it("backs off exponentially per key and forgets on success", () => {
    const q = new WorkQueue({ clock: manualClock(), baseDelayMs: 100, maxDelayMs: 500 });
    expect([q.nextBackoff("k"), q.nextBackoff("k"), q.nextBackoff("k"), q.nextBackoff("k")]).toEqual([100, 200, 400, 500]);
    expect(q.nextBackoff("other")).toBe(100);
    q.forget("k");
    expect(q.nextBackoff("k")).toBe(100);
  });

  it("adds delayed keys only when the clock reaches them", async () => {
    const clock = manualClock();
    const q = new WorkQueue({ clock });
    q.addAfter("later", 1000);
    await clock.advance(999);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
  });

  it("run() processes keys, requeues failures with backoff and stops on abort", async () => {
    const clock = manualClock();
    const q = new WorkQueue({ clock, baseDelayMs: 50 });
    const seen: string[] = [];
    let fail = true;
    const ctl = new AbortController();
    const running = q.run(
      async (key) => {
        seen.push(key);
        if (key === "x" && fail) {
          fail = false;
          throw new Error("boom");
        }
        await Promise.resolve();
      },
      { signal: ctl.signal, concurrency: 2 },
    );
    q.add("x");
    q.add("y");
    await new Promise((r) => setImmediate(r));
    expect(seen.sort()).toEqual(["x", "y"]);
    expect(q.failures("x")).toBe(1);
    await clock.advance(50);
    await new Promise((r) => setImmediate(r));
    expect(seen.filter((k) => k === "x")).toHaveLength(2);
    expect(q.failures("x")).toBe(0);
    ctl.abort();
    await running;
  });
});

describe("TokenBucket", () => {
  it("allows a burst, then paces at qps", async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ qps: 10, burst: 3, clock });
    for (let i = 0; i < 3; i++) await bucket.take();
    let fourth = false;
    const p = bucket.take().then(() => (fourth = true));
    await new Promise((r) => setImmediate(r));
    expect(fourth).toBe(false);
    expect(clock.sleeps.at(-1)).toBe(100);
    await clock.advance(100);
    await p;
    expect(fourth).toBe(true);
  });
});

describe("withRetry", () => {
  it("retries 429/500/503 with exponential backoff and then succeeds", async () => {
    const clock = manualClock();
    const statuses = [503, 429, 500];
    let calls = 0;
    const p = withRetry(
      () => {
        calls++;
        const s = statuses.shift();
        return s === undefined ? Promise.resolve("ok") : Promise.reject(new KubeApiError({ status: s, reason: "x", verb: "get" }));
      },
      { policy: { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 }, clock },
    );
    for (let i = 0; i < 5; i++) await clock.advance(1000);
    await expect(p).resolves.toBe("ok");
    expect(calls).toBe(4);
    expect(clock.sleeps).toEqual([100, 200, 400]);
  });

  it("does not retry 404/409/422 and gives up after the attempts", async () => {
    const clock = manualClock();
    let calls = 0;
    await expect(
      withRetry(() => {
        calls++;
        return Promise.reject(new KubeApiError({ status: 409, reason: "Conflict", verb: "apply" }));
      }, { policy: { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 }, clock }),
    ).rejects.toMatchObject({ status: 409 });
    expect(calls).toBe(1);
    const p = withRetry(() => Promise.reject(new KubeError("KUBE_UNREACHABLE", "down")), { policy: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, clock });
    const settled = p.catch((e: unknown) => e);
    await new Promise((r) => setImmediate(r));
    await clock.advance(1);
    expect(await settled).toMatchObject({ code: "KUBE_UNREACHABLE" });
  });

  it("honours Retry-After up to the cap", () => {
    const err = new KubeApiError({ status: 429, reason: "TooManyRequests", verb: "get", retryAfterSeconds: 2 });
    expect(retryDelay({ attempts: 3, baseDelayMs: 100, maxDelayMs: 5000 }, 1, err)).toBe(2000);
    expect(retryDelay({ attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 }, 1, err)).toBe(1000);
  });
});
