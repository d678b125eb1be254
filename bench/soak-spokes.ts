import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { KubeObject } from "../kube/index.js";
import {
  encodeMessage,
  fetchDesiredState,
  generateSigningKey,
  signHeartbeat,
  signHello,
  signStatusReport,
  subjects,
  verifyEnvelope,
  type SigningKey,
} from "../protocol/index.js";
import { buildStatusReport, type AppState } from "../spoke/status-report.js";
import { applyInMemory } from "./simulated-reporting-spokes.js";

// The spokes of bench/soak.ts: each does what spoke/spoke-session.ts does over a long run, not only
// on one commit. Hello on connect, a fetch of its own key (per-key direct get) and verify on notify,
// on (re)connect and on a periodic check; an in-memory apply and a signed StatusReport for each new
// generation; a signed Heartbeat every `heartbeatSeconds`. Spokes share a small pool of NATS
// connections until they are restarted: a restarted spoke drops its notify subscription (it misses
// every notify while down), then comes back on a connection of its own, as a new process would,
// says Hello, fetches, reports, and must catch up to the latest generation.

/** Why a fetch ran; counted to show which path caught a spoke up. */
export const FETCH_CAUSE = { notify: "notify", start: "start", reconnect: "reconnect", periodic: "periodic" } as const;
export type FetchCause = (typeof FETCH_CAUSE)[keyof typeof FETCH_CAUSE];

export interface SoakSpokesOptions {
  /** Every server of the cluster; a restarted spoke connects to them in a random order. */
  readonly servers: readonly string[];
  readonly fleet: string;
  readonly clusters: readonly string[];
  /** Pooled connections the spokes start on. */
  readonly connections: number;
  readonly hubPublicKey: string;
  readonly heartbeatSeconds: number;
  /** The real spoke's periodic check of its own key (`--check-interval`), covering lost notifies. */
  readonly checkSeconds: number;
  /** Called whenever a spoke applied a newer generation. */
  readonly onApplied: (cluster: string, revision: string) => void;
  readonly random?: () => number;
}

interface SoakSpoke {
  readonly cluster: string;
  readonly index: number;
  readonly key: SigningKey;
  readonly objects: Map<string, KubeObject>;
  nc: NatsConnection;
  /** The connection is this spoke's own (it restarted at least once); closed at its next restart. */
  own: boolean;
  sub: Subscription | undefined;
  up: boolean;
  /** The applied generation survives a restart (the real spoke's cache Secret). */
  applied: number;
  revision: string | undefined;
  kvRevision: number;
  apps: AppState[];
  fetching: Promise<void> | undefined;
  again: boolean;
  /** Report even when the fetch finds nothing new: a starting spoke reports after its first pass. */
  reportNext: boolean;
  /** The highest generation a notify announced. */
  announced: number;
}

const RETRY_MS = 500;
/** The real spoke's reconnect settings (spoke/spoke-session.ts). */
const RECONNECT = { maxReconnectAttempts: -1, reconnectTimeWait: 1000, reconnectJitter: 1000, pingInterval: 10_000 } as const;

export class SoakSpokes {
  readonly #o: SoakSpokesOptions;
  readonly #random: () => number;
  readonly #spokes: SoakSpoke[] = [];
  readonly #byCluster = new Map<string, SoakSpoke>();
  readonly #pool: NatsConnection[] = [];
  #ticker: ReturnType<typeof setInterval> | undefined;
  #tick = 0;
  #closing = false;
  /** Fetches by cause, and how many of them found a newer generation. */
  readonly fetches: Record<FetchCause, number> = { notify: 0, start: 0, reconnect: 0, periodic: 0 };
  readonly caughtUp: Record<FetchCause, number> = { notify: 0, start: 0, reconnect: 0, periodic: 0 };
  fetchErrors = 0;
  rejected = 0;
  /**
   * Fetches after a notify that returned an older generation than the notify announced: the direct
   * get was answered by a replica that had not stored the put yet (any replica of an R3 stream with
   * allow_direct answers). As the real spoke, the soak's spoke then waits for the next notify or its
   * periodic check.
   */
  staleReads = 0;
  restarts = 0;
  reports = 0;
  heartbeats = 0;

  constructor(options: SoakSpokesOptions) {
    this.#o = options;
    this.#random = options.random ?? Math.random;
  }

  get size(): number {
    return this.#spokes.length;
  }

  /** Spokes down (restarting) right now. */
  get down(): number {
    return this.#spokes.filter((s) => !s.up).length;
  }

  /** Spokes up whose applied revision is not `revision`. */
  behind(revision: string): string[] {
    return this.#spokes.filter((s) => s.revision !== revision).map((s) => s.cluster);
  }

  /** Opens the pool, says Hello for every spoke, fetches, and starts the heartbeat and check timers. */
  async start(): Promise<void> {
    const size = Math.min(this.#o.connections, this.#o.clusters.length);
    for (let p = 0; p < size; p++) this.#pool.push(await this.#connect(`soak-pool-${String(p)}`));
    for (const [index, cluster] of this.#o.clusters.entries()) {
      const nc = this.#pool[index % size];
      if (nc === undefined) throw new Error("no pooled connection");
      const spoke: SoakSpoke = {
        cluster,
        index,
        key: generateSigningKey(),
        objects: new Map(),
        nc,
        own: false,
        sub: undefined,
        up: false,
        applied: 0,
        revision: undefined,
        kvRevision: -1,
        apps: [],
        fetching: undefined,
        again: false,
        reportNext: true,
        announced: 0,
      };
      this.#spokes.push(spoke);
      this.#byCluster.set(cluster, spoke);
    }
    for (const nc of this.#pool) void this.#statusLoop(nc);
    await Promise.all(this.#spokes.map((s) => this.#comeUp(s)));
    // One ticker spreads the heartbeats and checks evenly over their periods instead of all at once.
    this.#ticker = setInterval(() => this.#onTick(), 1000);
  }

  /**
   * Restarts one spoke: it goes down for `downMs` (its notifies are lost), then comes back on a new
   * connection of its own. Resolves once it is up again; no-op for a spoke already down.
   */
  async restart(cluster: string, downMs: number): Promise<void> {
    const spoke = this.#byCluster.get(cluster);
    if (spoke === undefined || !spoke.up || this.#closing) return;
    this.restarts++;
    spoke.up = false;
    spoke.sub?.unsubscribe();
    spoke.sub = undefined;
    if (spoke.own) await spoke.nc.close();
    await new Promise((r) => setTimeout(r, downMs));
    if (this.#closing) return;
    const nc = await this.#connect(`soak-${cluster}`);
    spoke.nc = nc;
    spoke.own = true;
    spoke.kvRevision = -1;
    spoke.reportNext = true;
    void this.#statusLoop(nc);
    await this.#comeUp(spoke);
  }

  /** A random spoke that is up, or undefined. */
  pickUp(): string | undefined {
    const up = this.#spokes.filter((s) => s.up);
    return up[Math.floor(this.#random() * up.length)]?.cluster;
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    await Promise.all([...this.#pool, ...this.#spokes.filter((s) => s.own).map((s) => s.nc)].map((nc) => nc.close().catch(() => undefined)));
  }

  #connect(name: string): Promise<NatsConnection> {
    // nats.js shuffles the server list itself; every node of the cluster is given, as to a real spoke.
    return connect({ servers: [...this.#o.servers], name, ...RECONNECT });
  }

  async #comeUp(spoke: SoakSpoke): Promise<void> {
    spoke.sub = spoke.nc.subscribe(subjects.notify(this.#o.fleet, spoke.cluster), {
      callback: (_err, msg) => {
        const notify = parseNotify(msg.data);
        if (notify.announce) this.#hello(spoke);
        spoke.announced = Math.max(spoke.announced, notify.generation);
        void this.#fetchNow(spoke, FETCH_CAUSE.notify);
      },
    });
    spoke.up = true;
    this.#hello(spoke);
    await spoke.nc.flush();
    await this.#fetchNow(spoke, FETCH_CAUSE.start);
  }

  async #statusLoop(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type !== "reconnect") continue;
      // As the real spoke: a reconnect means notifies may have been lost, so say Hello and fetch again.
      for (const spoke of this.#spokes) {
        if (spoke.nc !== nc || !spoke.up) continue;
        this.#hello(spoke);
        spoke.kvRevision = -1;
        void this.#fetchNow(spoke, FETCH_CAUSE.reconnect);
      }
    }
  }

  #onTick(): void {
    this.#tick++;
    const { heartbeatSeconds: hb, checkSeconds: check } = this.#o;
    for (const spoke of this.#spokes) {
      if (!spoke.up) continue;
      if ((spoke.index + this.#tick) % hb === 0) this.#heartbeat(spoke);
      if ((spoke.index + this.#tick) % check === 0) void this.#fetchNow(spoke, FETCH_CAUSE.periodic);
    }
  }

  #hello(spoke: SoakSpoke): void {
    const hello = signHello(
      {
        fleet: this.#o.fleet,
        cluster: spoke.cluster,
        sentAt: new Date().toISOString(),
        spokeVersion: "bench-soak",
        labels: {},
        heartbeatSeconds: this.#o.heartbeatSeconds,
        ...(spoke.revision === undefined ? {} : { appliedGeneration: spoke.applied, appliedRevision: spoke.revision }),
      },
      spoke.key,
    );
    spoke.nc.publish(subjects.hello(this.#o.fleet, spoke.cluster), encodeMessage(hello));
  }

  #heartbeat(spoke: SoakSpoke): void {
    if (spoke.nc.isClosed()) return;
    const hb = signHeartbeat(
      {
        fleet: this.#o.fleet,
        cluster: spoke.cluster,
        sentAt: new Date().toISOString(),
        ...(spoke.revision === undefined ? {} : { appliedGeneration: spoke.applied, appliedRevision: spoke.revision }),
      },
      spoke.key,
    );
    spoke.nc.publish(subjects.hello(this.#o.fleet, spoke.cluster), encodeMessage(hb));
    this.heartbeats++;
  }

  /** Concurrent calls coalesce into one more fetch, as in SpokeSession.fetchNow. */
  #fetchNow(spoke: SoakSpoke, cause: FetchCause): Promise<void> {
    if (spoke.fetching !== undefined) {
      spoke.again = true;
      return spoke.fetching;
    }
    spoke.fetching = (async () => {
      try {
        let why = cause;
        do {
          spoke.again = false;
          await this.#fetchOnce(spoke, why);
          why = FETCH_CAUSE.notify;
        } while (spoke.again && spoke.up);
      } finally {
        spoke.fetching = undefined;
      }
    })();
    return spoke.fetching;
  }

  async #fetchOnce(spoke: SoakSpoke, cause: FetchCause): Promise<void> {
    if (!spoke.up || spoke.nc.isClosed()) return;
    this.fetches[cause]++;
    let fetched;
    try {
      fetched = await fetchDesiredState(spoke.nc, { fleet: this.#o.fleet, cluster: spoke.cluster });
    } catch {
      // The real spoke waits for its next check; retrying sooner only shortens the soak's tail.
      this.fetchErrors++;
      if (!this.#closing) setTimeout(() => void this.#fetchNow(spoke, cause), RETRY_MS);
      return;
    }
    if (fetched === null) return;
    if (fetched.envelope.generation < spoke.announced) this.staleReads++;
    const unchanged = fetched.kvRevision === spoke.kvRevision;
    if (!unchanged) {
      const result = verifyEnvelope({ envelope: fetched.envelope, hubPublicKey: this.#o.hubPublicKey, fleet: this.#o.fleet, cluster: spoke.cluster, minGeneration: spoke.applied });
      if (!result.ok) {
        this.rejected++;
        return;
      }
      spoke.kvRevision = fetched.kvRevision;
      if (result.envelope.generation > spoke.applied || spoke.revision === undefined) {
        spoke.applied = result.envelope.generation;
        spoke.revision = result.envelope.revision;
        spoke.apps = applyInMemory(spoke.objects, result);
        spoke.reportNext = true;
        this.caughtUp[cause]++;
        this.#o.onApplied(spoke.cluster, result.envelope.revision);
      }
    }
    if (spoke.reportNext) this.#report(spoke, fetched.envelope.bundleDigest);
  }

  #report(spoke: SoakSpoke, bundleDigest: string): void {
    if (spoke.revision === undefined || spoke.nc.isClosed()) return;
    spoke.reportNext = false;
    const report = buildStatusReport({
      fleet: this.#o.fleet,
      cluster: spoke.cluster,
      now: Date.now(),
      applied: { generation: spoke.applied, revision: spoke.revision, bundleDigest },
      apps: spoke.apps,
      errors: [],
    });
    spoke.nc.publish(subjects.status(this.#o.fleet, spoke.cluster), encodeMessage(signStatusReport(report, spoke.key)));
    this.reports++;
  }
}

/** A notify's generation, and whether the hub asks for Hello again (it cannot verify this spoke's messages, e.g. after its restart). */
function parseNotify(data: Uint8Array): { readonly announce: boolean; readonly generation: number } {
  try {
    const n = JSON.parse(Buffer.from(data).toString("utf8")) as { announce?: unknown; generation?: unknown };
    return { announce: n.announce === true, generation: typeof n.generation === "number" ? n.generation : 0 };
  } catch {
    return { announce: false, generation: 0 };
  }
}
