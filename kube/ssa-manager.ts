import { silentLogger, type Clock, type Logger } from "../core/index.js";
import { appliedHash, canonicalJson } from "./applied-hash.js";
import { ACTION, changeSetEntry, type ChangeSetEntry } from "./change-set.js";
import { HEALTH, type HealthStatus } from "./health/health-status.js";
import { resourceHealth, type HealthOptions } from "./health/resource-health.js";
import type { KubeClient } from "./kube-client.js";
import { isInvalid, KubeError, KUBE_ERROR } from "./kube-errors.js";
import { entryRef, mergeEntries, staleEntries, type Inventory, type InventoryEntry } from "./inventory.js";
import type { InventoryStore } from "./inventory-store.js";
import { deepClone, isNamedByServer, isRecord, nameOrPrefix, refId, refOf, refSubject, type KubeObject, type ObjectRef } from "./kube-object.js";
import { ignoredPointers, NO_IGNORED_DIFFERENCES, withoutPointers, type IgnoreDifferences } from "./ignore-differences.js";
import { projectOnto } from "./object-diff.js";
import { DEFAULT_SYNC_OPTIONS, isGeneratedHook, type SyncOptions } from "./sync-options.js";
import { planSync, pruneOrder, type SyncStep, type SyncTask } from "./sync-order.js";

export interface SsaManagerOptions {
  readonly client: KubeClient;
  readonly inventories: InventoryStore;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Label put on every applied object, value = app name; prune refuses objects labelled for another app. */
  readonly appLabel?: string;
  /** SSA `force` (take over conflicting fields), true like Flux. */
  readonly forceConflicts?: boolean;
  /** How long a hook or a wave may take to become ready. */
  readonly waitTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  /** Objects applied at once within a step. */
  readonly concurrency?: number;
  readonly health?: HealthOptions;
}

export interface SyncRequest {
  readonly app: string;
  readonly objects: readonly KubeObject[];
  /** Namespace given to namespaced objects that have none (the app's destination). */
  readonly namespace?: string | undefined;
  readonly revision?: string | undefined;
  readonly generation?: number | undefined;
  /** The app's `syncPolicy.syncOptions`. */
  readonly syncOptions?: SyncOptions | undefined;
  /**
   * The app's `ignoreDifferences`: left out of each object's drift baseline, so a field an HPA or a
   * webhook owns is neither OutOfSync nor self-healed; with RespectIgnoreDifferences=true, left out
   * of the apply as well.
   */
  readonly ignoreDifferences?: IgnoreDifferences | undefined;
  /** Automated prune (Argo `syncPolicy.automated.prune`, Flux `spec.prune`); default true. */
  readonly prune?: boolean | undefined;
  /** Recorded in the inventory so the objects survive the app's removal later. */
  readonly preserveResourcesOnDeletion?: boolean | undefined;
  /**
   * Ids whose inventory hash may be trusted (the caller's drift watch has seen no change since the
   * last apply). For them an unchanged desired hash means no request at all.
   */
  readonly trustHash?: ((id: string) => boolean) | undefined;
  /**
   * The object that controls a desired object, as the Sealed Secrets controller makes a SealedSecret
   * own its Secret: called with each normalized object; the owner is applied first and the object
   * gets a controller ownerReference to it (by the owner's live uid), so garbage collection removes
   * the object with its owner.
   */
  readonly controllerOf?: ((obj: KubeObject) => ObjectRef | undefined) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** What apply left in the cluster for one object: the baseline drift detection compares against. */
export interface AppliedObject {
  readonly id: string;
  readonly ref: ObjectRef;
  readonly desired: KubeObject;
  /** The live object projected onto the desired fields, right after apply (undefined when skipped by hash). */
  readonly baseline: KubeObject | undefined;
  readonly hash: string;
}

export interface SyncResult {
  readonly app: string;
  readonly changeSet: readonly ChangeSetEntry[];
  readonly applied: readonly AppliedObject[];
  readonly inventory: Inventory;
  /** Set when a step, hook or wave failed; nothing was pruned then. */
  readonly error?: Error | undefined;
  /** Live health of each non-hook object seen during this sync (by id). */
  readonly health: ReadonlyMap<string, HealthStatus | undefined>;
}

const DEFINITION_KINDS = new Set(["Namespace", "CustomResourceDefinition"]);

/** Fields a dry-run result and a live object may differ in without the object having changed. */
function comparable(obj: KubeObject): unknown {
  const copy: Record<string, unknown> = { ...obj };
  delete copy.status;
  if (isRecord(copy.metadata)) {
    const meta = { ...copy.metadata };
    for (const key of ["resourceVersion", "managedFields", "generation", "creationTimestamp", "uid"]) delete meta[key];
    copy.metadata = meta;
  }
  return copy;
}

/**
 * Flux's ResourceManager (fluxcd/pkg `ssa/manager_apply.go`) with Argo CD's phases, waves and
 * hooks: dry-run to classify created/configured/unchanged, skip unchanged by applied hash, stage
 * Namespaces and CRDs before the rest, record an inventory in the cluster, and prune what left.
 */
export class SsaManager {
  readonly #client: KubeClient;
  readonly #inventories: InventoryStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #appLabel: string;
  readonly #force: boolean;
  readonly #waitTimeoutMs: number;
  readonly #pollMs: number;
  readonly #concurrency: number;
  readonly #health: HealthOptions;

  constructor(options: SsaManagerOptions) {
    this.#client = options.client;
    this.#inventories = options.inventories;
    this.#clock = options.clock;
    this.#logger = options.logger ?? silentLogger();
    this.#appLabel = options.appLabel ?? "flotilla.dev/app";
    this.#force = options.forceConflicts ?? true;
    this.#waitTimeoutMs = options.waitTimeoutMs ?? 300_000;
    this.#pollMs = options.pollIntervalMs ?? 500;
    this.#concurrency = options.concurrency ?? 8;
    this.#health = options.health ?? {};
  }

  get appLabel(): string {
    return this.#appLabel;
  }

  /** Fills in the default namespace, drops a namespace from cluster-scoped kinds, adds the app label. */
  async normalize(app: string, objects: readonly KubeObject[], namespace: string | undefined): Promise<KubeObject[]> {
    const out: KubeObject[] = [];
    for (const original of objects) {
      if (typeof original.apiVersion !== "string" || typeof original.kind !== "string" || (typeof original.metadata?.name !== "string" && !isGeneratedHook(original))) {
        throw new KubeError(KUBE_ERROR.invalidObject, "object needs apiVersion, kind and metadata.name (generateName only for hooks)", { userError: true, field: app });
      }
      const obj = deepClone(original);
      const namespaced = await this.#client.namespaced(obj.apiVersion, obj.kind);
      if (namespaced === false) delete obj.metadata.namespace;
      else if ((obj.metadata.namespace ?? "") === "" && namespace !== undefined) obj.metadata.namespace = namespace;
      obj.metadata.labels = { ...obj.metadata.labels, [this.#appLabel]: app };
      out.push(secretStringDataToData(obj));
    }
    return out;
  }

  /** Applies one object the Flux way; returns its change-set action and the live result. */
  async applyOne(obj: KubeObject, options: SyncOptions, trustedHash: string | undefined): Promise<{ entry: ChangeSetEntry; live: KubeObject | undefined; hash: string }> {
    const hash = appliedHash(obj);
    if (trustedHash === hash) return { entry: changeSetEntry(obj, ACTION.unchanged), live: undefined, hash };
    const ref = refOf(obj);
    const existing = await this.#client.get(ref);
    if (options.replace) {
      if (existing !== undefined && canonicalJson(projectOnto(comparable(obj), comparable(existing))) === canonicalJson(comparable(obj))) {
        return { entry: changeSetEntry(obj, ACTION.unchanged), live: existing, hash };
      }
      const live = await this.#replace(obj, options);
      return { entry: changeSetEntry(obj, existing === undefined ? ACTION.created : ACTION.configured), live, hash };
    }
    let dryRun: KubeObject;
    try {
      dryRun = await this.#client.apply(obj, { force: this.#force, dryRun: true });
    } catch (err) {
      // An immutable field changed: Force=true recreates, as Flux's `force` and Argo's Force=true do.
      if (existing !== undefined && options.force && isInvalid(err)) {
        await this.#client.delete(ref);
        await this.#waitGone(ref);
        const live = await this.#client.apply(obj, { force: this.#force });
        return { entry: changeSetEntry(obj, ACTION.configured), live, hash };
      }
      throw err;
    }
    if (existing !== undefined && canonicalJson(comparable(existing)) === canonicalJson(comparable(dryRun))) {
      return { entry: changeSetEntry(obj, ACTION.unchanged), live: existing, hash };
    }
    const live = await this.#client.apply(obj, { force: this.#force });
    return { entry: changeSetEntry(obj, existing === undefined ? ACTION.created : ACTION.configured), live, hash };
  }

  async #replace(obj: KubeObject, options: SyncOptions): Promise<KubeObject> {
    try {
      return await this.#client.replace(obj);
    } catch (err) {
      if (!options.force || !isInvalid(err)) throw err;
      await this.#client.delete(refOf(obj));
      await this.#waitGone(refOf(obj));
      return this.#client.create(obj);
    }
  }

  async #poll<T>(what: string, check: () => Promise<T | undefined>, signal: AbortSignal | undefined): Promise<T> {
    const deadline = this.#clock.now() + this.#waitTimeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (this.#clock.now() >= deadline) throw new KubeError(KUBE_ERROR.waitTimeout, `timed out waiting for ${what}`);
      if (signal?.aborted === true) throw new KubeError(KUBE_ERROR.aborted, `cancelled waiting for ${what}`);
      await this.#clock.sleep(this.#pollMs, signal);
    }
  }

  async #waitGone(ref: ObjectRef, signal?: AbortSignal): Promise<void> {
    await this.#poll(`${refSubject(ref)} to be deleted`, async () => ((await this.#client.get(ref)) === undefined ? true : undefined), signal);
  }

  /** CRDs must be Established and Namespaces Active before objects that need them are applied. */
  async #waitDefinitions(objs: readonly KubeObject[], signal: AbortSignal | undefined): Promise<void> {
    for (const obj of objs) {
      await this.#poll(
        `${refSubject(refOf(obj))} to be ready`,
        async () => {
          const live = await this.#client.get(refOf(obj));
          if (live === undefined) return undefined;
          if (obj.kind === "Namespace") {
            const phase = (live.status as { phase?: unknown } | undefined)?.phase;
            return phase === undefined || phase === "Active" ? true : undefined;
          }
          const conds = (live.status as { conditions?: Array<{ type?: string; status?: string }> } | undefined)?.conditions;
          // A server that reports no conditions at all (some test servers) is taken as ready.
          if (!Array.isArray(conds) || conds.length === 0) return true;
          return conds.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
        },
        signal,
      );
    }
  }

  async #inParallel<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array<R>(items.length);
    let next = 0;
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < items.length) {
        const i = next++;
        try {
          results[i] = await fn(items[i]);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, items.length) }, worker));
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error("step failed");
    return results;
  }

  /**
   * Creates a hook, waits for it to finish and applies its delete policy. Throws when it failed.
   * A `generateName` hook is created afresh each time (Argo CD's way); BeforeHookCreation then
   * deletes the earlier instances of this app made from the same prefix.
   */
  async #runHook(task: SyncTask, signal: AbortSignal | undefined): Promise<ChangeSetEntry> {
    let ref: ObjectRef;
    let existing: KubeObject | undefined;
    if (isNamedByServer(task.obj)) {
      if (task.hookDeletePolicies.includes("BeforeHookCreation")) {
        for (const old of await this.#earlierInstances(task.obj)) if (await this.#client.delete(old)) await this.#waitGone(old, signal);
      }
      ref = refOf(await this.#client.create(task.obj));
    } else {
      ref = refOf(task.obj);
      if (task.hookDeletePolicies.includes("BeforeHookCreation") && (await this.#client.delete(ref))) await this.#waitGone(ref, signal);
      existing = await this.#client.get(ref);
      if (existing === undefined) await this.#client.create(task.obj);
    }
    const outcome = await this.#poll(
      `hook ${refSubject(ref)}`,
      async () => {
        const live = await this.#client.get(ref);
        const h = resourceHealth(live, this.#health);
        if (h === undefined || h.status === HEALTH.healthy) return { ok: true, message: h?.message };
        if (h.status === HEALTH.degraded) return { ok: false, message: h.message };
        return undefined;
      },
      signal,
    );
    const deleteIt = outcome.ok ? task.hookDeletePolicies.includes("HookSucceeded") : task.hookDeletePolicies.includes("HookFailed");
    if (deleteIt) await this.#client.delete(ref);
    if (!outcome.ok) {
      throw new KubeError(KUBE_ERROR.hookFailed, `${task.phase} hook ${refSubject(ref)} failed${outcome.message === undefined ? "" : `: ${outcome.message}`}`, {
        field: refSubject(ref),
      });
    }
    return changeSetEntry(ref, existing === undefined ? ACTION.created : ACTION.unchanged);
  }

  /** Live objects this app made earlier from the same generateName (the API server keeps the field). */
  async #earlierInstances(obj: KubeObject): Promise<ObjectRef[]> {
    const list = await this.#client.list({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      ...(obj.metadata.namespace === undefined ? {} : { namespace: obj.metadata.namespace }),
      labelSelector: `${this.#appLabel}=${obj.metadata.labels?.[this.#appLabel] ?? ""}`,
    });
    return list.items.filter((o) => o.metadata["generateName"] === obj.metadata["generateName"] && o.metadata.name !== "").map(refOf);
  }

  /** Waits until every changed object of a wave is healthy (Argo waits between waves). */
  async #waitWaveHealthy(objs: readonly KubeObject[], health: Map<string, HealthStatus | undefined>, signal: AbortSignal | undefined): Promise<void> {
    for (const obj of objs) {
      const ref = refOf(obj);
      await this.#poll(
        `${refSubject(ref)} to be healthy`,
        async () => {
          const live = await this.#client.get(ref);
          const h = resourceHealth(live, this.#health);
          health.set(refId(ref), h);
          if (h === undefined || h.status === HEALTH.healthy || h.status === HEALTH.suspended) return true;
          if (h.status === HEALTH.degraded) {
            throw new KubeError(KUBE_ERROR.hookFailed, `${refSubject(ref)} is Degraded${h.message === undefined ? "" : `: ${h.message}`}`, { field: refSubject(ref) });
          }
          return undefined;
        },
        signal,
      );
    }
  }

  /**
   * The object with a controller ownerReference to its owner (the Sealed Secrets controller's
   * fields: apiVersion, kind, name, uid, controller: true). The uid comes from this sync's apply
   * of the owner or, when that was skipped by hash, from a GET. An owner not in the cluster yet (a
   * later wave) gives undefined: the object is applied unowned and owned by a later sync.
   */
  async #withController(obj: KubeObject, owner: ObjectRef, uids: Map<string, string>): Promise<KubeObject | undefined> {
    const ownerId = refId(owner);
    let uid = uids.get(ownerId);
    if (uid === undefined) {
      uid = (await this.#client.get(owner))?.metadata.uid;
      if (uid !== undefined) uids.set(ownerId, uid);
    }
    if (uid === undefined) {
      this.#logger.warn({ object: refSubject(refOf(obj)), owner: refSubject(owner) }, "owner not in the cluster yet; applying without an ownerReference");
      return undefined;
    }
    const others = Array.isArray(obj.metadata.ownerReferences) ? (obj.metadata.ownerReferences as Array<Record<string, unknown>>).filter((r) => r.controller !== true) : [];
    const ref = { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid, controller: true };
    return { ...obj, metadata: { ...obj.metadata, ownerReferences: [...others, ref] } };
  }

  async #runStep(step: SyncStep, ctx: StepContext): Promise<void> {
    const hooks = step.tasks.filter((t) => t.hook);
    const plain = step.tasks.filter((t) => !t.hook);
    const definitions = plain.filter((t) => DEFINITION_KINDS.has(t.obj.kind));
    const others = plain.filter((t) => !DEFINITION_KINDS.has(t.obj.kind));
    // Objects with a controller owner go after the rest of their wave, so the owner's uid exists.
    const rest = others.filter((t) => ctx.controllerOf(t.obj) === undefined);
    const owned = others.filter((t) => ctx.controllerOf(t.obj) !== undefined);
    const changedObjs: KubeObject[] = [];
    for (const group of [definitions, rest, owned]) {
      const results = await this.#inParallel(group, async (task) => {
        const id = refId(refOf(task.obj));
        const trusted = ctx.trustHash(id) ? ctx.oldHashes.get(id) : undefined;
        const owner = ctx.controllerOf(task.obj);
        if (owner === undefined) return { task, id, obj: task.obj, ...(await this.applyOne(task.obj, task.options, trusted)) };
        const hash = ownedHash(task.obj, owner);
        if (trusted === hash) return { task, id, obj: task.obj, entry: changeSetEntry(task.obj, ACTION.unchanged), live: undefined, hash };
        const obj = await this.#withController(task.obj, owner, ctx.uids);
        // Applied unowned (owner not there yet): the plain hash keeps the next sync from trusting it.
        if (obj === undefined) return { task, id, obj: task.obj, ...(await this.applyOne(task.obj, task.options, undefined)) };
        return { task, id, obj, ...(await this.applyOne(obj, task.options, undefined)), hash };
      });
      for (const r of results) {
        ctx.changeSet.push(r.entry);
        ctx.hashes.set(r.id, r.hash);
        if (r.live?.metadata.uid !== undefined) ctx.uids.set(r.id, r.live.metadata.uid);
        ctx.applied.push({
          id: r.id,
          ref: refOf(r.obj),
          desired: r.obj,
          baseline: r.live === undefined ? undefined : withoutPointers(projectOnto(comparable(r.obj), r.live) as KubeObject, ignoredPointers(ctx.ignore, r.obj)),
          hash: r.hash,
        });
        if (r.live !== undefined) ctx.health.set(r.id, resourceHealth(r.live, this.#health));
        if (r.entry.action !== ACTION.unchanged) changedObjs.push(r.obj);
      }
      if (group === definitions && definitions.some((t) => changedObjs.includes(t.obj))) {
        await this.#waitDefinitions(
          definitions.map((t) => t.obj).filter((o) => changedObjs.includes(o)),
          ctx.signal,
        );
      }
    }
    // Hooks of a wave run after its plain resources, sequentially (Argo creates them, then waits).
    for (const hook of hooks) ctx.changeSet.push(await this.#runHook(hook, ctx.signal));
    if (ctx.hasNext && changedObjs.length > 0) await this.#waitWaveHealthy(changedObjs, ctx.health, ctx.signal);
  }

  /** Syncs one app: plan, pre-record inventory, run steps (SyncFail hooks on failure), prune, record. */
  async sync(request: SyncRequest): Promise<SyncResult> {
    const appOptions = request.syncOptions ?? DEFAULT_SYNC_OPTIONS;
    const ignore = request.ignoreDifferences ?? NO_IGNORED_DIFFERENCES;
    const normalized = await this.normalize(request.app, request.objects, request.namespace);
    const objects = appOptions.respectIgnoreDifferences ? normalized.map((o) => withoutPointers(o, ignoredPointers(ignore, o))) : normalized;
    const old = await this.#inventories.read(request.app);
    const oldEntries = old?.entries ?? [];
    const oldHashes = new Map(oldEntries.filter((e) => e.hash !== undefined).map((e) => [e.id, e.hash as string]));
    const plan = planSync(objects, appOptions);

    const plainTasks = plan.steps.flatMap((s) => s.tasks).filter((t) => !t.hook);
    const desiredEntries = plainTasks.map((t) => entryOf(t, undefined));
    // Before touching anything: record old ∪ new, dropping hashes of objects about to change, so a
    // crash mid-apply can neither orphan a new object nor trust a stale hash.
    const controllerOf = request.controllerOf ?? (() => undefined);
    const desiredHashes = new Map(
      plainTasks.map((t) => {
        const owner = controllerOf(t.obj);
        return [refId(refOf(t.obj)), owner === undefined ? appliedHash(t.obj) : ownedHash(t.obj, owner)];
      }),
    );
    const pending = mergeEntries(
      oldEntries.map((e) => (desiredHashes.has(e.id) && desiredHashes.get(e.id) !== e.hash ? withoutHash(e) : e)),
      desiredEntries.map((e) => {
        const prior = oldEntries.find((o) => o.id === e.id);
        return prior?.hash !== undefined && prior.hash === desiredHashes.get(e.id) ? { ...e, hash: prior.hash } : e;
      }),
    );
    await this.#inventories.write({ ...inventoryMeta(request, old), app: request.app, entries: pending });

    const ctx: StepContext = {
      ignore,
      changeSet: [],
      applied: [],
      hashes: new Map(),
      health: new Map(),
      oldHashes,
      trustHash: request.trustHash ?? (() => false),
      controllerOf,
      uids: new Map(),
      signal: request.signal,
      hasNext: false,
    };

    if (appOptions.createNamespace && request.namespace !== undefined) {
      const ns: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: request.namespace } };
      if ((await this.#client.get(refOf(ns))) === undefined) {
        await this.#client.apply(ns, { force: this.#force });
        ctx.changeSet.push(changeSetEntry(ns, ACTION.created));
      }
    }

    let error: Error | undefined;
    try {
      for (const [i, step] of plan.steps.entries()) {
        if (request.signal?.aborted === true) throw new KubeError(KUBE_ERROR.aborted, "sync cancelled");
        ctx.hasNext = i < plan.steps.length - 1;
        await this.#runStep(step, ctx);
      }
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
      this.#logger.warn({ app: request.app, code: (err as { code?: string }).code }, "sync failed");
      for (const step of plan.syncFail) {
        for (const hook of step.tasks) {
          try {
            ctx.changeSet.push(await this.#runHook(hook, request.signal));
          } catch (hookErr) {
            this.#logger.warn({ app: request.app, hook: `${hook.obj.kind}/${nameOrPrefix(hook.obj)}`, code: (hookErr as { code?: string }).code }, "SyncFail hook failed");
          }
        }
      }
    }

    const finalEntries = desiredEntries.map((e) => {
      const h = ctx.hashes.get(e.id);
      return h === undefined ? e : { ...e, hash: h };
    });
    if (error !== undefined) {
      const inventory: Inventory = { ...inventoryMeta(request, old), app: request.app, entries: mergeEntries(pending, finalEntries) };
      await this.#inventories.write(inventory);
      return { app: request.app, changeSet: ctx.changeSet, applied: ctx.applied, inventory, error, health: ctx.health };
    }

    if (request.prune ?? true) {
      const stale = staleEntries(pending, finalEntries);
      ctx.changeSet.push(...(await this.prune(request.app, stale)));
    }
    const inventory: Inventory = {
      app: request.app,
      entries: finalEntries,
      revision: request.revision,
      generation: request.generation,
      ...(request.preserveResourcesOnDeletion === true ? { preserveResourcesOnDeletion: true } : {}),
    };
    await this.#inventories.write(inventory);
    return { app: request.app, changeSet: ctx.changeSet, applied: ctx.applied, inventory, health: ctx.health };
  }

  /**
   * Deletes stale entries in reverse sync order, PruneLast at the end. Skips `Prune=false`
   * entries, objects another app's inventory lists, and objects labelled for another app.
   */
  async prune(app: string, stale: readonly InventoryEntry[], mode: "sync" | "delete" = "sync"): Promise<ChangeSetEntry[]> {
    const candidates = stale.filter((e) => (mode === "sync" ? e.prune !== false : e.keepOnDelete !== true));
    if (candidates.length === 0) return [];
    const owned = new Set<string>();
    for (const inv of await this.#inventories.list()) {
      if (inv.app === app) continue;
      for (const e of inv.entries) owned.add(e.id);
    }
    const items: Array<{ obj: KubeObject; pruneLast: boolean; entry: InventoryEntry }> = candidates
      .filter((e) => !owned.has(e.id))
      .map((entry) => {
        const ref = entryRef(entry);
        const obj: KubeObject = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: ref.namespace === undefined ? { name: ref.name } : { name: ref.name, namespace: ref.namespace } };
        return { obj, pruneLast: entry.pruneLast === true, entry };
      });
    const out: ChangeSetEntry[] = [];
    for (const item of pruneOrder(items)) {
      const ref = refOf(item.obj);
      const live = await this.#client.get(ref);
      if (live === undefined) continue;
      const owner = live.metadata.labels?.[this.#appLabel];
      if (owner !== undefined && owner !== app) {
        this.#logger.info({ app, object: refSubject(ref), owner }, "not pruning an object another app owns");
        continue;
      }
      if (await this.#client.delete(ref)) out.push(changeSetEntry(ref, ACTION.deleted));
    }
    return out;
  }

  /** Removes an app: prunes its whole inventory unless `preserveResourcesOnDeletion`, then the inventory. */
  async deleteApp(app: string, options: { preserveResourcesOnDeletion?: boolean } = {}): Promise<ChangeSetEntry[]> {
    const inv = await this.#inventories.read(app);
    if (inv === undefined) return [];
    const out = options.preserveResourcesOnDeletion === true ? [] : await this.prune(app, inv.entries, "delete");
    await this.#inventories.delete(app);
    return out;
  }
}

/**
 * The API server stores a Secret's `stringData` as base64 `data` and never returns `stringData`;
 * applying `data` directly keeps the applied hash, the drift baseline and the live object comparable.
 */
export function secretStringDataToData(obj: KubeObject): KubeObject {
  if (obj.kind !== "Secret" || obj.apiVersion !== "v1" || !isRecord(obj.stringData)) return obj;
  const data: Record<string, unknown> = isRecord(obj.data) ? { ...obj.data } : {};
  for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v), "utf8").toString("base64");
  const { stringData: _stringData, ...rest } = obj;
  return { ...rest, data };
}

interface StepContext {
  ignore: IgnoreDifferences;
  changeSet: ChangeSetEntry[];
  applied: AppliedObject[];
  hashes: Map<string, string>;
  health: Map<string, HealthStatus | undefined>;
  oldHashes: ReadonlyMap<string, string>;
  trustHash: (id: string) => boolean;
  controllerOf: (obj: KubeObject) => ObjectRef | undefined;
  /** Live uids of objects applied in this sync (by id), for ownerReferences. */
  uids: Map<string, string>;
  signal: AbortSignal | undefined;
  hasNext: boolean;
}

/**
 * The applied hash of an object with a controller owner: it names the owner but not its uid, so a
 * trusted resync needs no request to find the uid, and an object applied before owners were set
 * (or while its owner was missing) hashes differently and is applied once more to get its reference.
 */
function ownedHash(obj: KubeObject, owner: ObjectRef): string {
  return appliedHash({ object: obj, controller: refId(owner) });
}

function entryOf(task: SyncTask, hash: string | undefined): InventoryEntry {
  return {
    id: refId(refOf(task.obj)),
    v: task.obj.apiVersion,
    ...(hash === undefined ? {} : { hash }),
    ...(task.options.prune ? {} : { prune: false }),
    ...(task.options.pruneLast ? { pruneLast: true } : {}),
    ...(task.options.deleteOnAppDeletion ? {} : { keepOnDelete: true }),
  };
}

function withoutHash(e: InventoryEntry): InventoryEntry {
  const { hash: _hash, ...rest } = e;
  return rest;
}

function inventoryMeta(request: SyncRequest, old: Inventory | undefined): { revision?: string; generation?: number; preserveResourcesOnDeletion?: boolean } {
  const revision = old?.revision;
  const generation = old?.generation;
  return {
    ...(revision === undefined ? {} : { revision }),
    ...(generation === undefined ? {} : { generation }),
    ...(request.preserveResourcesOnDeletion === true ? { preserveResourcesOnDeletion: true } : {}),
  };
}
