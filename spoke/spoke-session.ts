import { connect, type Authenticator, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { errorMessage, silentLogger, type Clock, type Logger } from "../core/index.js";
import {
  explainNatsConnectFailure,
  encodeMessage,
  fetchDesiredState,
  isProtocolError,
  PROTOCOL_ERROR_CODES,
  signHeartbeat,
  decodeNotify,
  signHello,
  signStatusReport,
  spokeConnectOptions,
  subjects,
  verifyEnvelope,
  type Bundle,
  type DesiredStateEnvelope,
  type SigningKey,
  type StatusReportInput,
} from "../protocol/index.js";
import { backoffDelay } from "./outcome.js";
import { repeatEvery } from "./repeat-every.js";

export interface VerifiedEnvelope {
  readonly envelope: DesiredStateEnvelope;
  readonly bundle: Bundle;
}

export interface SpokeSessionOptions {
  readonly servers: string | readonly string[];
  readonly fleet: string;
  readonly cluster: string;
  /** Pinned hub public keys (`ed25519:…`), several during a rotation. */
  readonly hubKeys: readonly string[];
  readonly authenticator?: Authenticator | undefined;
  readonly tls?: { caFile?: string; certFile?: string; keyFile?: string } | undefined;
  readonly statusKey: SigningKey;
  readonly spokeVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly sealingCert: () => Promise<string | undefined>;
  /** Extra signed Hello fields (e.g. `keyBackup`, the age-encrypted sealing key backup). */
  readonly helloExtra?: () => Promise<Record<string, unknown>>;
  readonly heartbeatSeconds: number;
  /** The periodic revision check: a lost notify never leaves the spoke stale longer than this. */
  readonly checkIntervalMs: number;
  /** Cap of the first-connect backoff (default 30 s). */
  readonly connectBackoffMaxMs?: number;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger?: Logger;
  /** The generation the spoke accepted last; older envelopes are rejected. */
  readonly minGeneration: () => number;
  readonly applied: () => { generation: number; revision: string } | undefined;
  /** A verified envelope for this cluster (the raw JSON is what the local cache stores). */
  readonly onVerified: (verified: VerifiedEnvelope, raw: string) => void;
  /** A fetched envelope failed verification; the current state is kept. */
  readonly onRejected: (code: string, message: string) => void;
}

/**
 * The spoke's NATS session (docs/protocol.md): connect with the per-cluster inbox prefix, Hello,
 * heartbeats, notify subscription, and a fetch of its own KV key (per-key direct get) on notify,
 * on every (re)connect and on a periodic check. Reconnects use nats.js's jittered backoff; the
 * first connection is retried with ours. Never creates a consumer, never writes KV.
 */
export class SpokeSession {
  readonly #o: SpokeSessionOptions;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  #nc: NatsConnection | undefined;
  #fetching: Promise<void> | undefined;
  #fetchAgain = false;
  #lastKvRevision = -1;
  #pendingReport: StatusReportInput | undefined;
  #latestReport: StatusReportInput | undefined;
  #loops: Promise<void>[] = [];
  #connected = false;
  /** Counters for tests and metrics. */
  readonly stats = { fetches: 0, verified: 0, rejected: 0, hellos: 0, reports: 0, connects: 0 };

  constructor(options: SpokeSessionOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger();
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Connects (retrying with jittered backoff until it works or stop() is called) and starts the loops. */
  async start(): Promise<void> {
    let attempt = 0;
    const options = {
      servers: typeof this.#o.servers === "string" ? this.#o.servers : [...this.#o.servers],
      ...spokeConnectOptions(this.#o.cluster),
      name: `flotilla-spoke-${this.#o.cluster}`,
      ...(this.#o.authenticator === undefined ? {} : { authenticator: this.#o.authenticator }),
      ...(this.#o.tls === undefined ? {} : { tls: this.#o.tls }),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      reconnectJitter: 1000,
      pingInterval: 10_000,
    };
    while (!this.#stop.signal.aborted) {
      try {
        this.#nc = await connect(options);
        break;
      } catch (err) {
        attempt++;
        const delay = backoffDelay(attempt, this.#o.random, 500, this.#o.connectBackoffMaxMs ?? 30_000);
        this.#logger.warn({ attempt, delay, error: await explainNatsConnectFailure(err, options) }, "cannot connect to NATS, retrying");
        await this.#o.clock.sleep(delay, this.#stop.signal).catch(() => undefined);
      }
    }
    const nc = this.#nc;
    if (nc === undefined) return;
    this.#connected = true;
    this.stats.connects++;
    const sub = nc.subscribe(subjects.notify(this.#o.fleet, this.#o.cluster));
    this.#loops.push(this.#notifyLoop(sub), this.#statusLoop(nc), this.#timerLoop(this.#o.heartbeatSeconds * 1000, () => this.#heartbeat()), this.#timerLoop(this.#o.checkIntervalMs, () => this.fetchNow()));
    await this.#onConnected();
  }

  async #onConnected(): Promise<void> {
    await this.#hello();
    const pending = this.#pendingReport;
    if (pending !== undefined) this.publishStatus(pending);
    this.#lastKvRevision = -1;
    await this.fetchNow();
  }

  async #notifyLoop(sub: Subscription): Promise<void> {
    for await (const msg of sub) {
      // A notify is only a hint (the envelope is verified on fetch); one asking for Hello means the
      // hub cannot verify this spoke's messages, e.g. it restarted and missed this spoke's Hello.
      if (wantsAnnounce(msg.data)) void this.announce().catch((err: unknown) => this.#logger.debug({ error: errorMessage(err) }, "announce failed"));
      void this.fetchNow();
    }
  }

  async #statusLoop(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") {
        this.#connected = false;
        this.#logger.warn("NATS disconnected; enforcing the last verified state");
      } else if (s.type === "reconnect") {
        this.#connected = true;
        this.stats.connects++;
        this.#logger.info("NATS reconnected");
        void this.#onConnected();
      }
    }
  }

  #timerLoop(ms: number, tick: () => Promise<void> | void): Promise<void> {
    return repeatEvery({ clock: this.#o.clock, intervalMs: ms, signal: this.#stop.signal, tick, onError: (err) => this.#logger.debug({ error: errorMessage(err) }, "periodic task failed") });
  }


  async #hello(): Promise<void> {
    const nc = this.#nc;
    if (nc === undefined || nc.isClosed()) return;
    const applied = this.#o.applied();
    const cert = await this.#o.sealingCert();
    const extra = (await this.#o.helloExtra?.()) ?? {};
    const hello = signHello(
      {
        fleet: this.#o.fleet,
        cluster: this.#o.cluster,
        sentAt: new Date(this.#o.clock.now()).toISOString(),
        spokeVersion: this.#o.spokeVersion,
        labels: { ...this.#o.labels },
        heartbeatSeconds: this.#o.heartbeatSeconds,
        ...(cert === undefined ? {} : { sealingCert: cert }),
        ...(applied === undefined ? {} : { appliedGeneration: applied.generation, appliedRevision: applied.revision }),
        ...extra,
      },
      this.#o.statusKey,
    );
    nc.publish(subjects.hello(this.#o.fleet, this.#o.cluster), encodeMessage(hello));
    this.stats.hellos++;
  }

  #heartbeat(): void {
    const nc = this.#nc;
    if (nc === undefined || nc.isClosed() || !this.#connected) return;
    const applied = this.#o.applied();
    const hb = signHeartbeat(
      {
        fleet: this.#o.fleet,
        cluster: this.#o.cluster,
        sentAt: new Date(this.#o.clock.now()).toISOString(),
        ...(applied === undefined ? {} : { appliedGeneration: applied.generation, appliedRevision: applied.revision }),
      },
      this.#o.statusKey,
    );
    nc.publish(subjects.hello(this.#o.fleet, this.#o.cluster), encodeMessage(hb));
  }

  /** Fetches and verifies the own key now; concurrent calls coalesce into one more fetch. */
  fetchNow(): Promise<void> {
    if (this.#fetching !== undefined) {
      this.#fetchAgain = true;
      return this.#fetching;
    }
    this.#fetching = (async () => {
      try {
        do {
          this.#fetchAgain = false;
          await this.#fetchOnce();
        } while (this.#fetchAgain && !this.#stop.signal.aborted);
      } finally {
        this.#fetching = undefined;
      }
    })();
    return this.#fetching;
  }

  async #fetchOnce(): Promise<void> {
    const nc = this.#nc;
    if (nc === undefined || nc.isClosed() || !this.#connected) return;
    this.stats.fetches++;
    let fetched;
    try {
      fetched = await fetchDesiredState(nc, { fleet: this.#o.fleet, cluster: this.#o.cluster });
    } catch (err) {
      const code = isProtocolError(err) ? err.code : "NATS_FETCH_FAILED";
      this.#logger.warn({ code }, "fetching desired state failed");
      if (isProtocolError(err) && err.code !== PROTOCOL_ERROR_CODES.transport) this.#o.onRejected(code, errorMessage(err));
      return;
    }
    if (fetched === null || fetched.kvRevision === this.#lastKvRevision) return;
    const result = verifyEnvelope({
      envelope: fetched.envelope,
      hubPublicKey: this.#o.hubKeys,
      fleet: this.#o.fleet,
      cluster: this.#o.cluster,
      minGeneration: this.#o.minGeneration(),
    });
    this.#lastKvRevision = fetched.kvRevision;
    if (!result.ok) {
      this.stats.rejected++;
      this.#logger.warn({ code: result.error.code, field: result.error.field, generation: fetched.envelope.generation }, "rejected desired state");
      this.#o.onRejected(result.error.code, result.error.message);
      return;
    }
    this.stats.verified++;
    this.#o.onVerified({ envelope: result.envelope, bundle: result.bundle }, JSON.stringify(fetched.envelope));
  }

  /** Signs and publishes a status report; while disconnected the latest one waits for the reconnect. */
  publishStatus(report: StatusReportInput): void {
    this.#pendingReport = report;
    this.#latestReport = report;
    const nc = this.#nc;
    if (nc === undefined || nc.isClosed() || !this.#connected) return;
    try {
      nc.publish(subjects.status(this.#o.fleet, this.#o.cluster), encodeMessage(signStatusReport(report, this.#o.statusKey)));
      this.stats.reports++;
      this.#pendingReport = undefined;
    } catch (err) {
      this.#logger.warn({ error: errorMessage(err) }, "status publish failed; will retry on reconnect");
    }
  }

  /** Signs and sends Hello now, with the current sealing certificate and extra fields (keys changed). */
  async resendHello(): Promise<void> {
    await this.#hello();
  }

  /**
   * Sends Hello and the latest status report again (a hub that restarted without its status
   * bucket, or subscribed after this spoke's reconnect, learns the status key and state at once).
   */
  async announce(): Promise<void> {
    await this.#hello();
    const latest = this.#latestReport;
    if (latest !== undefined) this.publishStatus(latest);
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    const nc = this.#nc;
    if (nc !== undefined && !nc.isClosed()) await nc.close();
    await Promise.allSettled(this.#loops);
  }
}

function wantsAnnounce(data: Uint8Array): boolean {
  try {
    return decodeNotify(data).announce === true;
  } catch {
    return false;
  }
}
