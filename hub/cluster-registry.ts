import { errorMessage } from "../core/index.js";
import {
  MAX_KEY_BACKUP_BYTES,
  PROTOCOL_ERROR_CODES,
  decodeSpokeMessage,
  isProtocolError,
  sha256Digest,
  verifySpokeMessage,
  type HelloMessage,
  type IncomingSpokeMessage,
  type StatusReport,
} from "../protocol/index.js";
import { HUB_ERROR } from "./hub-errors.js";

export interface HelloInfo {
  readonly spokeVersion: string;
  readonly statusKey: string;
  readonly sealingCert?: string | undefined;
  readonly heartbeatSeconds: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly receivedAt: number;
}

/**
 * The spoke's sealing keys, age-encrypted to its recovery recipients (armored): no plaintext, safe
 * to keep. Persisted apart from the cluster record (`keybackup.<cluster>`), written only when
 * `digest` changes; `receivedAt` is when the hub first received this content.
 */
export interface KeyBackup {
  readonly armored: string;
  readonly receivedAt: number;
  /** `sha256:` + hex SHA-256 of `armored`. */
  readonly digest: string;
}

/** What the hub knows of one cluster; persisted (as JSON) in `flotilla-status` (the key backup under its own key). */
export interface ClusterEntry {
  readonly name: string;
  inRepo: boolean;
  repoLabels: Readonly<Record<string, string>>;
  hello?: HelloInfo | undefined;
  /** From the latest Hello that carried one; a Hello without one keeps it. Not part of `snapshot()`. */
  keyBackup?: KeyBackup | undefined;
  /** Why the latest Hello's key backup was not kept (cleared by an accepted one). */
  keyBackupError?: { readonly code: string; readonly message: string } | undefined;
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
  /** Per cluster, a count of accepted messages: a view derived from an entry is current while it is unchanged. */
  readonly #changes = new Map<string, number>();
  #epoch = 0;
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

  /** Changes when the cluster's entry does (an accepted message); with `epoch`, what cached views key on. */
  changeStamp(name: string): number {
    return this.#changes.get(name) ?? 0;
  }

  /** Changes when clusters are added or the repo's cluster list or labels are set or restored. */
  get epoch(): number {
    return this.#epoch;
  }

  all(): ClusterEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  #entry(name: string): ClusterEntry {
    let e = this.#entries.get(name);
    if (e === undefined) {
      e = { name, inRepo: false, repoLabels: {} };
      this.#entries.set(name, e);
      this.#epoch += 1;
    }
    return e;
  }

  /** Clusters declared in the fleet repo (labels from there win over hello labels). */
  setRepoClusters(clusters: readonly { name: string; labels: Readonly<Record<string, string>> }[]): void {
    this.#epoch += 1;
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
      this.#keepKeyBackup(e, message, now);
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
    this.#changes.set(e.name, (this.#changes.get(e.name) ?? 0) + 1);
    return { ok: true, cluster: message.cluster, kind: message.kind };
  }

  /**
   * Keeps the Hello's key backup when it is a bounded, armored age file; records why not otherwise.
   * The same content again (a spoke re-sends Hello on every reconnect) keeps the entry as it was.
   */
  #keepKeyBackup(e: ClusterEntry, message: HelloMessage, now: number): void {
    const armored = message.keyBackup;
    if (armored === undefined) return;
    const problem = keyBackupProblem(armored);
    if (problem === undefined) {
      const digest = keyBackupDigest(armored);
      if (e.keyBackup?.digest !== digest) e.keyBackup = { armored, receivedAt: now, digest };
      e.keyBackupError = undefined;
    } else {
      e.keyBackupError = { code: HUB_ERROR.keyBackupRejected, message: problem };
    }
  }

  /**
   * The persisted cluster record (what survives a hub restart), written with every heartbeat and
   * report. It leaves out the key backup (up to MAX_KEY_BACKUP_BYTES), which is kept apart.
   */
  snapshot(name: string): object | undefined {
    const e = this.#entries.get(name);
    if (e === undefined) return undefined;
    return {
      name: e.name,
      hello: e.hello,
      keyBackupError: e.keyBackupError,
      lastSeen: e.lastSeen,
      appliedGeneration: e.appliedGeneration,
      report: e.report,
      reportAt: e.reportAt,
    };
  }

  restore(records: ReadonlyMap<string, unknown>): void {
    this.#epoch += 1;
    for (const [name, raw] of records) {
      if (typeof raw !== "object" || raw === null) continue;
      const r = raw as Partial<ClusterEntry>;
      const e = this.#entry(name);
      e.hello = r.hello;
      // Records written before key backups had their own key carry the backup inline.
      e.keyBackup = validBackup(r.keyBackup);
      e.keyBackupError = r.keyBackupError;
      e.lastSeen = r.lastSeen;
      e.appliedGeneration = r.appliedGeneration;
      e.report = r.report;
      e.reportAt = r.reportAt;
    }
  }

  /** Key backups kept apart from the cluster records (`keybackup.<cluster>`); they win over inline ones. */
  restoreKeyBackups(backups: ReadonlyMap<string, unknown>): void {
    this.#epoch += 1;
    for (const [name, raw] of backups) {
      const backup = validBackup(raw);
      if (backup !== undefined) this.#entry(name).keyBackup = backup;
    }
  }
}

function keyBackupDigest(armored: string): string {
  return sha256Digest(Buffer.from(armored, "utf8"));
}

/** A persisted key backup that is still acceptable, with its digest recomputed; undefined otherwise. */
function validBackup(raw: unknown): KeyBackup | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const { armored, receivedAt } = raw as { armored?: unknown; receivedAt?: unknown };
  if (typeof armored !== "string" || typeof receivedAt !== "number" || keyBackupProblem(armored) !== undefined) return undefined;
  return { armored, receivedAt, digest: keyBackupDigest(armored) };
}

const AGE_ARMOR = /^-----BEGIN AGE ENCRYPTED FILE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END AGE ENCRYPTED FILE-----\s*$/;

/** Why a key backup is not kept (its content is never quoted), or undefined when it is fine. */
function keyBackupProblem(armored: string): string | undefined {
  if (armored.length > MAX_KEY_BACKUP_BYTES) return `key backup of ${String(armored.length)} bytes exceeds ${String(MAX_KEY_BACKUP_BYTES)}; not kept`;
  if (!AGE_ARMOR.test(armored)) return "key backup is not an armored age file; not kept";
  return undefined;
}
