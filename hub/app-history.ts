import type { AppBundle } from "../protocol/index.js";

/** One deployment of an app to a cluster (Argo CD's `status.history` entry). */
export interface AppHistoryEntry {
  readonly id: number;
  /** The commit the app's content came from. */
  readonly revision: string;
  readonly deployedAt: string;
  /** `automated`, or the actor of a sync or rollback. */
  readonly initiatedBy: string;
  readonly kind: "auto" | "sync" | "rollback";
  readonly generation: number;
  readonly app: AppBundle;
}

/** Argo CD's default `revisionHistoryLimit`. */
export const HISTORY_LIMIT = 10;

/**
 * Per cluster and app, the versions the hub published, newest last, ids increasing. Kept in
 * memory and, through `onChange`, in the status bucket (app-state-store.ts), so `restore` gives a
 * restarted hub the same history and ids.
 */
export class AppHistory {
  readonly #entries = new Map<string, AppHistoryEntry[]>();
  #nextId = new Map<string, number>();
  readonly #onChange: ((change: { cluster: string; app: string; nextId: number; entries: readonly AppHistoryEntry[] }) => void) | undefined;

  constructor(options: { onChange?: (change: { cluster: string; app: string; nextId: number; entries: readonly AppHistoryEntry[] }) => void } = {}) {
    this.#onChange = options.onChange;
  }

  /** Puts back what an earlier hub kept (bounded to HISTORY_LIMIT, ids ordered). */
  restore(stored: readonly { cluster: string; app: string; nextId: number; entries: readonly AppHistoryEntry[] }[]): void {
    for (const s of stored) {
      const key = AppHistory.key(s.cluster, s.app);
      const entries = [...s.entries].sort((a, b) => a.id - b.id).slice(-HISTORY_LIMIT);
      this.#entries.set(key, entries);
      this.#nextId.set(key, Math.max(s.nextId, (entries.at(-1)?.id ?? 0) + 1));
    }
  }

  static key(cluster: string, app: string): string {
    return `${cluster}\0${app}`;
  }

  list(cluster: string, app: string): readonly AppHistoryEntry[] {
    return this.#entries.get(AppHistory.key(cluster, app)) ?? [];
  }

  get(cluster: string, app: string, id: number): AppHistoryEntry | undefined {
    return this.list(cluster, app).find((e) => e.id === id);
  }

  record(cluster: string, entry: Omit<AppHistoryEntry, "id">): AppHistoryEntry {
    const key = AppHistory.key(cluster, entry.app.name);
    const id = this.#nextId.get(key) ?? 1;
    this.#nextId.set(key, id + 1);
    const full = { ...entry, id };
    const list = [...(this.#entries.get(key) ?? []), full].slice(-HISTORY_LIMIT);
    this.#entries.set(key, list);
    this.#onChange?.({ cluster, app: entry.app.name, nextId: id + 1, entries: list });
    return full;
  }
}
