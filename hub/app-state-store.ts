import { errorMessage, type Logger } from "../core/index.js";
import type { AppHistoryEntry } from "./app-history.js";
import type { AppOverride } from "./app-sync.js";
import { mapBounded } from "./bounded.js";

/**
 * What operators set on apps, kept in the hub's status bucket so a restarted hub (or the next
 * leader) carries on where the last one stopped, as the rollout records and the audit log do:
 *
 * - `history.<cluster>.<app>`: the app's deployment history on the cluster (HISTORY_LIMIT entries
 *   at most, oldest dropped first while the record is over budget), written in the background
 *   after each publish and flushed on close;
 * - `pending.<cluster>`: syncs and rollbacks asked for and not carried out yet, written before the
 *   action is acknowledged;
 * - `appstate.suspended`: the suspended apps, written before a suspend or resume is acknowledged.
 */
export const APP_STATE_KEY = {
  history: "history.",
  pending: "pending.",
  suspended: "appstate.suspended",
} as const;

export interface StatusBucket {
  putStatus(key: string, record: unknown): Promise<void>;
  loadStatus(prefix: string): Promise<Map<string, unknown>>;
  readonly maxPayload: number;
}

export interface StoredHistory {
  readonly cluster: string;
  readonly app: string;
  readonly nextId: number;
  readonly entries: readonly AppHistoryEntry[];
}

/** NATS KV key tokens: what a name may hold to be part of a key (anything else is not persisted). */
const KEY_SAFE = /^[-/_=a-zA-Z0-9.]+$/;
const HEADROOM = 64 * 1024;
const FLUSH_CONCURRENCY = 64;

function isHistoryEntry(v: unknown): v is AppHistoryEntry {
  const e = v as Partial<AppHistoryEntry> | null;
  return typeof e === "object" && e !== null && typeof e.id === "number" && typeof e.revision === "string" && typeof e.app === "object" && e.app !== null && typeof (e.app as { name?: unknown }).name === "string";
}

function isOverride(v: unknown): v is AppOverride {
  const o = v as { kind?: unknown; by?: unknown; app?: unknown; id?: unknown } | null;
  if (typeof o !== "object" || o === null || typeof o.by !== "string") return false;
  return o.kind === "sync" || (o.kind === "rollback" && typeof o.app === "object" && o.app !== null && typeof o.id === "number");
}

export class AppStateStore {
  readonly #bucket: StatusBucket;
  readonly #logger: Logger;
  readonly #dirty = new Map<string, StoredHistory>();
  #flushing: Promise<void> = Promise.resolve();
  #scheduled = false;

  constructor(options: { bucket: StatusBucket; logger: Logger }) {
    this.#bucket = options.bucket;
    this.#logger = options.logger;
  }

  get #budget(): number {
    return Math.max(4096, this.#bucket.maxPayload - HEADROOM);
  }

  /** Marks a history for writing; the write happens in the background (see flush). */
  markHistory(record: StoredHistory): void {
    if (!KEY_SAFE.test(record.cluster) || !KEY_SAFE.test(record.app)) return;
    this.#dirty.set(`${APP_STATE_KEY.history}${record.cluster}.${record.app}`, record);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#flushing = this.#flushing.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.#flushOnce());
  }

  /** Resolves when every history marked so far is written (or its failure logged). */
  async flush(): Promise<void> {
    await this.#flushing;
    if (this.#dirty.size > 0) {
      this.#scheduled = true;
      this.#flushing = this.#flushing.then(() => this.#flushOnce());
      await this.#flushing;
    }
  }

  async #flushOnce(): Promise<void> {
    this.#scheduled = false;
    const batch = [...this.#dirty];
    this.#dirty.clear();
    await mapBounded(batch, FLUSH_CONCURRENCY, async ([key, record]) => {
      const bounded = this.#fit(record);
      if (bounded === undefined) {
        this.#logger.warn({ cluster: record.cluster, app: record.app }, "app history too large to keep across restarts");
        return;
      }
      try {
        await this.#bucket.putStatus(key, bounded);
      } catch (err) {
        this.#logger.warn({ cluster: record.cluster, app: record.app, err: errorMessage(err) }, "app history not persisted");
      }
    });
  }

  /** The record with its oldest entries dropped until it fits one KV value; undefined if even the newest does not. */
  #fit(record: StoredHistory): StoredHistory | undefined {
    let entries = record.entries;
    while (entries.length > 0) {
      const candidate = { ...record, entries };
      if (Buffer.byteLength(JSON.stringify(candidate)) <= this.#budget) return candidate;
      entries = entries.slice(1);
    }
    return undefined;
  }

  async loadHistory(): Promise<StoredHistory[]> {
    const out: StoredHistory[] = [];
    for (const raw of (await this.#bucket.loadStatus(APP_STATE_KEY.history)).values()) {
      const r = raw as Partial<StoredHistory> | null;
      if (typeof r !== "object" || r === null || typeof r.cluster !== "string" || typeof r.app !== "string" || typeof r.nextId !== "number" || !Array.isArray(r.entries)) continue;
      out.push({ cluster: r.cluster, app: r.app, nextId: r.nextId, entries: r.entries.filter(isHistoryEntry) });
    }
    return out;
  }

  /** Writes a cluster's pending actions (an empty map clears them); awaited before an action is acknowledged. */
  async putPending(cluster: string, overrides: ReadonlyMap<string, AppOverride> | undefined): Promise<void> {
    if (!KEY_SAFE.test(cluster)) return;
    const record = { cluster, overrides: Object.fromEntries(overrides ?? []) };
    if (Buffer.byteLength(JSON.stringify(record)) > this.#budget) {
      this.#logger.warn({ cluster }, "pending app actions too large to keep across restarts");
      return;
    }
    try {
      await this.#bucket.putStatus(`${APP_STATE_KEY.pending}${cluster}`, record);
    } catch (err) {
      this.#logger.warn({ cluster, err: errorMessage(err) }, "pending app actions not persisted");
    }
  }

  async loadPending(): Promise<Map<string, Map<string, AppOverride>>> {
    const out = new Map<string, Map<string, AppOverride>>();
    for (const raw of (await this.#bucket.loadStatus(APP_STATE_KEY.pending)).values()) {
      const r = raw as { cluster?: unknown; overrides?: unknown } | null;
      if (typeof r?.cluster !== "string" || typeof r.overrides !== "object" || r.overrides === null) continue;
      const map = new Map(Object.entries(r.overrides as Record<string, unknown>).filter((e): e is [string, AppOverride] => isOverride(e[1])));
      if (map.size > 0) out.set(r.cluster, map);
    }
    return out;
  }

  async putSuspended(keys: readonly string[]): Promise<void> {
    const record = { keys: [...keys].sort() };
    if (Buffer.byteLength(JSON.stringify(record)) > this.#budget) {
      this.#logger.warn({ suspended: keys.length }, "suspended apps too many to keep across restarts");
      return;
    }
    try {
      await this.#bucket.putStatus(APP_STATE_KEY.suspended, record);
    } catch (err) {
      this.#logger.warn({ err: errorMessage(err) }, "suspended apps not persisted");
    }
  }

  async loadSuspended(): Promise<string[]> {
    const raw = (await this.#bucket.loadStatus("appstate.")).get("suspended") as { keys?: unknown } | undefined;
    return Array.isArray(raw?.keys) ? raw.keys.filter((k): k is string => typeof k === "string") : [];
  }
}
