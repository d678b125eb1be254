import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { errorMessage, isFlotillaError, type Clock, type Logger } from "../core/index.js";
import type { ClusterRender, CommitInfo, FleetRender, RenderError } from "../gitops/index.js";
import {
  canonicalJson,
  DESIRED_BUCKET,
  PROTOCOL_ERROR_CODES,
  createEnvelope,
  encodeBundle,
  sha256Digest,
  subjects,
  type AppBundle,
  type Bundle,
  type BundleHealthV1,
  type SigningKey,
} from "../protocol/index.js";
import type { Allowlists } from "./allowlist.js";
import { jitter, mapBounded } from "./bounded.js";
import { ClusterRegistry } from "./cluster-registry.js";
import { restoreDesiredState } from "./desired-state-restore.js";
import { DesiredStateStore, STATUS_KEY, type PublishedState } from "./desired-state-store.js";
import { appSetOf, bundleOf, mergeRenders, newAppsFor, observedHealth, type AppIssue } from "./fleet-planner.js";
import type { DesiredStateSource } from "./fleet-source.js";
import { AppHistory, type AppHistoryEntry } from "./app-history.js";
import { contentKey, sameContent } from "./bundle-content.js";
import { gateApps, isAutomated, type AppOverride } from "./app-sync.js";
import { AuditLog } from "./audit-log.js";
import { AppStateStore } from "./app-state-store.js";
import { HUB_ERROR, HubError } from "./hub-errors.js";
import { conditionKey, describeCondition, fleetConditions, type FleetCondition } from "./fleet-conditions.js";
import { HubMetrics } from "./hub-metrics.js";
import { decideRollout, type RolloutDecision, type RolloutRecord, type RolloutStepSpec } from "./rollout.js";
import type { Leadership } from "./leader-election.js";

export interface HubServiceOptions {
  readonly fleet: string;
  readonly nc: NatsConnection;
  readonly signingKey: SigningKey;
  readonly sources: readonly DesiredStateSource[];
  readonly allowlists?: Allowlists | undefined;
  /** Poll period (default 60 s), jittered ±10 %. 0 disables polling (webhooks and refresh only). */
  readonly pollIntervalMs?: number | undefined;
  readonly publishConcurrency?: number | undefined;
  readonly missedHeartbeats?: number | undefined;
  /** Roll back on a degraded step when the ApplicationSet does not say (`strategy.rollingSync.autoRollback`). */
  readonly autoRollbackDefault?: boolean | undefined;
  /** Replicas of the hub's streams (`--replicas`); default 3 on a NATS cluster, 1 on a single server. */
  readonly replicas?: number | undefined;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  /**
   * Hub failover (docs/hub.md#failover): without it this hub always leads. With it, a standby only
   * fetches, renders and reads back what the leader published; it writes nothing to NATS.
   */
  readonly leadership?: Leadership | undefined;
}

/** How often, at most, the hub asks one spoke to say Hello again. */
const ANNOUNCE_INTERVAL_MS = 10_000;
/** How often, at most, a standby reads back what the leader published (one history read per cluster). */
const STANDBY_READBACK_MS = 10_000;

export interface SourceStatus {
  readonly id: string;
  /** The commit last fetched and rendered. */
  readonly revision?: string | undefined;
  /** The commit whose desired states are all published (Flux's lastAppliedRevision, for the hub). */
  readonly publishedRevision?: string | undefined;
  readonly lastAttempt?: number | undefined;
  readonly lastSuccess?: number | undefined;
  readonly error?: RenderError | undefined;
}

interface AppSetPolicy {
  readonly steps: readonly RolloutStepSpec[];
  readonly autoRollback: boolean;
}

interface ClusterState {
  published?: PublishedState | undefined;
  bundle?: Bundle | undefined;
  publishError?: string | undefined;
  /** The highest generation the hub signed for this cluster before a restart; the next one is newer. */
  generationFloor?: number | undefined;
  /** The key's current value is not what the hub restored: publish over it even if nothing changed. */
  republish?: boolean | undefined;
  /** Why the key's value was not restored (kept for the hub's lifetime, shown with the cluster's errors). */
  restoreError?: { readonly code: string; readonly message: string } | undefined;
}

/** Content digest of a cluster's apps: ignores source revisions, so a commit that changes nothing publishes nothing. */
/**
 * Canonical JSON of one app without its digest and source revision. Kept per AppBundle object (they
 * are never mutated): a plan compares the same apps several times, and the apps a cluster already
 * runs in every plan; recomputing it was the hub's largest CPU cost at 10 k clusters.
 */
const contentJsonCache = new WeakMap<AppBundle, string>();
function contentJson(app: AppBundle): string {
  let json = contentJsonCache.get(app);
  if (json === undefined) {
    const { digest: _d, source, ...rest } = app;
    const src = typeof source === "object" && source !== null ? { ...(source as Record<string, unknown>), revision: undefined } : source;
    json = canonicalJson({ ...rest, source: src });
    contentJsonCache.set(app, json);
  }
  return json;
}

/** What decides "unchanged" for a cluster: its apps' content regardless of the revision they came from. */
function contentDigest(apps: readonly AppBundle[]): string {
  const sorted = [...apps].sort((a, b) => a.name.localeCompare(b.name));
  // Byte for byte canonicalJson(sorted), built from the cached members.
  return sha256Digest(Buffer.from(`[${sorted.map(contentJson).join(",")}]`, "utf8"));
}

function rollingSyncOf(appSet: FleetRender["appSets"][number], autoRollbackDefault: boolean): AppSetPolicy | undefined {
  if (appSet.strategy.type !== "RollingSync") return undefined;
  const rolling = appSet.strategy.rollingSync;
  return { steps: rolling?.steps ?? [], autoRollback: rolling?.autoRollback ?? autoRollbackDefault };
}

/**
 * The hub: fetch and render the fleet repos, plan each cluster's bundle (allowlists, rollouts),
 * publish what changed (signed, bounded concurrency), and keep the registry and status from what
 * spokes report. All state is rebuilt from Git and the KV buckets on start.
 */
export class HubService {
  readonly fleet: string;
  readonly registry: ClusterRegistry;
  readonly metrics = new HubMetrics();
  readonly store: DesiredStateStore;
  readonly #o: HubServiceOptions;
  readonly #clusters = new Map<string, ClusterState>();
  readonly #sources = new Map<string, SourceStatus>();
  readonly #renders = new Map<string, FleetRender>();
  readonly #rollouts = new Map<string, RolloutRecord>();
  readonly #rolloutViews = new Map<string, RolloutDecision>();
  /** Per ApplicationSet and cluster: the apps it ran before the rollout gave it the new content. */
  readonly #previous = new Map<string, Map<string, AppBundle[]>>();
  #issues: AppIssue[] = [];
  /** Syncs and rollbacks asked for and not yet carried out, per cluster and app. */
  readonly #overrides = new Map<string, Map<string, AppOverride>>();
  /** Held apps (manual or suspended) whose HEAD differs from what the cluster runs, per cluster. */
  #waiting = new Map<string, Set<string>>();
  /** Suspended apps: `<app>` for every cluster, `<cluster>\0<app>` for one. */
  readonly #suspended = new Set<string>();
  readonly history: AppHistory;
  /** History, pending actions and suspensions, kept in the status bucket across restarts. */
  readonly #appState: AppStateStore;
  readonly #commits = new Map<string, CommitInfo>();
  readonly audit: AuditLog;
  #conditionKeys = new Set<string>();
  #conditions: readonly FleetCondition[] = [];
  #conditionByKey = new Map<string, FleetCondition>();
  #render: FleetRender | undefined;
  /** The health customizations last loaded without error (every bundle carries them). */
  #health: BundleHealthV1 | undefined;
  #queue: Promise<void> = Promise.resolve();
  #pendingFetch = false;
  #pendingPlan = false;
  #running = false;
  #ready = false;
  readonly #subs: Subscription[] = [];
  readonly #stop = new AbortController();
  #pollTimer: NodeJS.Timeout | undefined;
  /** The leadership term this hub last restored its published state for (see #lead). */
  #term = 0;
  /** When a standby last read back the published state (for its reads; a takeover restores anew). */
  #readBackAt = -Infinity;

  private constructor(options: HubServiceOptions, store: DesiredStateStore) {
    this.#o = options;
    this.fleet = options.fleet;
    this.store = store;
    this.registry = new ClusterRegistry(options.fleet, { missedHeartbeats: options.missedHeartbeats });
    this.audit = new AuditLog({
      clock: options.clock,
      logger: options.logger,
      store: {
        put: (key, entry) => store.putStatus(`${STATUS_KEY.audit}${key}`, entry),
        load: async () => [...(await store.loadStatus(STATUS_KEY.audit)).values()],
      },
    });
    this.#appState = new AppStateStore({ bucket: store, logger: options.logger });
    this.history = new AppHistory({ onChange: (change) => this.#appState.markHistory(change) });
    for (const s of options.sources) this.#sources.set(s.id, { id: s.id });
  }

  /** Opens the buckets, restores state from them, subscribes to spokes and starts polling. */
  static async start(options: HubServiceOptions): Promise<HubService> {
    const store = await DesiredStateStore.open(options.nc, { replicas: options.replicas });
    const hub = new HubService(options, store);
    await hub.#restore();
    hub.#subscribe();
    hub.#ready = true;
    hub.#schedulePoll(0);
    return hub;
  }

  get ready(): boolean {
    return this.#ready;
  }

  async #restore(): Promise<void> {
    await this.#restoreDesired();
    this.registry.restore(await this.store.loadStatus(STATUS_KEY.cluster));
    await this.audit.restore();
    await this.#restoreAppState();
    this.registry.restoreKeyBackups(await this.store.loadKeyBackups());
    // A backup found only inline in a cluster record (written by an older hub) moves to its own key.
    for (const e of this.registry.all()) this.#persistKeyBackup(e.name);
    await this.#restoreRollouts();
    this.#o.logger.info({ clusters: this.#clusters.size, server: this.store.serverVersion, maxPayload: this.store.maxPayload }, "hub state restored");
  }

  /** What is published (and the generation floor of each cluster), from `flotilla-desired`. */
  async #restoreDesired(log = true): Promise<void> {
    // Bounded concurrency: each cluster's history is one consumer round trip, and a new leader waits for all of them.
    await mapBounded(await this.store.clusters(), 32, async (cluster) => {
      const restored = await restoreDesiredState({
        fleet: this.fleet,
        cluster,
        hubPublicKey: this.#o.signingKey.publicKey,
        entries: await this.store.desiredHistory(cluster),
        readObject: (bucket, object) => this.store.readObject(bucket, object),
      });
      const state: ClusterState = { published: restored.current?.state, bundle: restored.current?.bundle, generationFloor: restored.generationFloor, republish: restored.republish };
      if (restored.rejected !== undefined) {
        const { code, message, kvRevision } = restored.rejected;
        state.restoreError = { code, message: `the ${DESIRED_BUCKET} entry at revision ${String(kvRevision)} was not restored: ${message}; the hub publishes over it` };
        if (log) {
          this.metrics.restoreRejected.inc({ code });
          this.#o.logger.warn({ cluster, code, kvRevision, reason: message }, "desired-state entry rejected on restore");
        }
      }
      this.#clusters.set(cluster, state);
    });
  }

  /** App history, pending syncs and suspended apps, as the leading hub last wrote them to the status bucket. */
  async #restoreAppState(): Promise<void> {
    this.history.restore(await this.#appState.loadHistory());
    this.#overrides.clear();
    for (const [cluster, overrides] of await this.#appState.loadPending()) this.#overrides.set(cluster, overrides);
    this.#suspended.clear();
    for (const key of await this.#appState.loadSuspended()) this.#suspended.add(key);
  }

  async #restoreRollouts(): Promise<void> {
    for (const [name, raw] of await this.store.loadStatus(STATUS_KEY.rollout)) {
      const r = raw as { record?: RolloutRecord; previous?: Record<string, AppBundle[]> };
      if (r.record === undefined) continue;
      this.#rollouts.set(name, r.record);
      this.#previous.set(name, new Map(Object.entries(r.previous ?? {})));
    }
  }

  /** Without failover, always; with it, while the lease holds (checked locally, no I/O). */
  #leads(): boolean {
    return this.#o.leadership?.holds() ?? true;
  }

  /**
   * Whether this pass may plan and publish. A standby reads back what the leader published (its
   * reads stay current, and it stays warm). Once per term a new leader restores the generation
   * floors and rollout records from the KV before it plans, so generations continue past the last
   * leader's and rollouts resume at their step.
   */
  async #lead(): Promise<boolean> {
    const leadership = this.#o.leadership;
    if (leadership === undefined) return true;
    if (!leadership.holds()) {
      const now = this.#o.clock.now();
      if (now - this.#readBackAt >= STANDBY_READBACK_MS) {
        this.#readBackAt = now;
        await this.#restoreDesired(false);
        await this.#restoreRollouts();
        await this.#restoreAppState();
      }
      return false;
    }
    const term = leadership.term();
    if (term === this.#term) return true;
    await this.#restoreDesired();
    await this.#restoreRollouts();
    await this.audit.restore();
    await this.#restoreAppState();
    for (const e of this.registry.all()) this.#persistKeyBackup(e.name);
    this.#term = term;
    this.#o.logger.info({ term, clusters: this.#clusters.size }, "leading: published state, rollouts and app state restored from the KV");
    return true;
  }

  /** Called when this hub becomes leader: plan at once from the warm render, then fetch. */
  leadershipChanged(): void {
    void this.#enqueue(false).then(() => this.#enqueue(true));
  }

  #subscribe(): void {
    for (const subject of [subjects.allStatus(this.fleet), subjects.allHello(this.fleet)]) {
      const sub = this.#o.nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err !== null) {
            this.#o.logger.error({ err: errorMessage(err) }, "spoke subscription failed");
            return;
          }
          this.#ingest(msg.subject, msg.reply, msg.data);
        },
      });
      this.#subs.push(sub);
    }
  }

  #ingest(subject: string, reply: string | undefined, data: Uint8Array): void {
    const result = this.registry.ingest({ subject, reply, data }, this.#o.clock.now());
    if (!result.ok) {
      this.metrics.spokeMessages.inc({ kind: "unknown", result: "rejected" });
      this.#o.logger.warn({ subject: subject.slice(0, 200), code: result.code, reason: result.reason }, "spoke message dropped");
      if (result.code === PROTOCOL_ERROR_CODES.messageSignatureInvalid && result.cluster !== undefined) this.#requestAnnounce(result.cluster);
      return;
    }
    this.metrics.spokeMessages.inc({ kind: result.kind, result: "accepted" });
    // Before the cluster record: both go out on one connection, so a stored record implies the backup before it is.
    if (result.kind === "Hello") this.#persistKeyBackup(result.cluster);
    const record = this.registry.snapshot(result.cluster);
    if (record !== undefined && this.#leads()) {
      this.store.putStatus(`${STATUS_KEY.cluster}${result.cluster}`, record).catch((err: unknown) => {
        this.#o.logger.warn({ cluster: result.cluster, err: errorMessage(err) }, "status record not persisted");
      });
    }
    if (result.kind === "StatusReport" && [...this.#rollouts.values()].some((r) => r.phase === "Progressing")) void this.#enqueue(false);
  }

  readonly #announceRequested = new Map<string, number>();

  /**
   * A heartbeat or report the hub cannot verify: the spoke's status key changed while the hub did
   * not hear its Hello (a cluster rebuilt by `bootstrap --then-join` while the hub was down). Ask
   * that spoke, through its notify subject (only the hub may publish there), to say Hello again;
   * at most once per ANNOUNCE_INTERVAL_MS per cluster, so a forger cannot make the hub chatty.
   */
  #requestAnnounce(cluster: string): void {
    const now = this.#o.clock.now();
    if (now - (this.#announceRequested.get(cluster) ?? -Infinity) < ANNOUNCE_INTERVAL_MS) return;
    if (this.registry.get(cluster)?.inRepo !== true || !this.#leads()) return;
    this.#announceRequested.set(cluster, now);
    const published = this.#clusters.get(cluster)?.published;
    this.store.requestAnnounce(this.fleet, cluster, published === undefined ? undefined : { generation: published.generation, revision: published.revision });
    this.#o.logger.info({ cluster }, "asked the spoke to say hello again (its messages do not verify with the registered key)");
  }

  /** Stores the cluster's key backup under its own key when its content changed (the store compares digests). */
  #persistKeyBackup(cluster: string): void {
    const backup = this.registry.get(cluster)?.keyBackup;
    if (backup === undefined || !this.#leads()) return;
    this.store.putKeyBackup(cluster, backup).catch((err: unknown) => {
      this.#o.logger.warn({ cluster, err: errorMessage(err) }, "key backup not persisted");
    });
  }

  #schedulePoll(delay: number): void {
    const interval = this.#o.pollIntervalMs ?? 60_000;
    if (this.#stop.signal.aborted) return;
    if (delay > 0 && interval === 0) return;
    this.#pollTimer = setTimeout(() => {
      void this.#enqueue(true);
      if (interval > 0) this.#schedulePoll(jitter(interval, 0.1, this.#o.random));
    }, delay);
  }

  /** Fetch every source now (webhook, POST /refresh) and resolve when that pass is done. */
  refresh(): Promise<void> {
    return this.#enqueue(true);
  }

  /** Re-plan from the last render (status changed, rollout may advance). */
  replan(): Promise<void> {
    return this.#enqueue(false);
  }

  /** Serialises passes; requests arriving during a pass coalesce into one more pass. */
  #enqueue(fetch: boolean): Promise<void> {
    if (fetch) this.#pendingFetch = true;
    else this.#pendingPlan = true;
    const run = async (): Promise<void> => {
      if (!this.#pendingFetch && !this.#pendingPlan) return;
      const doFetch = this.#pendingFetch;
      this.#pendingFetch = false;
      this.#pendingPlan = false;
      this.#running = true;
      try {
        if (doFetch) await this.#fetchAll();
        if (!(await this.#lead())) {
          this.#updateConditions();
          return;
        }
        await this.#plan();
        this.#markPublished();
        this.#updateConditions();
        this.metrics.reconciles.inc({ result: "ok" });
      } catch (err) {
        this.#updateConditions();
        this.metrics.reconciles.inc({ result: "error" });
        this.#o.logger.error({ err: errorMessage(err) }, "reconcile failed");
      } finally {
        this.#running = false;
      }
    };
    this.#queue = this.#queue.then(run, run);
    return this.#queue;
  }

  /**
   * Recomputes the fleet-level conditions after a pass: a new one is logged at error level (once),
   * a cleared one at info; the gauge always shows the current set.
   */
  #updateConditions(): void {
    const publishErrors: { cluster: string; message: string }[] = [];
    for (const [cluster, state] of this.#clusters) if (state.publishError !== undefined) publishErrors.push({ cluster, message: state.publishError });
    const next = fleetConditions({ sources: this.sources(), render: this.#render, issues: this.#issues, publishErrors });
    this.#conditions = next;
    const keys = new Set(next.map(conditionKey));
    for (const c of next) {
      if (this.#conditionKeys.has(conditionKey(c))) continue;
      this.#o.logger.error(
        { type: c.type, code: c.code, revision: c.revision, file: c.file, line: c.line, appSet: c.appSet, app: c.app, clusters: c.clusters === "all" ? "all" : c.clusters.length },
        `HEAD not published: ${describeCondition(c)}; affected clusters keep their last good state`,
      );
    }
    for (const [key, c] of this.#conditionByKey) {
      if (!keys.has(key)) this.#o.logger.info({ type: c.type, code: c.code, file: c.file }, `condition cleared: ${describeCondition(c)}`);
    }
    this.#conditionKeys = keys;
    this.#conditionByKey = new Map(next.map((c) => [conditionKey(c), c]));
    this.metrics.conditions.reset();
    for (const c of next) this.metrics.conditions.inc({ type: c.type, code: c.code });
    this.metrics.headPublished.set(next.length === 0 ? 1 : 0);
  }

  /** After a plan: every source's rendered commit is now what the fleet's desired states reflect. */
  #markPublished(): void {
    for (const [id, status] of this.#sources) {
      const render = this.#renders.get(id);
      if (render !== undefined && status.revision === render.revision) this.#sources.set(id, { ...status, publishedRevision: render.revision });
    }
  }

  async #fetchAll(): Promise<void> {
    for (const source of this.#o.sources) {
      const now = this.#o.clock.now();
      const prev = this.#sources.get(source.id) ?? { id: source.id };
      try {
        const render = await source.load(this.#stop.signal);
        for (const a of render.appSets) {
          if (a.error !== undefined) this.#o.logger.warn({ source: source.id, appSet: a.name, code: a.error.code, file: a.error.file, message: a.error.message }, "ApplicationSet not rendered; its clusters keep their last good state");
        }
        this.#renders.set(source.id, render);
        this.#sources.set(source.id, { id: source.id, revision: render.revision, publishedRevision: prev.publishedRevision, lastAttempt: now, lastSuccess: now });
      } catch (err) {
        // An unreachable repo or bad credentials: report it and keep serving the last good render.
        const error: RenderError = isFlotillaError(err)
          ? { code: err.code, message: err.message, file: err.file, field: err.field }
          : { code: "HUB_SOURCE_FAILED", message: errorMessage(err) };
        this.metrics.sourceErrors.inc({ code: error.code });
        this.#sources.set(source.id, { ...prev, lastAttempt: now, error });
        this.#o.logger.warn({ source: source.id, code: error.code, message: error.message }, "fleet source failed");
      }
    }
    const renders = [...this.#renders].map(([source, render]) => ({ source, render }));
    this.#render = renders.length === 0 ? undefined : mergeRenders(renders);
    if (this.#render !== undefined) this.registry.setRepoClusters(this.#render.clusters);
  }

  async #plan(): Promise<void> {
    const render = this.#render;
    if (render === undefined) return;
    const started = performance.now();
    const now = this.#o.clock.now();
    const issues: AppIssue[] = [];
    const newApps = new Map<string, Map<string, AppBundle[]>>();
    // Failed as a whole (render budget): their clusters keep what they run, nothing is pruned.
    const failedAppSets = new Set(render.appSets.filter((a) => a.error !== undefined).map((a) => a.name));
    const waiting = new Map<string, Set<string>>();
    const initiated = new Map<string, Map<string, AppOverride>>();
    for (const c of render.clusters) {
      const current = this.#clusters.get(c.name)?.bundle?.apps ?? [];
      const planned = newAppsFor(c, current, this.#o.allowlists, failedAppSets);
      const gated = gateApps({
        planned: planned.byAppSet,
        current,
        overrides: this.#overrides.get(c.name),
        suspended: (app) => this.#suspended.has(app) || this.#suspended.has(`${c.name}\0${app}`),
        content: contentKey,
        // A sync waits (pending) while the app's HEAD does not render: it would only resend what runs.
        unrendered: new Set([...planned.issues.map((i) => i.app), ...current.filter((a) => failedAppSets.has(appSetOf(a))).map((a) => a.name)]),
      });
      newApps.set(c.name, gated.byAppSet);
      if (gated.waiting.size > 0) waiting.set(c.name, gated.waiting);
      if (gated.applied.size > 0) {
        initiated.set(c.name, gated.applied);
        const left = this.#overrides.get(c.name);
        for (const app of gated.applied.keys()) left?.delete(app);
        if (left?.size === 0) this.#overrides.delete(c.name);
        void this.#appState.putPending(c.name, left);
      }
      issues.push(...planned.issues);
    }
    this.#issues = issues;
    this.#waiting = waiting;

    const policies = new Map<string, AppSetPolicy>();
    for (const a of render.appSets) {
      const p = rollingSyncOf(a, this.#o.autoRollbackDefault ?? false);
      if (p !== undefined) policies.set(a.name, p);
    }
    const decisions = new Map<string, RolloutDecision>();
    for (const [appSet, policy] of policies) decisions.set(appSet, await this.#decide(appSet, policy, render, newApps, now));

    // Health scripts rate objects; they go to every cluster at once, outside rollouts. A health
    // directory that does not load keeps the last good scripts rather than rating with none.
    if (render.healthFailed !== true) this.#health = render.health;
    else this.#health ??= [...this.#clusters.values()].find((c) => c.bundle?.health !== undefined)?.bundle?.health as BundleHealthV1 | undefined;
    const health = this.#health;
    const work: { cluster: string; apps: AppBundle[]; revision: string; health: BundleHealthV1 | undefined; initiated?: Map<string, AppOverride> | undefined }[] = [];
    for (const c of render.clusters) {
      const state = this.#clusters.get(c.name);
      const current = state?.bundle?.apps ?? [];
      const planned = newApps.get(c.name) ?? new Map<string, AppBundle[]>();
      const appSets = new Set([...planned.keys(), ...current.map(appSetOf)]);
      const apps: AppBundle[] = [];
      // The envelope names the commit its content comes from: a rolled-back cluster's is the one it was rolled back to.
      let revision = render.revision;
      for (const appSet of appSets) {
        const decision = decisions.get(appSet);
        if (decision === undefined || !policies.has(appSet)) {
          apps.push(...(planned.get(appSet) ?? []));
        } else if (decision.record.rolledBack.includes(c.name)) {
          const previous = this.#previous.get(appSet)?.get(c.name);
          if (previous === undefined) {
            // The content to roll back to was not kept (too large to persist across a restart): keep what runs.
            apps.push(...current.filter((a) => appSetOf(a) === appSet));
          } else {
            apps.push(...previous);
            // Several ApplicationSets rolled back on one cluster: the first one's revision names it.
            if (revision === render.revision) revision = decision.record.rolledBackTo?.[c.name] ?? revision;
          }
        } else if (decision.record.released.includes(c.name)) {
          apps.push(...(planned.get(appSet) ?? []));
        } else {
          apps.push(...current.filter((a) => appSetOf(a) === appSet));
        }
      }
      const sameHealth = canonicalJson(state?.bundle?.health ?? null) === canonicalJson(health ?? null);
      if (state?.bundle !== undefined && state.republish !== true && sameHealth && sameContent(apps, state.bundle.apps)) continue;
      work.push({ cluster: c.name, apps, revision, health, initiated: initiated.get(c.name) });
    }
    await this.#publishAll(work);
    // Shown only once published, so the API never reports a step the clusters have not been sent.
    for (const appSet of this.#rolloutViews.keys()) if (!decisions.has(appSet)) this.#rolloutViews.delete(appSet);
    for (const [appSet, decision] of decisions) this.#rolloutViews.set(appSet, decision);
    this.metrics.publishSeconds.observe((performance.now() - started) / 1000);
  }

  async #decide(appSet: string, policy: AppSetPolicy, render: FleetRender, newApps: Map<string, Map<string, AppBundle[]>>, now: number): Promise<RolloutDecision> {
    const inputs = [];
    for (const c of render.clusters) {
      const target = newApps.get(c.name)?.get(appSet);
      const state = this.#clusters.get(c.name);
      const currentApps = (state?.bundle?.apps ?? []).filter((a) => appSetOf(a) === appSet);
      if (target === undefined && currentApps.length === 0) continue;
      const report = this.registry.get(c.name)?.report;
      const atPublished = report !== undefined && state?.published !== undefined && (report.generation ?? -1) >= state.published.generation;
      const appLabels = Object.assign({}, ...(target ?? []).map((a) => (a.labels ?? {}) as Record<string, string>)) as Record<string, string>;
      inputs.push({
        cluster: c.name,
        labels: { ...this.registry.labels(c.name), ...appLabels },
        targetDigest: contentDigest(target ?? []),
        currentDigest: state?.bundle === undefined ? null : contentDigest(currentApps),
        currentRevision: state?.published?.revision ?? null,
        online: this.registry.connection(c.name, now) === "Online",
        observed: atPublished ? observedHealth(currentApps.map((a) => a.name), report.apps) : null,
      });
    }
    const before = this.#rollouts.get(appSet);
    const decision = decideRollout({ appSet, revision: render.revision, steps: policy.steps, autoRollback: policy.autoRollback, clusters: inputs, record: before, now });
    if (before?.target !== decision.record.target) this.#previous.set(appSet, new Map());
    const previous = this.#previous.get(appSet) ?? new Map<string, AppBundle[]>();
    for (const cluster of decision.release) {
      previous.set(cluster, (this.#clusters.get(cluster)?.bundle?.apps ?? []).filter((a) => appSetOf(a) === appSet));
    }
    this.#previous.set(appSet, previous);
    this.#rollouts.set(appSet, decision.record);
    if (decision.release.length > 0 || decision.rollback.length > 0) {
      this.#o.logger.info({ appSet, phase: decision.record.phase, release: decision.release, rollback: decision.rollback }, "rollout step");
    }
    if (before === undefined || before.updatedAt !== decision.record.updatedAt || decision.release.length > 0) {
      await this.#persistRollout(appSet, decision.record, previous);
    }
    return decision;
  }

  /**
   * Keeps the rollout record (and the content to roll back to) across restarts. A record too big for
   * one KV value is kept without the previous content: a restarted hub can then halt but not roll back.
   */
  async #persistRollout(appSet: string, record: RolloutRecord, previous: ReadonlyMap<string, AppBundle[]>): Promise<void> {
    const full = { record, previous: Object.fromEntries(previous) };
    const fits = Buffer.byteLength(JSON.stringify(full)) < this.store.maxPayload - 64 * 1024;
    if (!fits) this.#o.logger.warn({ appSet }, "rollout record too large to keep the rollback content across restarts");
    if (!this.#leads()) return;
    try {
      await this.store.putStatus(`${STATUS_KEY.rollout}${appSet}`, fits ? full : { record, previous: {} });
    } catch (err) {
      this.#o.logger.warn({ appSet, err: errorMessage(err) }, "rollout record not persisted");
    }
  }

  /**
   * Builds every envelope (CPU), puts them as one pipeline, then notifies; a failure marks the
   * clusters, never half-notifies. Each item carries its own revision (a rollback's is older).
   */
  async #publishAll(work: readonly { cluster: string; apps: AppBundle[]; revision: string; health?: BundleHealthV1 | undefined; initiated?: Map<string, AppOverride> | undefined }[]): Promise<void> {
    const built: { cluster: string; bundle: Bundle; created: ReturnType<typeof createEnvelope>; initiated?: Map<string, AppOverride> | undefined }[] = [];
    for (const w of work) {
      const state = this.#clusters.get(w.cluster) ?? {};
      const { revision } = w;
      const bundle = bundleOf(w.cluster, revision, w.apps, w.health);
      try {
        const created = createEnvelope({
          fleet: this.fleet,
          cluster: w.cluster,
          // Never backwards: past what the hub signed before a restart and what the spoke says it applied.
          generation: Math.max(state.published?.generation ?? 0, state.generationFloor ?? 0, this.registry.get(w.cluster)?.appliedGeneration ?? 0) + 1,
          revision,
          issuedAt: this.#o.clock.now(),
          bundle: encodeBundle(bundle),
          signingKey: this.#o.signingKey,
          maxPayload: this.store.maxPayload,
        });
        built.push({ cluster: w.cluster, bundle, created, initiated: w.initiated });
      } catch (err) {
        this.#failed(w.cluster, err);
      }
    }
    // Fenced: only while the lease key still holds this hub's last renewal (a deposed leader stops here).
    if (built.length > 0 && this.#o.leadership !== undefined && !(await this.#o.leadership.confirm())) {
      this.#o.logger.warn({ clusters: built.length }, "not publishing: this hub no longer holds the lease");
      return;
    }
    let revisions: number[];
    try {
      revisions = await this.store.putMany(built.map((b) => b.created), { concurrency: this.#o.publishConcurrency ?? 256 });
    } catch (err) {
      for (const b of built) this.#failed(b.cluster, err);
      return;
    }
    built.forEach((b, i) => {
      const e = b.created.envelope;
      this.store.notify(this.fleet, e);
      this.#recordHistory(b.cluster, this.#clusters.get(b.cluster)?.bundle?.apps ?? [], b.bundle, e.generation, b.initiated);
      this.#clusters.set(b.cluster, {
        restoreError: this.#clusters.get(b.cluster)?.restoreError,
        bundle: b.bundle,
        published: { cluster: b.cluster, generation: e.generation, revision: e.revision, bundleDigest: e.bundleDigest, kvRevision: revisions[i] ?? 0 },
      });
    });
    this.metrics.publishes.inc({ result: "ok" }, built.length);
  }

  /** An entry per app whose content changed in this publish (Argo's `status.history`). */
  #recordHistory(cluster: string, before: readonly AppBundle[], bundle: Bundle, generation: number, initiated: Map<string, AppOverride> | undefined): void {
    const previous = new Map(before.map((a) => [a.name, a]));
    const deployedAt = new Date(this.#o.clock.now()).toISOString();
    for (const app of bundle.apps) {
      const old = previous.get(app.name);
      const by = initiated?.get(app.name);
      if (old !== undefined && contentKey(old) === contentKey(app) && by === undefined) continue;
      const source = (app as { source?: { revision?: unknown } }).source;
      const revision = typeof source?.revision === "string" && source.revision !== "" ? source.revision : bundle.revision;
      this.history.record(cluster, { revision, deployedAt, generation, app, kind: by?.kind ?? "auto", initiatedBy: by?.by ?? "automated" });
    }
  }

  // ---- operator actions (the API records each in the audit log) ----

  /** The clusters an app is rendered for (or runs on), optionally one of them. */
  #clustersOf(app: string, cluster: string | undefined): string[] {
    const out: string[] = [];
    for (const c of this.renderedClusters()) {
      if (cluster !== undefined && c.name !== cluster) continue;
      const runs = this.#clusters.get(c.name)?.bundle?.apps.some((a) => a.name === app) ?? false;
      if (runs || c.apps.some((a) => a.name === app)) out.push(c.name);
    }
    if (out.length === 0) throw new HubError(HUB_ERROR.appNotFound, cluster === undefined ? `no application "${app}" on any cluster` : `no application "${app}" on cluster "${cluster}"`);
    return out;
  }

  /**
   * `argocd app sync`: fetch, then give the app HEAD's content on its clusters (one, with
   * `cluster`) as a new signed envelope. Resolves when the pass that published it is done.
   */
  async syncApp(input: { app: string; cluster?: string | undefined; prune: boolean; by: string }): Promise<{ cluster: string; generation: number | null; revision: string | null; error?: string | undefined; pending?: boolean }[]> {
    const clusters = this.#clustersOf(input.app, input.cluster);
    for (const c of clusters) {
      const map = this.#overrides.get(c) ?? new Map<string, AppOverride>();
      map.set(input.app, { kind: "sync", prune: input.prune, by: input.by });
      this.#overrides.set(c, map);
      await this.#appState.putPending(c, map);
    }
    await this.#enqueue(true);
    // Still pending: HEAD did not render for the app (it is carried out, even after a restart, once it does).
    return clusters.map((c) => ({ ...this.#publishedOf(c), ...(this.#overrides.get(c)?.has(input.app) === true ? { pending: true } : {}) }));
  }

  /**
   * `argocd app rollback`: the app on one cluster goes back to a version from its history (the one
   * before the current by default). Like Argo CD, refused while the app syncs automatically.
   */
  async rollbackApp(input: { app: string; cluster: string; id?: number | undefined; by: string }): Promise<{ cluster: string; generation: number | null; revision: string | null; id: number; error?: string | undefined }> {
    this.#clustersOf(input.app, input.cluster);
    const running = this.#clusters.get(input.cluster)?.bundle?.apps.find((a) => a.name === input.app);
    if (running !== undefined && isAutomated(running)) {
      throw new HubError(HUB_ERROR.rollbackAutomated, `application "${input.app}" syncs automatically: rollback cannot be initiated when auto-sync is enabled (remove syncPolicy.automated first)`);
    }
    const entries = this.history.list(input.cluster, input.app);
    const target = input.id === undefined ? entries.at(-2) : entries.find((e) => e.id === input.id);
    if (target === undefined) {
      const ids = entries.map((e) => e.id).join(", ");
      throw new HubError(HUB_ERROR.historyNotFound, input.id === undefined ? `application "${input.app}" on "${input.cluster}" has no earlier deployment to roll back to` : `application "${input.app}" on "${input.cluster}" has no history entry ${String(input.id)}${ids === "" ? "" : ` (have ${ids})`}`);
    }
    const map = this.#overrides.get(input.cluster) ?? new Map<string, AppOverride>();
    map.set(input.app, { kind: "rollback", app: target.app, id: target.id, by: input.by });
    this.#overrides.set(input.cluster, map);
    await this.#appState.putPending(input.cluster, map);
    await this.#enqueue(false);
    return { ...this.#publishedOf(input.cluster), id: target.id };
  }

  /** Flux's suspend: the hub stops sending the app new content (on one cluster, or all) until resumed. */
  async setSuspended(input: { app: string; cluster?: string | undefined; suspended: boolean }): Promise<string[]> {
    const clusters = this.#clustersOf(input.app, input.cluster);
    const key = input.cluster === undefined ? input.app : `${input.cluster}\0${input.app}`;
    if (input.suspended) this.#suspended.add(key);
    else {
      this.#suspended.delete(key);
      if (input.cluster === undefined) for (const c of clusters) this.#suspended.delete(`${c}\0${input.app}`);
    }
    await this.#appState.putSuspended([...this.#suspended]);
    await this.#enqueue(false);
    return clusters;
  }

  isSuspended(cluster: string, app: string): boolean {
    return this.#suspended.has(app) || this.#suspended.has(`${cluster}\0${app}`);
  }

  /** Held apps whose HEAD differs from what the cluster runs (OutOfSync until synced). */
  waitingForSync(cluster: string): ReadonlySet<string> {
    return this.#waiting.get(cluster) ?? new Set();
  }

  /** Commit message, author and time from the first source that knows the oid (cached: commits never change). */
  async commitInfo(oid: string): Promise<CommitInfo | undefined> {
    const known = this.#commits.get(oid);
    if (known !== undefined) return known;
    for (const s of this.#o.sources) {
      const info = await s.commitInfo?.(oid);
      if (info !== undefined) {
        if (this.#commits.size > 1000) this.#commits.clear();
        this.#commits.set(oid, info);
        return info;
      }
    }
    return undefined;
  }

  appHistory(cluster: string, app: string): readonly AppHistoryEntry[] {
    return this.history.list(cluster, app);
  }

  #publishedOf(cluster: string): { cluster: string; generation: number | null; revision: string | null; error?: string | undefined } {
    const s = this.#clusters.get(cluster);
    return { cluster, generation: s?.published?.generation ?? null, revision: s?.published?.revision ?? null, ...(s?.publishError === undefined ? {} : { error: s.publishError }) };
  }

  #failed(cluster: string, err: unknown): void {
    const state = this.#clusters.get(cluster) ?? {};
    this.#clusters.set(cluster, { ...state, publishError: errorMessage(err) });
    this.metrics.publishes.inc({ result: "error" });
    this.#o.logger.error({ cluster, err: errorMessage(err) }, "publish failed");
  }

  // ---- read models for the API ----

  sources(): SourceStatus[] {
    return [...this.#sources.values()];
  }

  renderErrors(): FleetRender["errors"] {
    return this.#render?.errors ?? [];
  }

  /** Fleet-level failures of HEAD now (see fleet-conditions.ts). */
  conditions(): readonly FleetCondition[] {
    return this.#conditions;
  }

  /** The commit the hub last fetched and rendered (HEAD of what it follows). */
  headRevision(): string | null {
    return this.#render?.revision ?? null;
  }

  issues(): readonly AppIssue[] {
    return this.#issues;
  }

  rollouts(): RolloutDecision[] {
    // A standby never plans: it shows the records the leader keeps, without the per-step view.
    const records = [...this.#rollouts.values()].filter((r) => !this.#rolloutViews.has(r.appSet)).map((record) => ({ record, release: [], rollback: [], steps: [] }));
    return [...this.#rolloutViews.values(), ...(this.#leads() ? [] : records)];
  }

  clusterState(name: string): ClusterState | undefined {
    return this.#clusters.get(name);
  }

  renderedClusters(): readonly ClusterRender[] {
    return this.#render?.clusters ?? [];
  }

  get busy(): boolean {
    return this.#running;
  }

  async close(): Promise<void> {
    this.#stop.abort();
    if (this.#pollTimer !== undefined) clearTimeout(this.#pollTimer);
    for (const s of this.#subs) s.unsubscribe();
    await this.#queue;
    await this.#appState.flush();
  }
}
