import type { Clock, Logger } from "../core/index.js";
import { errorMessage } from "../core/index.js";

/** One operator action through the hub's API: who, when, what, and how it ended. */
export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  /** How the caller proved itself (`api-token`, `dashboard-session`); `user` is what it said its name was. */
  readonly actor: { readonly auth: string; readonly user?: string | undefined; readonly address?: string | undefined };
  readonly action: "sync" | "rollback" | "refresh" | "suspend" | "resume";
  readonly target: { readonly app?: string | undefined; readonly clusters?: readonly string[] | undefined };
  readonly params?: Readonly<Record<string, string | number | boolean>> | undefined;
  readonly result: "ok" | "error";
  readonly message?: string | undefined;
}

/** Where entries are kept across restarts (the hub's status bucket, under `audit.<id>`). */
export interface AuditStore {
  put(key: string, entry: AuditEntry): Promise<void>;
  load(): Promise<readonly unknown[]>;
}

/** Entries kept in memory and answered by the API; older ones stay in the bucket's history only until overwritten. */
export const AUDIT_LIMIT = 1000;

function isEntry(value: unknown): value is AuditEntry {
  const v = value as Partial<AuditEntry> | null;
  return typeof v === "object" && v !== null && typeof v.id === "number" && typeof v.at === "string" && typeof v.action === "string" && typeof v.actor === "object";
}

/**
 * The audit log of operator actions. Ids increase; the bucket key is `audit.<id mod AUDIT_LIMIT>`,
 * so the log is a ring of AUDIT_LIMIT entries that survives a restart without growing the bucket.
 */
export class AuditLog {
  readonly #entries: AuditEntry[] = [];
  readonly #store: AuditStore | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #nextId = 1;

  constructor(options: { store?: AuditStore | undefined; clock: Clock; logger: Logger }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#logger = options.logger;
  }

  async restore(): Promise<void> {
    if (this.#store === undefined) return;
    const loaded = (await this.#store.load()).filter(isEntry).sort((a, b) => a.id - b.id);
    this.#entries.splice(0, this.#entries.length, ...loaded.slice(-AUDIT_LIMIT));
    this.#nextId = (this.#entries.at(-1)?.id ?? 0) + 1;
  }

  /** Records an action; the write to the bucket is awaited so an acknowledged action is on disk. */
  async record(entry: Omit<AuditEntry, "id" | "at">): Promise<AuditEntry> {
    const full: AuditEntry = { id: this.#nextId++, at: new Date(this.#clock.now()).toISOString(), ...entry };
    this.#entries.push(full);
    if (this.#entries.length > AUDIT_LIMIT) this.#entries.splice(0, this.#entries.length - AUDIT_LIMIT);
    this.#logger.info({ audit: full.id, action: full.action, actor: full.actor, target: full.target, result: full.result }, "operator action");
    try {
      await this.#store?.put(`${String(full.id % AUDIT_LIMIT)}`, full);
    } catch (err) {
      this.#logger.warn({ audit: full.id, err: errorMessage(err) }, "audit entry not persisted");
    }
    return full;
  }

  /** Newest first. */
  list(options: { limit?: number; app?: string | undefined } = {}): AuditEntry[] {
    const all = options.app === undefined ? this.#entries : this.#entries.filter((e) => e.target.app === options.app);
    return all.slice(-(options.limit ?? 100)).reverse();
  }
}
