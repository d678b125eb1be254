import { jetstream, jetstreamManager, type JetStreamClient, type StreamInfo } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { parseSemVer, type NatsConnection } from "@nats-io/transport-node";
import {
  DESIRED_BUCKET,
  STATUS_BUCKET,
  createNotify,
  encodeMessage,
  isProtocolError,
  parseEnvelope,
  subjects,
  type CreatedEnvelope,
  type DesiredStateEnvelope,
} from "../protocol/index.js";
import type { KeyBackup } from "./cluster-registry.js";
import { HUB_ERROR, HubError } from "./hub-errors.js";
import { defaultReplicas, describeMismatches, isFlotillaStream, streamMismatches } from "./stream-replicas.js";

/**
 * Key prefixes of the hub-only `flotilla-status` bucket (docs/protocol.md). Each is followed by one
 * cluster or ApplicationSet name; a cluster name never holds a `.`, so no prefix shadows another.
 */
export const STATUS_KEY = {
  /** The cluster record (hello, last report, liveness): rewritten on every heartbeat and report. */
  cluster: "cluster.",
  /** A RollingSync rollout record and the content it rolls back to. */
  rollout: "rollout.",
  /** The spoke's age-armored sealing key backup: rewritten only when its content changes. */
  keyBackup: "keybackup.",
  /** An operator action (audit log), a ring of AUDIT_LIMIT entries keyed by id modulo the limit. */
  audit: "audit.",
} as const;

/** What the hub remembers of a published entry (restart-safe: rebuilt from the KV on start). */
export interface PublishedState {
  readonly cluster: string;
  readonly generation: number;
  readonly revision: string;
  readonly bundleDigest: string;
  readonly kvRevision: number;
}

/** One revision of a `flotilla-desired` key, oldest first; `value` is null for a delete or purge marker. */
export interface DesiredEntry {
  readonly kvRevision: number;
  readonly value: Uint8Array | null;
}

const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Objects kept per cluster bucket: the current bundle and the previous one (a spoke may be mid-read). */
const KEEP_OBJECTS = 2;

/**
 * The hub's side of the JetStream layout in docs/protocol.md: creates the buckets, puts envelopes
 * (bundles over max_payload into `flotilla-bundles-<cluster>` first), sends notifies and keeps the
 * hub-only `flotilla-status` bucket. Nothing here decides *what* to publish.
 */
export class DesiredStateStore {
  readonly nc: NatsConnection;
  readonly maxPayload: number;
  readonly serverVersion: string;
  /** Replicas of every stream the hub creates (`--replicas`, or 3 on a cluster and 1 on a single server). */
  readonly replicas: number;
  readonly #js: JetStreamClient;
  readonly #desired: KV;
  readonly #status: KV;
  readonly #objectBuckets = new Map<string, ObjectStore>();
  readonly #objectHistory = new Map<string, string[]>();
  /** Digest of the key backup stored under `keybackup.<cluster>` (or being stored), per cluster. */
  readonly #keyBackupDigests = new Map<string, string>();

  private constructor(nc: NatsConnection, js: JetStreamClient, desired: KV, status: KV, replicas: number) {
    this.nc = nc;
    this.replicas = replicas;
    this.#js = js;
    this.#desired = desired;
    this.#status = status;
    this.maxPayload = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    this.serverVersion = nc.info?.version ?? "unknown";
  }

  /**
   * Creates (or binds to) both buckets with `replicas` copies each. Works on nats-server 2.9: no
   * compression, metadata or per-key TTL. Existing streams are checked first, never changed: one whose
   * replicas, history or direct get differ stops the start with NATS_STREAM_MISMATCH and the fix.
   */
  static async open(nc: NatsConnection, options: { readonly replicas?: number | undefined } = {}): Promise<DesiredStateStore> {
    // KV with direct get needs nats-server 2.9; nothing here relies on 2.10 (no compression, metadata or per-key TTL).
    const version = nc.info?.version === undefined ? undefined : parseSemVer(nc.info.version);
    if (version !== undefined && (version.major < 2 || (version.major === 2 && version.minor < 9))) {
      throw new HubError(HUB_ERROR.natsServer, `nats-server ${nc.info?.version ?? "?"} is too old: Flotilla needs 2.9 or later (KV direct get)`);
    }
    const replicas = options.replicas ?? defaultReplicas(nc.info);
    const jsm = await jetstreamManager(nc);
    const existing: StreamInfo[] = [];
    for await (const info of jsm.streams.list()) if (isFlotillaStream(info.config.name)) existing.push(info);
    const mismatches = streamMismatches(existing, replicas);
    if (mismatches.length > 0) throw new HubError(HUB_ERROR.streamMismatch, describeMismatches(mismatches, replicas, options.replicas !== undefined), { field: "--replicas" });
    const js = jetstream(nc);
    const kvm = new Kvm(js);
    const create = async (bucket: string, history: number): Promise<KV> => {
      try {
        return await kvm.create(bucket, { history, allow_direct: true, replicas });
      } catch (err) {
        // e.g. "replicas > 1 not supported in non-clustered mode", or fewer servers than replicas.
        throw new HubError(HUB_ERROR.config, `cannot create the ${bucket} bucket with ${String(replicas)} replica(s): ${err instanceof Error ? err.message : String(err)}`, { field: "--replicas", cause: err });
      }
    };
    const desired = await create(DESIRED_BUCKET, 5);
    const status = await create(STATUS_BUCKET, 1);
    return new DesiredStateStore(nc, js, desired, status, replicas);
  }

  /** Every cluster's current entry (the hub's memory after a restart). Unreadable entries are skipped. */
  async loadPublished(): Promise<Map<string, PublishedState>> {
    const out = new Map<string, PublishedState>();
    const keys: string[] = [];
    for await (const key of await this.#desired.keys()) keys.push(key);
    for (const key of keys) {
      const state = await this.published(key);
      if (state !== null) out.set(key, state);
    }
    return out;
  }

  async published(cluster: string): Promise<PublishedState | null> {
    const entry = await this.#desired.get(cluster);
    if (entry === null || entry.operation !== "PUT") return null;
    try {
      const envelope = parseEnvelope(entry.value);
      return { cluster, generation: envelope.generation, revision: envelope.revision, bundleDigest: envelope.bundleDigest, kvRevision: entry.revision };
    } catch (err) {
      if (isProtocolError(err)) return null;
      throw err;
    }
  }

  async envelope(cluster: string): Promise<DesiredStateEnvelope | null> {
    const entry = await this.#desired.get(cluster);
    return entry === null || entry.operation !== "PUT" ? null : parseEnvelope(entry.value);
  }

  /**
   * Every kept revision of a cluster's key, oldest first (the bucket keeps 5); null values are delete
   * or purge markers. Raw: restoreDesiredState decides what may be trusted.
   */
  async desiredHistory(cluster: string): Promise<DesiredEntry[]> {
    const out: DesiredEntry[] = [];
    for await (const e of await this.#desired.history({ key: cluster })) {
      out.push({ kvRevision: e.revision, value: e.operation === "PUT" ? e.value : null });
    }
    return out.sort((a, b) => a.kvRevision - b.kvRevision);
  }

  /** An object's bytes from a bundle bucket, null when it is gone. */
  async readObject(bucket: string, object: string): Promise<Uint8Array | null> {
    return (await this.#objectBucket(bucket)).getBlob(object);
  }

  /** Every key of the desired bucket. */
  async clusters(): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of await this.#desired.keys()) keys.push(key);
    return keys;
  }

  /** Puts one envelope (object first, so the KV entry never points at a missing bundle) and returns the KV revision. */
  async put(created: CreatedEnvelope): Promise<number> {
    await this.#putObject(created);
    return this.#desired.put(created.envelope.cluster, created.value);
  }

  /**
   * Puts many envelopes fast: bundles by reference first (acknowledged), then the KV values as one
   * pipeline. The first and last values are acknowledged puts; the ones between are plain publishes
   * to `$KV.flotilla-desired.<cluster>` (exactly what kv.put sends, minus the wait for each ack). The
   * hub is the only writer of the bucket, so the stream sequence must advance by exactly the batch
   * size; if it does not, every value of the batch is put again with acknowledgements.
   * Returns the KV revision of each envelope, in order.
   */
  async putMany(batch: readonly CreatedEnvelope[], options: { concurrency?: number; chunk?: number } = {}): Promise<number[]> {
    const concurrency = options.concurrency ?? 256;
    const chunk = options.chunk ?? 5000;
    const external = batch.filter((c) => c.external !== undefined);
    for (let i = 0; i < external.length; i += concurrency) {
      await Promise.all(external.slice(i, i + concurrency).map((c) => this.#putObject(c)));
    }
    const revisions: number[] = [];
    for (let start = 0; start < batch.length; start += chunk) {
      revisions.push(...(await this.#pipeline(batch.slice(start, start + chunk), concurrency)));
    }
    return revisions;
  }

  async #pipeline(items: readonly CreatedEnvelope[], concurrency: number): Promise<number[]> {
    const first = items[0];
    const last = items.at(-1);
    if (first === undefined || last === undefined) return [];
    const firstSeq = await this.#desired.put(first.envelope.cluster, first.value);
    if (items.length === 1) return [firstSeq];
    for (let i = 1; i < items.length - 1; i++) {
      const item = items[i];
      if (item !== undefined) this.nc.publish(`$KV.${DESIRED_BUCKET}.${item.envelope.cluster}`, item.value);
    }
    const lastSeq = await this.#desired.put(last.envelope.cluster, last.value);
    if (lastSeq === firstSeq + items.length - 1) return items.map((_, i) => firstSeq + i);
    // Something in between was not stored in order: redo the batch with an ack per value.
    const revisions: number[] = [];
    for (let i = 0; i < items.length; i += concurrency) {
      revisions.push(...(await Promise.all(items.slice(i, i + concurrency).map((c) => this.#desired.put(c.envelope.cluster, c.value)))));
    }
    return revisions;
  }

  async #putObject(created: CreatedEnvelope): Promise<void> {
    if (created.external === undefined) return;
    const os = await this.#objectBucket(created.external.bucket);
    await os.putBlob({ name: created.external.object }, created.external.data);
    await this.#pruneObjects(created.envelope.cluster, os, created.external.object);
  }

  notify(fleet: string, envelope: DesiredStateEnvelope): void {
    const { cluster, generation, revision } = envelope;
    this.nc.publish(subjects.notify(fleet, cluster), encodeMessage(createNotify({ fleet, cluster, generation, revision })));
  }

  /** Asks one spoke to send Hello again (its messages no longer verify with the key the hub holds). */
  requestAnnounce(fleet: string, cluster: string, current: { generation: number; revision: string } | undefined): void {
    const notify = createNotify({ fleet, cluster, generation: current?.generation ?? 0, revision: current?.revision ?? "none", announce: true });
    this.nc.publish(subjects.notify(fleet, cluster), encodeMessage(notify));
  }

  /** The hub-only status bucket: one JSON record per key (see STATUS_KEY). */
  async putStatus(cluster: string, record: unknown): Promise<void> {
    await this.#status.put(cluster, encodeMessage(record as object));
  }

  /** Records under a key prefix (a STATUS_KEY value), keyed by the rest of the key. */
  async loadStatus(prefix: string): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    const keys: string[] = [];
    for await (const key of await this.#status.keys(`${prefix}>`)) keys.push(key);
    for (const key of keys) {
      const entry = await this.#status.get(key);
      if (entry === null || entry.operation !== "PUT") continue;
      try {
        out.set(key.slice(prefix.length), entry.json());
      } catch {
        // A corrupt record is dropped; the next report rebuilds it.
      }
    }
    return out;
  }

  /**
   * Stores a cluster's key backup under `keybackup.<cluster>` unless that key already holds the same
   * content (by digest), so a backup is written once per change, not with every heartbeat.
   * Returns whether it wrote. A failed write is forgotten, so the next call with it tries again.
   */
  async putKeyBackup(cluster: string, backup: KeyBackup): Promise<boolean> {
    if (this.#keyBackupDigests.get(cluster) === backup.digest) return false;
    this.#keyBackupDigests.set(cluster, backup.digest);
    try {
      await this.#status.put(`${STATUS_KEY.keyBackup}${cluster}`, encodeMessage({ armored: backup.armored, receivedAt: backup.receivedAt, digest: backup.digest }));
    } catch (err) {
      if (this.#keyBackupDigests.get(cluster) === backup.digest) this.#keyBackupDigests.delete(cluster);
      throw err;
    }
    return true;
  }

  /**
   * Every stored key backup record, keyed by cluster (the registry validates them). What is loaded
   * counts as stored: putting the same content again writes nothing.
   */
  async loadKeyBackups(): Promise<Map<string, unknown>> {
    const records = await this.loadStatus(STATUS_KEY.keyBackup);
    for (const [cluster, raw] of records) {
      const digest = (raw as { digest?: unknown } | null)?.digest;
      if (typeof digest === "string") this.#keyBackupDigests.set(cluster, digest);
    }
    return records;
  }

  async #objectBucket(name: string): Promise<ObjectStore> {
    let os = this.#objectBuckets.get(name);
    if (os === undefined) {
      os = await new Objm(this.#js).create(name, { replicas: this.replicas });
      this.#objectBuckets.set(name, os);
    }
    return os;
  }

  async #pruneObjects(cluster: string, os: ObjectStore, current: string): Promise<void> {
    let history = this.#objectHistory.get(cluster);
    if (history === undefined) {
      history = (await os.list()).filter((info) => !info.deleted).map((info) => info.name);
    }
    history = [...history.filter((n) => n !== current), current];
    while (history.length > KEEP_OBJECTS) {
      const old = history.shift();
      if (old !== undefined) await os.delete(old);
    }
    this.#objectHistory.set(cluster, history);
  }
}
