import { silentLogger, type Clock, type Logger } from "../core/index.js";
import { diffObjects, isKubeApiError, refId, refOf, type AppliedObject, type FieldDiff, type KubeClient, type KubeObject } from "../kube/index.js";
import { backoffDelay } from "./outcome.js";

interface Tracked {
  readonly app: string;
  readonly applied: AppliedObject;
}

export interface DriftWatcherOptions {
  readonly client: KubeClient;
  /** The label the SSA manager puts on applied objects; watches select on it. */
  readonly appLabel: string;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger?: Logger;
  /** Called when an object of `app` drifted from what was applied (or was deleted). */
  readonly onDrift: (app: string, id: string) => void;
  /** Called for every change the watch shows of an applied object (status included), after onDrift. */
  readonly onChange?: (app: string, id: string) => void;
}

/**
 * Watches every kind Flotilla applied (one list+watch per kind, all namespaces, selected by the
 * app label) and keeps the latest live copy of each managed object. An event whose live object
 * differs from the applied baseline on a field we manage is drift. The cache also gives health
 * without extra requests.
 */
export class DriftWatcher {
  readonly #o: DriftWatcherOptions;
  readonly #logger: Logger;
  readonly #tracked = new Map<string, Tracked>();
  readonly #live = new Map<string, KubeObject | null>();
  /** Kinds watched (`apiVersion kind`) and whether their first list has completed. */
  readonly #kinds = new Map<string, { synced: boolean }>();
  /** Ids whose live object changed since their baseline was recorded. */
  readonly #touched = new Set<string>();
  readonly #stop = new AbortController();
  readonly #loops: Promise<void>[] = [];

  constructor(options: DriftWatcherOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger();
  }

  /** Records what was applied for an app and makes sure its kinds are watched. */
  track(app: string, applied: readonly AppliedObject[]): void {
    for (const a of applied) {
      const prev = this.#tracked.get(a.id);
      // A hash-skipped object keeps its earlier baseline.
      const baseline = a.baseline ?? prev?.applied.baseline;
      this.#tracked.set(a.id, { app, applied: { ...a, baseline } });
      if (a.baseline !== undefined) this.#touched.delete(a.id);
      const kind = `${a.ref.apiVersion} ${a.ref.kind}`;
      if (!this.#kinds.has(kind)) {
        this.#kinds.set(kind, { synced: false });
        this.#loops.push(this.#watchLoop(a.ref.apiVersion, a.ref.kind));
      }
    }
  }

  /** Forgets an app's objects (the app was deleted or pruned objects left it). */
  untrack(ids: Iterable<string>): void {
    for (const id of ids) {
      this.#tracked.delete(id);
      this.#touched.delete(id);
    }
  }

  /** True when the object's kind is watched and nothing changed it since it was applied: its hash can be trusted. */
  isClean(id: string): boolean {
    const t = this.#tracked.get(id);
    if (t === undefined || t.applied.baseline === undefined) return false;
    if (this.#kinds.get(`${t.applied.ref.apiVersion} ${t.applied.ref.kind}`)?.synced !== true) return false;
    return this.drift(id).length === 0;
  }

  /** The drift of one object against its applied baseline (empty when in sync or unknown). */
  drift(id: string): FieldDiff[] {
    const t = this.#tracked.get(id);
    if (t?.applied.baseline === undefined) return [];
    const live = this.#live.get(id);
    if (live === undefined) return [];
    return diffObjects(t.applied.baseline, live ?? undefined);
  }

  /** The latest live copy seen by the watch (undefined: not seen; null: deleted). */
  live(id: string): KubeObject | null | undefined {
    return this.#live.get(id);
  }

  baseline(id: string): KubeObject | undefined {
    return this.#tracked.get(id)?.applied.baseline;
  }

  desired(id: string): KubeObject | undefined {
    return this.#tracked.get(id)?.applied.desired;
  }

  #observe(obj: KubeObject, deleted: boolean): void {
    const id = refId(refOf(obj));
    this.#live.set(id, deleted ? null : obj);
    const t = this.#tracked.get(id);
    if (t === undefined) return;
    if (this.drift(id).length > 0) {
      this.#touched.add(id);
      this.#o.onDrift(t.app, id);
    }
    this.#o.onChange?.(t.app, id);
  }

  async #watchLoop(apiVersion: string, kind: string): Promise<void> {
    const query = { apiVersion, kind, labelSelector: this.#o.appLabel };
    const state = this.#kinds.get(`${apiVersion} ${kind}`) ?? { synced: false };
    let attempt = 0;
    let rv: string | undefined;
    while (!this.#stop.signal.aborted) {
      try {
        if (rv === undefined) {
          const list = await this.#o.client.list(query);
          const seen = new Set<string>();
          for (const item of list.items) {
            seen.add(refId(refOf(item)));
            this.#observe(item, false);
          }
          // Tracked objects of this kind absent from the list were deleted while we were not watching.
          for (const [id, t] of this.#tracked) {
            if (t.applied.ref.kind === kind && t.applied.ref.apiVersion === apiVersion && !seen.has(id)) {
              this.#observe({ apiVersion, kind, metadata: { name: t.applied.ref.name, ...(t.applied.ref.namespace === undefined ? {} : { namespace: t.applied.ref.namespace }) } }, true);
            }
          }
          rv = list.resourceVersion;
          state.synced = true;
        }
        rv = await this.#o.client.watch(
          query,
          (e) => {
            if (e.type === "BOOKMARK") return;
            this.#observe(e.object, e.type === "DELETED");
          },
          { resourceVersion: rv, signal: this.#stop.signal },
        );
        attempt = 0;
      } catch (err) {
        if (this.#stop.signal.aborted) return;
        if (isKubeApiError(err) && err.status === 410) {
          rv = undefined;
          continue;
        }
        attempt++;
        state.synced = false;
        rv = undefined;
        const delay = backoffDelay(attempt, this.#o.random, 500, 30_000);
        this.#logger.warn({ kind, code: (err as { code?: string }).code, delay }, "watch failed, relisting after backoff");
        await this.#o.clock.sleep(delay, this.#stop.signal).catch(() => undefined);
      }
    }
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.allSettled(this.#loops);
  }
}
