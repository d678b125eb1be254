import { connect, type NatsConnection } from "@nats-io/transport-node";
import { DesiredStateStore } from "../../hub/index.js";
import type { KubeObject } from "../../kube/index.js";
import {
  createEnvelope,
  decodeSpokeMessage,
  encodeBundle,
  generateSigningKey,
  subjects,
  verifySpokeMessage,
  type Bundle,
  type CreatedEnvelope,
  type HelloMessage,
  type SigningKey,
  type StatusReport,
} from "../../protocol/index.js";

/**
 * The hub's publishing side as the real hub does it (protocol envelopes through hub/'s
 * DesiredStateStore), plus a listener that verifies every spoke message with the spoke's key.
 * The spoke under test is real; only the hub's decision of *what* to publish is scripted.
 */
export class HubDouble {
  readonly key: SigningKey = generateSigningKey();
  readonly reports: StatusReport[] = [];
  readonly hellos: HelloMessage[] = [];
  readonly badSignatures: string[] = [];
  /** Messages that arrived before any Hello told this hub the spoke's key (as after a hub restart). */
  readonly unknownSender: string[] = [];
  nc!: NatsConnection;
  store!: DesiredStateStore;
  #spokeKey: string | undefined;

  readonly fleet: string;

  constructor(fleet: string) {
    this.fleet = fleet;
  }

  async connect(url: string): Promise<void> {
    this.nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    this.store = await DesiredStateStore.open(this.nc);
    const sub = this.nc.subscribe(`flotilla.${this.fleet}.>`);
    void (async () => {
      for await (const m of sub) {
        if (m.subject.includes(".notify.")) continue;
        let msg;
        try {
          msg = decodeSpokeMessage({ subject: m.subject, reply: m.reply, data: m.data }, this.fleet);
        } catch {
          continue;
        }
        if (msg.kind === "Hello") {
          this.#spokeKey = msg.statusKey;
          this.hellos.push(msg);
        }
        if (this.#spokeKey === undefined) {
          this.unknownSender.push(m.subject);
          continue;
        }
        if (!verifySpokeMessage(msg, this.#spokeKey)) {
          this.badSignatures.push(m.subject);
          continue;
        }
        if (msg.kind === "StatusReport") this.reports.push(msg);
      }
    })();
    // Make sure the server has the subscription before anyone publishes.
    await this.nc.flush();
  }

  envelope(cluster: string, generation: number, apps: Bundle["apps"], key: SigningKey = this.key): CreatedEnvelope {
    const revision = `rev-${generation}`;
    const bundle: Bundle = { apiVersion: "flotilla.dev/v1", kind: "Bundle", cluster, revision, apps };
    return createEnvelope({ fleet: this.fleet, cluster, generation, revision, issuedAt: Date.now(), bundle: encodeBundle(bundle), signingKey: key, maxPayload: 1024 * 1024 });
  }

  async publish(created: CreatedEnvelope, options: { notify?: boolean } = {}): Promise<void> {
    await this.store.put(created);
    if (options.notify ?? true) this.store.notify(this.fleet, created.envelope);
    await this.nc.flush();
  }

  /** Puts raw bytes under a cluster's key (for tampering tests) and notifies. */
  async putRaw(cluster: string, value: Uint8Array, generation: number): Promise<void> {
    await this.store.put({ envelope: { cluster } as CreatedEnvelope["envelope"], value });
    this.nc.publish(subjects.notify(this.fleet, cluster), new TextEncoder().encode(JSON.stringify({ protocol: 1, kind: "Notify", fleet: this.fleet, cluster, generation, revision: "x" })));
    await this.nc.flush();
  }

  lastReport(): StatusReport | undefined {
    return this.reports.at(-1);
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}

export const configMap = (name: string, ns: string, data: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data });
