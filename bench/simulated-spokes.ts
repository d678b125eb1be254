import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import {
  createEnvelope,
  encodeBundle,
  fetchDesiredState,
  subjects,
  verifyEnvelope,
  type Bundle,
  type CreatedEnvelope,
  type DesiredStateEnvelope,
  type SigningKey,
} from "../protocol/index.js";

// Shared by bench/fanout-converge.ts, bench/reconnect-storm.ts and (through
// bench/simulated-reporting-spokes.ts) bench/e2e-commit-to-converged.ts; not a benchmark itself: many
// simulated spokes, each doing what spoke/spoke-session.ts does on a notify or a reconnect (a per-key
// direct get of its own key with fetchDesiredState, then verifyEnvelope), spread over a small pool
// of NATS connections because one process on 2 cores cannot hold 10 k TCP connections usefully.

export const BENCH_FLEET = "bench";
const REVISION = "0123456789abcdef0123456789abcdef01234567";
/** A failed fetch is tried again after this long (the real spoke waits for its periodic check). */
const RETRY_MS = 100;


export function clusterNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `c${String(i)}`);
}

/** A small bundle: 3 apps of one ConfigMap each, like bench/hub-publish.ts. */
function benchBundle(cluster: string, generation: number): Bundle {
  return {
    apiVersion: "flotilla.dev/v1",
    kind: "Bundle",
    cluster,
    revision: REVISION,
    apps: Array.from({ length: 3 }, (_, a) => ({
      name: `app${String(a)}-${cluster}`,
      namespace: `app${String(a)}`,
      objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cfg${String(a)}`, namespace: `app${String(a)}` }, data: { cluster, generation: String(generation) } }],
    })),
  };
}

/** Signed envelopes for one generation of every cluster (CPU work, done before any timing). */
export function buildEnvelopes(options: { clusters: readonly string[]; generation: number; signingKey: SigningKey; maxPayload: number }): CreatedEnvelope[] {
  return options.clusters.map((cluster) =>
    createEnvelope({
      fleet: BENCH_FLEET,
      cluster,
      generation: options.generation,
      revision: REVISION,
      issuedAt: Date.now(),
      bundle: encodeBundle(benchBundle(cluster, options.generation)),
      signingKey: options.signingKey,
      maxPayload: options.maxPayload,
    }),
  );
}

export interface SimulatedSpokesOptions {
  readonly servers: string;
  readonly clusters: readonly string[];
  readonly connections: number;
  readonly hubPublicKey: string;
  /** Fetch every spoke's key as soon as its connection is up (what a starting spoke does). */
  readonly fetchOnConnect: boolean;
  /** The fleet in subjects and envelopes (default BENCH_FLEET). */
  readonly fleet?: string | undefined;
  /** Once a pooled connection is up and its spokes subscribed, before any fetch (e.g. to send Hello). */
  readonly onConnected?: ((nc: NatsConnection, clusters: readonly string[]) => Promise<void>) | undefined;
  /**
   * Fetches (and floor requests) in flight at once across the pool; unlimited when absent. A real
   * spoke has one; 10 000 at once in one thread only make requests wait past their timeout while
   * earlier replies are verified. The fan-out and the request/reply floor go through the same limit.
   */
  readonly maxInFlight?: number | undefined;
  /** After a spoke verified an envelope, before it counts as done (e.g. apply and report). */
  readonly onVerified?: ((spoke: { readonly cluster: string; readonly nc: NatsConnection }, verified: { readonly envelope: DesiredStateEnvelope; readonly bundle: Bundle }) => void) | undefined;
}

/** What a notify does to the spokes: a real spoke's fetch and verify, or (for the core-NATS floor) only a count. */
export const NOTIFY_MODE = { spoke: "spoke", floor: "floor" } as const;
export type NotifyMode = (typeof NOTIFY_MODE)[keyof typeof NOTIFY_MODE];

interface Spoke {
  readonly cluster: string;
  readonly nc: NatsConnection;
  applied: number;
  counted: boolean;
  fetching: Promise<void> | undefined;
  again: boolean;
}

export class SimulatedSpokes {
  readonly #o: SimulatedSpokesOptions;
  readonly #fleet: string;
  readonly #spokes: Spoke[] = [];
  readonly #pool: NatsConnection[] = [];
  readonly #subs: Subscription[] = [];
  #mode: NotifyMode = NOTIFY_MODE.spoke;
  #target = Number.POSITIVE_INFINITY;
  #count = 0;
  #done: (() => void) | undefined;
  #doneAt = 0;
  /** Fetch attempts that failed (transport or stale) and were tried again. */
  retries = 0;
  /** performance.now() of every "reconnect" status event seen across the pool. */
  readonly reconnectedAt: number[] = [];
  /** Milliseconds spent in verifyEnvelope (signature, gunzip, digest, schema), summed over every spoke. */
  verifyMs = 0;
  #inFlight = 0;
  readonly #queued: (() => void)[] = [];

  constructor(options: SimulatedSpokesOptions) {
    this.#o = options;
    this.#fleet = options.fleet ?? BENCH_FLEET;
  }

  /**
   * Counts from now: the next converged() resolves once every spoke has, after this call, fetched
   * and verified an envelope of at least `generation` (or, in floor mode, received a notify).
   */
  arm(generation: number, mode: NotifyMode = NOTIFY_MODE.spoke): void {
    this.#mode = mode;
    this.#target = generation;
    this.#count = 0;
    for (const s of this.#spokes) s.counted = false;
  }

  /** Resolves with the performance.now() at which the last spoke counted. */
  converged(timeoutMs: number): Promise<number> {
    if (this.#count === this.#o.clusters.length) return Promise.resolve(this.#doneAt);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`only ${String(this.#count)} of ${String(this.#o.clusters.length)} spokes done after ${String(timeoutMs)} ms`));
      }, timeoutMs);
      this.#done = () => {
        clearTimeout(timer);
        resolve(this.#doneAt);
      };
    });
  }

  /** Opens the pool and subscribes every spoke to its notify subject. */
  async connect(): Promise<void> {
    const size = Math.min(this.#o.connections, this.#o.clusters.length);
    await Promise.all(
      Array.from({ length: size }, async (_, p) => {
        // The real spoke's reconnect settings (spoke/spoke-session.ts): forever, 1 s plus up to 1 s of jitter.
        const nc = await connect({ servers: this.#o.servers, name: `bench-spokes-${String(p)}`, maxReconnectAttempts: -1, reconnectTimeWait: 1000, reconnectJitter: 1000 });
        this.#pool[p] = nc;
        const mine: Spoke[] = [];
        for (const [i, cluster] of this.#o.clusters.entries()) {
          if (i % size !== p) continue;
          const spoke: Spoke = { cluster, nc, applied: 0, counted: false, fetching: undefined, again: false };
          this.#spokes.push(spoke);
          mine.push(spoke);
          this.#subs.push(nc.subscribe(subjects.notify(this.#fleet, spoke.cluster), { callback: () => this.#onNotify(spoke) }));
        }
        void this.#statusLoop(nc, mine);
        await nc.flush();
        await this.#o.onConnected?.(nc, mine.map((s) => s.cluster));
        if (this.#o.fetchOnConnect) for (const s of mine) void this.#fetchNow(s);
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.#pool.map((nc) => nc.close()));
  }

  /**
   * The request/reply floor: every spoke, at once, sends one core-NATS request on its own pooled
   * connection and checks the reply with `check` (the bench's ed25519 verify). Resolves with the
   * milliseconds from the first request to the last check. Nothing else (no JetStream, no JSON, no
   * schema, no gunzip): what any design with a fetch and a signature check must at least do.
   */
  async requestFloor(options: { subject: (cluster: string) => string; check: (cluster: string, reply: Uint8Array) => void; timeoutMs: number }): Promise<number> {
    const t0 = performance.now();
    await Promise.all(
      this.#spokes.map((spoke) =>
        this.#limited(async () => {
          const reply = await spoke.nc.request(options.subject(spoke.cluster), undefined, { timeout: options.timeoutMs });
          options.check(spoke.cluster, reply.data);
        }),
      ),
    );
    return performance.now() - t0;
  }

  #onNotify(spoke: Spoke): void {
    if (this.#mode === NOTIFY_MODE.floor) this.#countOne(spoke);
    else void this.#fetchNow(spoke);
  }

  async #statusLoop(nc: NatsConnection, mine: readonly Spoke[]): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type !== "reconnect") continue;
      // As the real spoke: a reconnect means notifies may have been lost, so fetch the own key again.
      this.reconnectedAt.push(performance.now());
      for (const spoke of mine) void this.#fetchNow(spoke);
    }
  }

  #countOne(spoke: Spoke): void {
    if (spoke.counted) return;
    spoke.counted = true;
    this.#count++;
    if (this.#count === this.#o.clusters.length) {
      this.#doneAt = performance.now();
      this.#done?.();
      this.#done = undefined;
    }
  }

  /** Concurrent calls coalesce into one more fetch, as in SpokeSession.fetchNow. */
  #fetchNow(spoke: Spoke): Promise<void> {
    if (spoke.fetching !== undefined) {
      spoke.again = true;
      return spoke.fetching;
    }
    spoke.fetching = (async () => {
      try {
        do {
          spoke.again = false;
          await this.#limited(() => this.#fetchOnce(spoke));
        } while (spoke.again);
      } finally {
        spoke.fetching = undefined;
      }
    })();
    return spoke.fetching;
  }

  async #fetchOnce(spoke: Spoke): Promise<void> {
    let fetched;
    try {
      fetched = await fetchDesiredState(spoke.nc, { fleet: this.#fleet, cluster: spoke.cluster });
    } catch {
      this.#retryLater(spoke);
      return;
    }
    if (fetched === null) return;
    const t0 = performance.now();
    const result = verifyEnvelope({ envelope: fetched.envelope, hubPublicKey: this.#o.hubPublicKey, fleet: this.#fleet, cluster: spoke.cluster, minGeneration: spoke.applied });
    this.verifyMs += performance.now() - t0;
    if (!result.ok) throw new Error(`spoke ${spoke.cluster} rejected its envelope: ${result.error.code}`);
    spoke.applied = result.envelope.generation;
    this.#o.onVerified?.(spoke, result);
    if (spoke.applied >= this.#target) this.#countOne(spoke);
    else if (this.#target !== Number.POSITIVE_INFINITY) this.#retryLater(spoke);
  }

  /** Runs `work` once fewer than `maxInFlight` others run. */
  async #limited(work: () => Promise<void>): Promise<void> {
    if (this.#inFlight >= (this.#o.maxInFlight ?? Number.POSITIVE_INFINITY)) await new Promise<void>((resolve) => this.#queued.push(resolve));
    this.#inFlight++;
    try {
      await work();
    } finally {
      this.#inFlight--;
      this.#queued.shift()?.();
    }
  }

  #retryLater(spoke: Spoke): void {
    if (spoke.nc.isClosed()) return;
    this.retries++;
    setTimeout(() => void this.#fetchNow(spoke), RETRY_MS);
  }
}
