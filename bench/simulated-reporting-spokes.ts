import type { NatsConnection } from "@nats-io/transport-node";
import { HEALTH, refId, refOf, type KubeObject } from "../kube/index.js";
import { encodeMessage, generateSigningKey, signHello, signStatusReport, subjects, type Bundle, type DesiredStateEnvelope, type SigningKey } from "../protocol/index.js";
import { buildStatusReport, type AppState } from "../spoke/status-report.js";
import { SimulatedSpokes } from "./simulated-spokes.js";

// Simulated spokes that close the loop to the hub (bench/e2e-commit-to-converged.ts): on top of the
// fetch + verify of bench/simulated-spokes.ts, each spoke says a signed Hello on connect (so the hub
// knows its status key), "applies" every verified bundle to an in-memory object map (no Kubernetes:
// every object is taken as applied, in sync and Healthy), and publishes the signed StatusReport the
// real spoke builds (spoke/status-report.ts buildStatusReport, signStatusReport, subjects.status).

/**
 * A simulated spoke's apply (also bench/soak-spokes.ts): every desired object replaces its entry in
 * the in-memory "cluster" `objects` (id → object), objects no longer desired are pruned, and every
 * object counts as applied, in sync and Healthy. Returns the apps for the status report.
 */
export function applyInMemory(objects: Map<string, KubeObject>, verified: { readonly envelope: DesiredStateEnvelope; readonly bundle: Bundle }): AppState[] {
  const seen = new Set<string>();
  const apps: AppState[] = verified.bundle.apps.map((app) => ({
    name: app.name,
    revision: verified.envelope.revision,
    pending: false,
    objects: app.objects.map((raw) => {
      const obj = raw as KubeObject;
      const id = refId(refOf(obj));
      seen.add(id);
      objects.set(id, obj);
      return { id, desired: obj, baseline: obj, live: obj, health: { status: HEALTH.healthy }, drift: [] };
    }),
  }));
  for (const id of objects.keys()) if (!seen.has(id)) objects.delete(id);
  return apps;
}

export interface ReportingSpokesOptions {
  readonly servers: string;
  readonly fleet: string;
  readonly clusters: readonly string[];
  readonly connections: number;
  readonly hubPublicKey: string;
}

interface SpokeState {
  readonly key: SigningKey;
  /** The in-memory "cluster": object id → the object as last applied. */
  readonly objects: Map<string, KubeObject>;
}

export class ReportingSpokes {
  readonly spokes: SimulatedSpokes;
  readonly #o: ReportingSpokesOptions;
  readonly #state = new Map<string, SpokeState>();
  /** Off: a verified envelope is only counted (the fan-out baseline); nothing is applied or reported. */
  reporting = true;
  /** Milliseconds spent applying to the object maps and building + signing reports, summed over every spoke. */
  applyMs = 0;
  reportMs = 0;
  /** performance.now() of the latest report published. */
  lastReportAt = 0;
  /** Objects in the latest bundle applied by each spoke, to check the fleet's shape. */
  readonly objectCounts = new Map<string, number>();

  constructor(options: ReportingSpokesOptions) {
    this.#o = options;
    // The spoke's status key pair; made here, before any timing (10 k ed25519 key pairs take a while).
    for (const cluster of options.clusters) this.#state.set(cluster, { key: generateSigningKey(), objects: new Map() });
    this.spokes = new SimulatedSpokes({
      servers: options.servers,
      fleet: options.fleet,
      clusters: options.clusters,
      connections: options.connections,
      hubPublicKey: options.hubPublicKey,
      fetchOnConnect: true,
      onConnected: (nc, clusters) => this.#hello(nc, clusters),
      onVerified: (spoke, verified) => {
        this.#applyAndReport(spoke.nc, spoke.cluster, verified);
      },
    });
  }

  #stateOf(cluster: string): SpokeState {
    const state = this.#state.get(cluster);
    if (state === undefined) throw new Error(`no simulated spoke for ${cluster}`);
    return state;
  }

  /** As SpokeSession.#hello: a self-signed Hello on the hello subject, before the first fetch. */
  async #hello(nc: NatsConnection, clusters: readonly string[]): Promise<void> {
    for (const cluster of clusters) {
      const hello = signHello({ fleet: this.#o.fleet, cluster, sentAt: new Date().toISOString(), spokeVersion: "bench", labels: {}, heartbeatSeconds: 15 }, this.#stateOf(cluster).key);
      nc.publish(subjects.hello(this.#o.fleet, cluster), encodeMessage(hello));
    }
    await nc.flush();
  }

  #applyAndReport(nc: NatsConnection, cluster: string, verified: { readonly envelope: DesiredStateEnvelope; readonly bundle: Bundle }): void {
    if (!this.reporting) return;
    const state = this.#stateOf(cluster);
    const { envelope } = verified;
    const t0 = performance.now();
    const apps = applyInMemory(state.objects, verified);
    this.objectCounts.set(cluster, state.objects.size);
    const t1 = performance.now();
    const report = buildStatusReport({
      fleet: this.#o.fleet,
      cluster,
      now: Date.now(),
      applied: { generation: envelope.generation, revision: envelope.revision, bundleDigest: envelope.bundleDigest },
      apps,
      errors: [],
    });
    nc.publish(subjects.status(this.#o.fleet, cluster), encodeMessage(signStatusReport(report, state.key)));
    const t2 = performance.now();
    this.applyMs += t1 - t0;
    this.reportMs += t2 - t1;
    this.lastReportAt = t2;
  }

  connect(): Promise<void> {
    return this.spokes.connect();
  }

  close(): Promise<void> {
    return this.spokes.close();
  }
}
