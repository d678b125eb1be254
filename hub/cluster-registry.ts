import { errorMessage } from "../core/index.js";
import {
  PROTOCOL_ERROR_CODES,
  decodeSpokeMessage,
  isProtocolError,
  verifySpokeMessage,
  type IncomingSpokeMessage,
  type StatusReport,
} from "../protocol/index.js";

export interface HelloInfo {
  readonly spokeVersion: string;
  readonly statusKey: string;
  readonly sealingCert?: string | undefined;
  readonly heartbeatSeconds: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly receivedAt: number;
}

/** What the hub knows of one cluster; persisted (as JSON) in `flotilla-status`. */
export interface ClusterEntry {
  readonly name: string;
  inRepo: boolean;
  repoLabels: Readonly<Record<string, string>>;
  hello?: HelloInfo | undefined;
  lastSeen?: number | undefined;
  appliedGeneration?: number | undefined;
  report?: StatusReport | undefined;
  reportAt?: number | undefined;
}

export type Connection = "Online" | "Offline";

export type IngestResult =
  | { readonly ok: true; readonly cluster: string; readonly kind: "Hello" | "Heartbeat" | "StatusReport" }
  | { readonly ok: false; readonly cluster?: string | undefined; readonly code: string; readonly reason: string };

export interface RegistryOptions {
  /** A cluster is offline after this many missed heartbeats (default 3). */
  readonly missedHeartbeats?: number;
  /** Heartbeat interval assumed before a cluster said hello (seconds, default 15). */
  readonly defaultHeartbeatSeconds?: number;
}

/** Clusters from the fleet repo plus spokes that said hello; verifies and records what spokes send. */
export class ClusterRegistry {
  readonly #entries = new Map<string, ClusterEntry>();
  readonly #fleet: string;
  readonly #missed: number;
  readonly #defaultHeartbeat: number;

  constructor(fleet: string, options: RegistryOptions = {}) {
    this.#fleet = fleet;
    this.#missed = options.missedHeartbeats ?? 3;
    this.#defaultHeartbeat = options.defaultHeartbeatSeconds ?? 15;
  }

  get(name: string): ClusterEntry | undefined {
    return this.#entries.get(name);
  }

  all(): ClusterEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  #entry(name: string): ClusterEntry {
    let e = this.#entries.get(name);
    if (e === undefined) {
      e = { name, inRepo: false, repoLabels: {} };
      this.#entries.set(name, e);
    }
    return e;
  }

  /** Clusters declared in the fleet repo (labels from there win over hello labels). */
  setRepoClusters(clusters: readonly { name: string; labels: Readonly<Record<string, string>> }[]): void {
    const names = new Set(clusters.map((c) => c.name));
    for (const e of this.#entries.values()) if (!names.has(e.name)) e.inRepo = false;
    for (const c of clusters) {
      const e = this.#entry(c.name);
      e.inRepo = true;
      e.repoLabels = { ...c.labels };
    }
  }

  labels(name: string): Record<string, string> {
    const e = this.#entries.get(name);
    return { ...(e?.hello?.labels ?? {}), ...(e?.repoLabels ?? {}) };
  }

  connection(name: string, now: number): Connection {
    const e = this.#entries.get(name);
    if (e?.lastSeen === undefined) return "Offline";
    const interval = (e.hello?.heartbeatSeconds ?? this.#defaultHeartbeat) * 1000;
    return now - e.lastSeen > this.#missed * interval ? "Offline" : "Online";
  }

  /** Verifies and records one message from a hello or status subject. Never throws on bad input. */
  ingest(incoming: IncomingSpokeMessage, now: number): IngestResult {
    let message;
    try {
      message = decodeSpokeMessage(incoming, this.#fleet);
    } catch (err) {
      return { ok: false, code: isProtocolError(err) ? err.code : PROTOCOL_ERROR_CODES.malformed, reason: errorMessage(err) };
    }
    const e = this.#entry(message.cluster);
    if (message.kind === "Hello") {
      // The hello is self-signed (proves the spoke holds the key); the NATS permission on the subject authenticates it.
      if (!verifySpokeMessage(message, message.statusKey)) {
        return { ok: false, cluster: message.cluster, code: PROTOCOL_ERROR_CODES.messageSignatureInvalid, reason: "hello signature does not verify" };
      }
      e.hello = {
        spokeVersion: message.spokeVersion,
        statusKey: message.statusKey,
        sealingCert: message.sealingCert,
        heartbeatSeconds: message.heartbeatSeconds,
        labels: { ...message.labels },
        receivedAt: now,
      };
    } else {
      const key = e.hello?.statusKey;
      if (key === undefined) {
        return { ok: false, cluster: message.cluster, code: PROTOCOL_ERROR_CODES.messageSignatureInvalid, reason: "no status key registered: the spoke must say hello first" };
      }
      if (!verifySpokeMessage(message, key)) {
        return { ok: false, cluster: message.cluster, code: PROTOCOL_ERROR_CODES.messageSignatureInvalid, reason: `${message.kind} signature does not verify with the registered key` };
      }
      if (message.kind === "StatusReport") {
        e.report = message;
        e.reportAt = now;
      }
    }
    if (message.kind !== "StatusReport" && message.appliedGeneration !== undefined) e.appliedGeneration = message.appliedGeneration;
    if (message.kind === "StatusReport" && message.generation !== undefined) e.appliedGeneration = message.generation;
    e.lastSeen = now;
    return { ok: true, cluster: message.cluster, kind: message.kind };
  }

  /** The persisted form (what survives a hub restart). */
  snapshot(name: string): object | undefined {
    const e = this.#entries.get(name);
    if (e === undefined) return undefined;
    return { name: e.name, hello: e.hello, lastSeen: e.lastSeen, appliedGeneration: e.appliedGeneration, report: e.report, reportAt: e.reportAt };
  }

  restore(records: ReadonlyMap<string, unknown>): void {
    for (const [name, raw] of records) {
      if (typeof raw !== "object" || raw === null) continue;
      const r = raw as Partial<ClusterEntry>;
      const e = this.#entry(name);
      e.hello = r.hello;
      e.lastSeen = r.lastSeen;
      e.appliedGeneration = r.appliedGeneration;
      e.report = r.report;
      e.reportAt = r.reportAt;
    }
  }
}
