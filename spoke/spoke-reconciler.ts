import { errorMessage, silentLogger, type Clock, type Logger } from "../core/index.js";
import {
  ACTION,
  HEALTH,
  KUBE_ERROR,
  countActions,
  isKubeApiError,
  isKubeError,
  refId,
  refOf,
  resourceHealth,
  type HealthOptions,
  type InventoryStore,
  type KubeClient,
  type KubeObject,
  type ObjectRef,
  type SsaManager,
  type SyncResult,
} from "../kube/index.js";
import type { StatusReportInput } from "../protocol/index.js";
import type { DesiredApp, DesiredState } from "./desired-state.js";
import type { DriftWatcher } from "./drift-watcher.js";
import { done, retry, stalled, worstOutcome, type Outcome } from "./outcome.js";
import { ownerKey, type DecryptedApp, type DecryptionKeys, type SecretDecryptor } from "./secret-decryptor.js";
import { SPOKE_ERROR, isSpokeError } from "./spoke-errors.js";
import { buildStatusReport, type AppState, type ObjectState } from "./status-report.js";

export interface SpokeReconcilerOptions {
  readonly fleet: string;
  readonly cluster: string;
  readonly client: KubeClient;
  readonly manager: SsaManager;
  readonly inventories: InventoryStore;
  readonly decryptor: SecretDecryptor;
  readonly keys: () => Promise<DecryptionKeys>;
  readonly drift: DriftWatcher;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly health?: HealthOptions;
  /** Called with every report the shell produces (sign + publish, or keep for later when offline). */
  readonly report: (report: StatusReportInput) => void;
}

interface AppRecord {
  desired: DesiredApp;
  /** Digest of the desired app last applied successfully. */
  appliedDigest?: string | undefined;
  ids: string[];
  failure?: { reason: string; code: string; message: string } | undefined;
  terminal?: boolean;
  /** Self-heal bookkeeping: consecutive heals and when the last one ran. */
  heals: number;
  lastHealAt: number;
}

export interface ReconcileSummary {
  readonly outcome: Outcome;
  /** Change-set actions over all apps synced in this pass. */
  readonly actions: Record<string, number>;
  readonly synced: readonly string[];
}

/**
 * Where a spoke-level error comes from, so that it clears when that part recovers:
 * `desired-state` (fetching, verifying or the cached envelope) when a desired state verifies,
 * `key-backup` when the backup fits in a Hello again.
 */
export type SpokeErrorSource = "desired-state" | "key-backup";

interface SpokeLevelError {
  readonly source: SpokeErrorSource;
  readonly code: string;
  readonly message: string;
}

/** Distinct spoke-level errors kept at once (each source has a handful of codes). */
export const MAX_SPOKE_ERRORS = 20;

/** A reason per failing stage, as Flux's Ready=False reasons. */
const REASON = { decrypt: "DecryptFailed", apply: "ApplyFailed", prune: "PruneFailed", hook: "HookFailed" } as const;

function classify(stage: keyof typeof REASON, err: unknown): Outcome {
  const error = err instanceof Error ? err : new Error(errorMessage(err));
  if (stage === "decrypt") return stalled(REASON.decrypt, error);
  if (isKubeError(err) && err.code === KUBE_ERROR.hookFailed) return stalled(REASON.hook, error);
  if (isKubeApiError(err) && err.status >= 400 && err.status < 500 && err.status !== 409 && err.status !== 429) return stalled(REASON[stage], error);
  return retry(REASON[stage], error);
}

/**
 * The SealedSecret that controls a (normalized) Secret unsealed from the bundle: same namespace and
 * name, as the controller makes it. The Secret's namespace was defaulted to the app's; so is the key.
 */
function sealedOwnerOf(obj: KubeObject, decrypted: DecryptedApp, namespace: string | undefined): ObjectRef | undefined {
  if (obj.apiVersion !== "v1" || obj.kind !== "Secret") return undefined;
  const sealed = decrypted.sealedSecrets.find(
    (ss) => ss.metadata.name === obj.metadata.name && (ss.metadata.namespace ?? namespace) === obj.metadata.namespace && decrypted.owners.has(ownerKey(ss.metadata.namespace, ss.metadata.name)),
  );
  if (sealed === undefined) return undefined;
  return { apiVersion: sealed.apiVersion, kind: sealed.kind, name: sealed.metadata.name, ...(obj.metadata.namespace === undefined ? {} : { namespace: obj.metadata.namespace }) };
}

/**
 * The spoke's reconcile shell (STYLE.md §1): holds the desired state it last verified, runs the
 * staged pipeline (decrypt → apply → prune → health) per app, always ends with a status report
 * (try/finally), and maps the result to an Outcome for requeueing. An app whose digest is
 * unchanged and whose objects have not drifted costs no request at all.
 */
export class SpokeReconciler {
  readonly #o: SpokeReconcilerOptions;
  readonly #logger: Logger;
  readonly #apps = new Map<string, AppRecord>();
  readonly #drifted = new Set<string>();
  #desired: DesiredState | undefined;
  #applied: { generation: number; revision: string; bundleDigest: string } | undefined;
  #needAppCleanup = true;
  /** Spoke-level errors, one per source and code (the latest message), oldest first. */
  readonly #errors = new Map<string, SpokeLevelError>();
  #lastResults = new Map<string, SyncResult>();

  constructor(options: SpokeReconcilerOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger();
  }

  get desired(): DesiredState | undefined {
    return this.#desired;
  }

  /** What was last applied completely (reported to the hub; never rolls back). */
  get applied(): { generation: number; revision: string; bundleDigest: string } | undefined {
    return this.#applied;
  }

  /** Installs a newly verified desired state (the caller checked signature, cluster and generation). */
  setDesired(state: DesiredState): void {
    this.#desired = state;
    this.#needAppCleanup = true;
    this.clearErrors("desired-state");
    for (const app of state.apps) {
      const rec = this.#apps.get(app.name);
      if (rec === undefined) this.#apps.set(app.name, { desired: app, ids: [], heals: 0, lastHealAt: 0 });
      else {
        rec.desired = app;
        if (rec.appliedDigest !== app.digest) rec.terminal = false;
      }
    }
  }

  /**
   * Lets apps stalled on decryption run again (the keys changed: a rotated or restored key may open
   * what failed). Returns how many; the caller schedules the pass.
   */
  retryDecryptFailures(): number {
    let n = 0;
    for (const rec of this.#apps.values()) {
      if (rec.terminal === true && rec.failure?.reason === REASON.decrypt) {
        rec.terminal = false;
        n++;
      }
    }
    return n;
  }

  /**
   * A spoke-level error (rejected envelope, unreadable cache, oversized key backup) for the reports;
   * current state is kept. The same error again replaces the earlier one instead of piling up, and
   * the list holds at most MAX_SPOKE_ERRORS entries.
   */
  recordError(code: string, message: string, source: SpokeErrorSource = "desired-state"): void {
    const key = `${source}\u0000${code}`;
    this.#errors.delete(key);
    this.#errors.set(key, { source, code, message });
    while (this.#errors.size > MAX_SPOKE_ERRORS) {
      const oldest = this.#errors.keys().next();
      if (oldest.done === true) break;
      this.#errors.delete(oldest.value);
    }
  }

  /** The source recovered (a desired state verified, a backup sent): its errors leave the reports. True if any did. */
  clearErrors(source: SpokeErrorSource): boolean {
    let cleared = false;
    for (const [key, e] of this.#errors) {
      if (e.source !== source) continue;
      this.#errors.delete(key);
      cleared = true;
    }
    return cleared;
  }

  /** Drift seen by the watcher; the next pass heals it (selfHeal) or reports it. Returns the heal delay to use. */
  markDrift(app: string): number {
    this.#drifted.add(app);
    const rec = this.#apps.get(app);
    if (rec === undefined || !rec.desired.selfHeal) return 0;
    const now = this.#o.clock.now();
    if (now - rec.lastHealAt > 120_000) rec.heals = 0;
    return rec.heals === 0 ? 0 : Math.min(60_000, 1000 * 2 ** (rec.heals - 1));
  }

  #objectIds(app: string): string[] {
    return this.#apps.get(app)?.ids ?? [];
  }

  #hasRealDrift(app: string): boolean {
    return this.#objectIds(app).some((id) => this.#o.drift.drift(id).length > 0 || this.#o.drift.live(id) === null);
  }

  #shouldSync(rec: AppRecord): { sync: boolean; heal: boolean } {
    if (rec.terminal === true && rec.appliedDigest !== rec.desired.digest && rec.failure !== undefined) return { sync: false, heal: false };
    if (rec.appliedDigest !== rec.desired.digest) return { sync: true, heal: false };
    if (rec.failure !== undefined) return { sync: true, heal: false };
    if (this.#drifted.has(rec.desired.name)) {
      const real = this.#hasRealDrift(rec.desired.name);
      if (!real) this.#drifted.delete(rec.desired.name);
      return { sync: real && rec.desired.selfHeal, heal: real && rec.desired.selfHeal };
    }
    return { sync: false, heal: false };
  }

  async #syncApp(rec: AppRecord, keys: () => Promise<DecryptionKeys>, signal: AbortSignal | undefined): Promise<{ outcome: Outcome; result?: SyncResult }> {
    const app = rec.desired;
    // Stage 1: decrypt. Nothing of the app is applied when any of its secrets fails to open.
    let decrypted;
    try {
      decrypted = await this.#o.decryptor.decryptApp(app.name, app.objects, await keys());
    } catch (err) {
      return { outcome: classify("decrypt", err) };
    }
    // Stage 2: apply + prune (the SSA manager runs waves, hooks and the inventory).
    if (app.ignoreDifferences.unsupported.length > 0) this.#logger.warn({ app: app.name, unsupported: app.ignoreDifferences.unsupported }, "ignoreDifferences entries not honoured");
    let result: SyncResult;
    try {
      result = await this.#o.manager.sync({
        app: app.name,
        objects: decrypted.objects,
        namespace: app.namespace,
        revision: this.#desired?.revision,
        generation: this.#desired?.generation,
        syncOptions: app.syncOptions,
        ignoreDifferences: app.ignoreDifferences,
        prune: app.prune,
        preserveResourcesOnDeletion: app.preserveResourcesOnDeletion,
        trustHash: (id) => this.#o.drift.isClean(id),
        controllerOf: (obj) => sealedOwnerOf(obj, decrypted, app.namespace),
        signal,
      });
    } catch (err) {
      return { outcome: classify("apply", err) };
    }
    rec.ids = result.applied.map((a) => a.id);
    this.#o.drift.track(app.name, result.applied);
    const deleted = result.changeSet.filter((c) => c.action === ACTION.deleted).map((c) => c.id);
    this.#o.drift.untrack(deleted);
    if (result.error !== undefined) return { outcome: classify("apply", result.error), result };
    // Stage 3: SealedSecret status, as the controller reports it (best effort: the CRD may lack a status subresource).
    for (const ss of decrypted.sealedSecrets) {
      const id = refId(refOf(ss));
      const entry = result.changeSet.find((c) => c.id === id);
      if (entry === undefined || entry.action === ACTION.unchanged) continue;
      try {
        const live = await this.#o.client.get(refOf(ss));
        await this.#o.client.patchStatus(refOf(ss), {
          observedGeneration: live?.metadata.generation ?? 1,
          conditions: [{ type: "Synced", status: "True", lastTransitionTime: new Date(this.#o.clock.now()).toISOString(), lastUpdateTime: new Date(this.#o.clock.now()).toISOString() }],
        });
      } catch (err) {
        this.#logger.debug({ object: id, code: (err as { code?: string }).code }, "could not set SealedSecret status");
      }
    }
    return { outcome: done(), result };
  }

  /** Deletes apps that left the desired state (their inventory remains in the cluster). */
  async #cleanupApps(): Promise<Outcome> {
    const desired = new Set(this.#desired?.apps.map((a) => a.name) ?? []);
    try {
      for (const inv of await this.#o.inventories.list()) {
        if (desired.has(inv.app)) continue;
        const removed = await this.#o.manager.deleteApp(inv.app, { preserveResourcesOnDeletion: inv.preserveResourcesOnDeletion === true });
        this.#o.drift.untrack(inv.entries.map((e) => e.id));
        this.#apps.delete(inv.app);
        this.#logger.info({ app: inv.app, deleted: removed.length, preserved: inv.preserveResourcesOnDeletion === true }, "app removed");
      }
      this.#needAppCleanup = false;
      return done();
    } catch (err) {
      return classify("prune", err);
    }
  }

  /** One pass. Always produces a status report, whatever happens. */
  async reconcile(signal?: AbortSignal): Promise<ReconcileSummary> {
    const outcomes: Outcome[] = [];
    const actions: Record<string, number> = { created: 0, configured: 0, unchanged: 0, deleted: 0, skipped: 0 };
    const synced: string[] = [];
    try {
      const desired = this.#desired;
      if (desired === undefined) return { outcome: done(), actions, synced };
      let keysPromise: Promise<DecryptionKeys> | undefined;
      const keys = (): Promise<DecryptionKeys> => (keysPromise ??= this.#o.keys());
      for (const app of desired.apps) {
        const rec = this.#apps.get(app.name);
        if (rec === undefined) continue;
        const { sync, heal } = this.#shouldSync(rec);
        if (!sync) continue;
        if (heal) {
          rec.heals += 1;
          rec.lastHealAt = this.#o.clock.now();
          this.#logger.info({ app: app.name, heals: rec.heals }, "self-healing drift");
        }
        synced.push(app.name);
        const { outcome, result } = await this.#syncApp(rec, keys, signal);
        if (result !== undefined) {
          this.#lastResults.set(app.name, result);
          const counts = countActions(result.changeSet);
          for (const [k, v] of Object.entries(counts)) actions[k] = (actions[k] ?? 0) + v;
        }
        if (outcome.kind === "done") {
          rec.appliedDigest = app.digest;
          rec.failure = undefined;
          rec.terminal = false;
          this.#drifted.delete(app.name);
        } else if (outcome.kind === "retry" || outcome.kind === "stalled") {
          const code = isSpokeError(outcome.error) || isKubeError(outcome.error) ? (outcome.error as { code: string }).code : SPOKE_ERROR.apply;
          rec.failure = { reason: outcome.reason, code, message: errorMessage(outcome.error) };
          rec.terminal = outcome.kind === "stalled";
          this.#logger.warn({ app: app.name, reason: outcome.reason, code }, "app reconcile failed");
        }
        outcomes.push(outcome);
      }
      if (this.#needAppCleanup) outcomes.push(await this.#cleanupApps());
      const worst = worstOutcome(outcomes);
      const allApplied = desired.apps.every((a) => this.#apps.get(a.name)?.appliedDigest === a.digest);
      if (allApplied) this.#applied = { generation: desired.generation, revision: desired.revision, bundleDigest: desired.bundleDigest };
      return { outcome: worst, actions, synced };
    } finally {
      this.#o.report(this.statusReport());
    }
  }

  /** The current state of every app, from the drift watcher's live cache (no request). */
  appStates(): AppState[] {
    const desired = this.#desired;
    if (desired === undefined) return [];
    return desired.apps.map((app) => {
      const rec = this.#apps.get(app.name);
      const objects: ObjectState[] = (rec?.ids ?? []).map((id) => {
        const live = this.#o.drift.live(id);
        const result = this.#lastResults.get(app.name);
        const health = live === undefined ? result?.health.get(id) : live === null ? { status: HEALTH.missing } : resourceHealth(live, this.#o.health);
        return {
          id,
          desired: this.#o.drift.desired(id),
          baseline: this.#o.drift.baseline(id),
          live,
          health,
          drift: this.#o.drift.drift(id),
        };
      });
      return { name: app.name, revision: desired.revision, objects, failure: rec?.failure, pending: rec?.appliedDigest !== app.digest };
    });
  }

  statusReport(): StatusReportInput {
    return buildStatusReport({
      fleet: this.#o.fleet,
      cluster: this.#o.cluster,
      now: this.#o.clock.now(),
      applied: this.#applied,
      apps: this.appStates(),
      errors: [...this.#errors.values()].map(({ code, message }) => ({ code, message })),
    });
  }
}
