import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  encodeMessage,
  fetchDesiredState,
  generateSigningKey,
  signHeartbeat,
  signHello,
  signStatusReport,
  spokeConnectOptions,
  subjects,
  verifyEnvelope,
  type AppStatus,
  type Bundle,
  type SigningKey,
} from "../../protocol/index.js";

/**
 * Speaks the spoke's side of docs/protocol.md over a real NATS connection (hello, fetch, verify,
 * signed status), without applying anything: the hub tests judge the hub, not the spoke.
 */
export class SpokeDriver {
  readonly key: SigningKey = generateSigningKey();
  applied = 0;
  readonly nc: NatsConnection;
  readonly fleet: string;
  readonly cluster: string;
  readonly hubPublicKey: string;

  private constructor(nc: NatsConnection, fleet: string, cluster: string, hubPublicKey: string) {
    this.nc = nc;
    this.fleet = fleet;
    this.cluster = cluster;
    this.hubPublicKey = hubPublicKey;
  }

  static async connect(url: string, fleet: string, cluster: string, hubPublicKey: string): Promise<SpokeDriver> {
    const nc = await connect({ servers: url, ...spokeConnectOptions(cluster) });
    return new SpokeDriver(nc, fleet, cluster, hubPublicKey);
  }

  async hello(options: { heartbeatSeconds?: number; labels?: Record<string, string>; sealingCert?: string; keyBackup?: string } = {}): Promise<void> {
    const msg = signHello(
      {
        fleet: this.fleet,
        cluster: this.cluster,
        sentAt: new Date().toISOString(),
        spokeVersion: "test",
        labels: options.labels ?? {},
        heartbeatSeconds: options.heartbeatSeconds ?? 15,
        sealingCert: options.sealingCert,
        keyBackup: options.keyBackup,
      },
      this.key,
    );
    this.nc.publish(subjects.hello(this.fleet, this.cluster), encodeMessage(msg));
    await this.nc.flush();
  }

  async heartbeat(): Promise<void> {
    this.nc.publish(subjects.hello(this.fleet, this.cluster), encodeMessage(signHeartbeat({ fleet: this.fleet, cluster: this.cluster, sentAt: new Date().toISOString(), appliedGeneration: this.applied }, this.key)));
    await this.nc.flush();
  }

  /** Fetches and verifies the cluster's desired state like a spoke would. */
  async fetch(): Promise<{ generation: number; revision: string; bundle: Bundle } | null> {
    const fetched = await fetchDesiredState(this.nc, { fleet: this.fleet, cluster: this.cluster });
    if (fetched === null) return null;
    const result = verifyEnvelope({ envelope: fetched.envelope, hubPublicKey: this.hubPublicKey, fleet: this.fleet, cluster: this.cluster, minGeneration: 0 });
    if (!result.ok) throw result.error;
    return { generation: result.envelope.generation, revision: result.envelope.revision, bundle: result.bundle };
  }

  /** Fetches the current state and reports every app with the given health (as if applied). */
  async report(health: AppStatus["health"], options: { sync?: AppStatus["sync"]; signWith?: SigningKey } = {}): Promise<number> {
    const state = await this.fetch();
    if (state === null) throw new Error(`nothing published for ${this.cluster}`);
    this.applied = state.generation;
    const report = signStatusReport(
      {
        fleet: this.fleet,
        cluster: this.cluster,
        sentAt: new Date().toISOString(),
        generation: state.generation,
        revision: state.revision,
        apps: state.bundle.apps.map((a) => ({ name: a.name, sync: options.sync ?? "Synced", health, revision: state.revision })),
      },
      options.signWith ?? this.key,
    );
    this.nc.publish(subjects.status(this.fleet, this.cluster), encodeMessage(report));
    await this.nc.flush();
    return state.generation;
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}

/** Polls `check` until it returns a value (bounded; no fixed sleeps in assertions). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
