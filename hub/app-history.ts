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
 * memory: after a restart the history starts again from what each cluster runs.
 */
export class AppHistory {
  readonly #entries = new Map<string, AppHistoryEntry[]>();
  #nextId = new Map<string, number>();

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
    return full;
  }
}
