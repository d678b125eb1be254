import { errorMessage, isFlotillaError, silentLogger, type Clock, type Logger, type RandomSource } from "../core/index.js";
import { unsealSealedSecret, type KeyRing } from "../crypto/open.js";
import type { SealedSecretManifest } from "../crypto/seal.js";
import { canonicalJson, isKubeApiError, WorkQueue, type KubeClient, type KubeObject } from "../kube/index.js";
import { planSecret, nextStatus, SEALED_REASON, UNSEALED_MESSAGE } from "./sealed-secret-plan.js";
import type { SealedSecretsMetrics } from "./sealed-secrets-metrics.js";
import { repeatEvery } from "./repeat-every.js";

export const SEALED_SECRET_KIND = { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret" } as const;

export interface SealedSecretsControllerOptions {
  readonly client: KubeClient;
  /** The sealing key ring (the controller's keys, adopted by KeyCustody). */
  readonly ring: () => Promise<KeyRing>;
  /** Namespaces to watch; empty = all (the controller's `--all-namespaces`). */
  readonly namespaces: readonly string[];
  /**
   * SealedSecrets carrying this label come in the spoke's signed bundle and are unsealed by the
   * reconcile pass (with waves, health and prune); the controller leaves them alone, so nothing is
   * unsealed twice.
   */
  readonly bundleLabel: string;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger?: Logger;
  readonly metrics?: SealedSecretsMetrics;
  /** Pause before re-listing after a failed list or watch (e.g. the CRD is not installed yet). */
  readonly relistDelayMs?: number;
  /**
   * Every unsealed SealedSecret's Secret is checked this often (0 = never), one GET each, and a
   * deleted one is unsealed again (the controller does it on the Secret's delete event).
   */
  readonly resyncIntervalMs?: number;
}

/** `ns/name` of an object. */
function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

function specDigest(o: KubeObject): string {
  return `${o.metadata.uid ?? ""}|${canonicalJson(o.spec ?? null)}|${canonicalJson(o.metadata.annotations ?? {})}`;
}

/** A failure in a message safe to show: the crypto and kube errors carry codes, items and fields, never values. */
function safeMessage(err: unknown): string {
  return isFlotillaError(err) ? err.message : "internal error";
}

/**
 * The Sealed Secrets controller's job inside the spoke (upstream pkg/controller/controller.go):
 * every SealedSecret in the watched namespaces, however it was applied, becomes its Secret with
 * the controller's rules (ownerReference unless skipped, `managed` and `patch` annotations),
 * `status.conditions[Synced]` and `status.observedGeneration`, an Event on each outcome, and the
 * controller's metrics. The informer is a list+watch per namespace scope; the work queue gives
 * per-object retries with backoff. A spec that did not change is not unsealed again.
 */
export class SealedSecretsController {
  readonly #o: SealedSecretsControllerOptions;
  readonly #logger: Logger;
  readonly #cache = new Map<string, KubeObject>();
  /** The spec digest last unsealed successfully, per key: a re-list or status write does not unseal again. */
  readonly #done = new Map<string, string>();
  readonly #failed = new Set<string>();
  /** Queued by the resync only: the Secret is checked to exist, and made again when it is gone. */
  readonly #resyncOnly = new Set<string>();
  readonly #queue: WorkQueue;
  readonly #stop = new AbortController();
  #tasks: Promise<unknown>[] = [];
  #listed = 0;
  #listWaiters: Array<() => void> = [];

  constructor(options: SealedSecretsControllerOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger();
    this.#queue = new WorkQueue({ clock: options.clock, baseDelayMs: 1000, maxDelayMs: 120_000 });
  }

  start(): void {
    if (this.#tasks.length > 0) return;
    const scopes = this.#o.namespaces.length === 0 ? [undefined] : [...this.#o.namespaces];
    const resync = this.#o.resyncIntervalMs ?? 0;
    this.#tasks = [
      ...scopes.map((ns) => this.#inform(ns)),
      ...(resync > 0
        ? [
            repeatEvery({
              clock: this.#o.clock,
              intervalMs: resync,
              signal: this.#stop.signal,
              tick: () => {
                for (const key of this.#done.keys()) {
                  this.#resyncOnly.add(key);
                  this.#queue.add(key);
                }
              },
              onError: () => undefined,
            }),
          ]
        : []),
      this.#queue.run((key) => this.#reconcile(key), {
        signal: this.#stop.signal,
        onError: (key, err) => this.#logger.warn({ sealedSecret: key, code: (err as { code?: string }).code, error: safeMessage(err) }, "unsealing failed; will retry"),
      }),
    ];
  }

  /** Resolves once every namespace scope was listed at least once. */
  synced(): Promise<void> {
    const scopes = this.#o.namespaces.length === 0 ? 1 : this.#o.namespaces.length;
    if (this.#listed >= scopes) return Promise.resolve();
    return new Promise((resolve) => this.#listWaiters.push(resolve));
  }

  /** The key set changed: SealedSecrets that failed get another pass at once. */
  retryFailures(): void {
    for (const key of this.#failed) this.#queue.add(key);
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#queue.shutDown();
    await Promise.allSettled(this.#tasks);
  }

  #observe(o: KubeObject, type: "ADDED" | "MODIFIED" | "DELETED"): void {
    const key = keyOf(o);
    if (type === "DELETED") {
      this.#cache.delete(key);
      this.#done.delete(key);
      this.#failed.delete(key);
      this.#resyncOnly.delete(key);
      this.#o.metrics?.forget(o.metadata.namespace ?? "", o.metadata.name, o.metadata.labels?.["app.kubernetes.io/instance"] ?? "");
      return;
    }
    if (o.metadata.labels?.[this.#o.bundleLabel] !== undefined) {
      this.#cache.delete(key);
      return;
    }
    this.#cache.set(key, o);
    // As the controller's UpdateFunc: only a spec change (or a first sight) is unsealed again.
    if (this.#done.get(key) !== specDigest(o)) {
      this.#resyncOnly.delete(key);
      this.#queue.add(key);
    }
  }

  /** List, then watch from the list's resourceVersion; re-list on 410 Gone or after an error. */
  async #inform(namespace: string | undefined): Promise<void> {
    const signal = this.#stop.signal;
    let first = true;
    while (!signal.aborted) {
      try {
        const list = await this.#o.client.list({ ...SEALED_SECRET_KIND, namespace });
        const seen = new Set<string>();
        for (const o of list.items) {
          const item = { ...SEALED_SECRET_KIND, ...o };
          seen.add(keyOf(item));
          this.#observe(item, "ADDED");
        }
        for (const [key, o] of this.#cache) if ((namespace === undefined || o.metadata.namespace === namespace) && !seen.has(key)) this.#observe(o, "DELETED");
        if (first) {
          first = false;
          this.#listed += 1;
          const scopes = this.#o.namespaces.length === 0 ? 1 : this.#o.namespaces.length;
          if (this.#listed >= scopes) for (const w of this.#listWaiters.splice(0)) w();
        }
        let rv = list.resourceVersion;
        while (!signal.aborted) {
          rv = await this.#o.client.watch(
            { ...SEALED_SECRET_KIND, namespace },
            (e) => {
              if (e.type !== "BOOKMARK") this.#observe({ ...SEALED_SECRET_KIND, ...e.object }, e.type);
            },
            { resourceVersion: rv, signal },
          );
        }
      } catch (err) {
        if (signal.aborted) return;
        if (!(isKubeApiError(err) && err.status === 410)) {
          this.#logger.warn({ namespace: namespace ?? "*", code: (err as { code?: string }).code, error: errorMessage(err) }, "watching SealedSecrets failed; re-listing");
          await this.#o.clock.sleep(this.#o.relistDelayMs ?? 5000, signal).catch(() => undefined);
        }
      }
    }
  }

  async #reconcile(key: string): Promise<void> {
    const sealed = this.#cache.get(key);
    if (sealed === undefined) return;
    if (this.#resyncOnly.delete(key)) {
      // As the controller on a Secret's deletion: unseal again only what is gone. A Secret that is
      // there is left as it is (a skip-set-owner-references Secret would otherwise read as not ours).
      const ref = { apiVersion: "v1", kind: "Secret", namespace: sealed.metadata.namespace ?? "", name: sealed.metadata.name };
      if ((await this.#o.client.get(ref)) !== undefined) return;
      this.#logger.info({ sealedSecret: key }, "the Secret of a SealedSecret is gone; unsealing it again");
    }
    const digest = specDigest(sealed);
    this.#o.metrics?.unsealRequests.inc();
    const namespace = sealed.metadata.namespace ?? "";
    const ref = { ...SEALED_SECRET_KIND, namespace, name: sealed.metadata.name };
    let failure: { reason: string; message: string; metric: string } | undefined;
    let wrote = false;
    try {
      const outcome = await this.#unsealAndWrite(sealed);
      if (outcome.kind === "failed") failure = outcome;
      else wrote = outcome.wrote;
    } catch (err) {
      failure = { reason: SEALED_REASON.updateFailed, message: safeMessage(err), metric: "update" };
    }
    const now = new Date(this.#o.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const status = nextStatus(sealed, failure, now);
    if (failure !== undefined) {
      this.#o.metrics?.unsealErrors.labels(failure.metric, namespace).inc();
      this.#logger.warn({ sealedSecret: key, reason: failure.reason, error: failure.message }, "SealedSecret not unsealed");
      await this.#event(sealed, "Warning", failure.reason, failure.reason === SEALED_REASON.unsealFailed ? `Failed to unseal: ${failure.message}` : failure.message);
    } else if (wrote || status !== undefined) {
      this.#logger.info({ sealedSecret: key }, "SealedSecret unsealed");
      await this.#event(sealed, "Normal", SEALED_REASON.unsealed, UNSEALED_MESSAGE);
    }
    if (status !== undefined) {
      try {
        await this.#o.client.patchStatus(ref, status);
      } catch (err) {
        this.#o.metrics?.unsealErrors.labels("status", namespace).inc();
        this.#logger.warn({ sealedSecret: key, code: (err as { code?: string }).code }, "could not update the SealedSecret's status");
      }
    }
    this.#o.metrics?.observeCondition(namespace, sealed.metadata.name, sealed.metadata.labels?.["app.kubernetes.io/instance"] ?? "", failure === undefined ? "True" : "False");
    if (failure === undefined) {
      this.#done.set(key, digest);
      this.#failed.delete(key);
      return;
    }
    this.#done.delete(key);
    this.#failed.add(key);
    // A Secret that is not ours or a ciphertext no key opens will not fix itself: wait for a spec or key change.
    if (failure.metric === "update") throw new Error(failure.message);
  }

  async #unsealAndWrite(sealed: KubeObject): Promise<{ kind: "failed"; reason: string; message: string; metric: string } | { kind: "ok"; wrote: boolean }> {
    let secret: KubeObject;
    try {
      const ring = await this.#o.ring();
      secret = unsealSealedSecret(sealed as unknown as SealedSecretManifest, ring, { clock: this.#o.clock }) as unknown as KubeObject;
    } catch (err) {
      return { kind: "failed", reason: SEALED_REASON.unsealFailed, message: safeMessage(err), metric: "unseal" };
    }
    const namespace = sealed.metadata.namespace ?? "";
    const live = await this.#o.client.get({ apiVersion: "v1", kind: "Secret", namespace, name: sealed.metadata.name });
    const plan = planSecret(secret, live, sealed.metadata.uid ?? "");
    switch (plan.kind) {
      case "refuse":
        return { kind: "failed", reason: SEALED_REASON.updateFailed, message: `failed update: ${plan.message}`, metric: "unmanaged" };
      case "unchanged":
        return { kind: "ok", wrote: false };
      case "create":
        await this.#o.client.create(plan.secret);
        return { kind: "ok", wrote: true };
      case "update":
        await this.#o.client.replace(plan.secret);
        return { kind: "ok", wrote: true };
    }
  }

  /** A core/v1 Event on the SealedSecret, as the controller's recorder writes it (component `sealed-secrets`). */
  async #event(sealed: KubeObject, type: "Normal" | "Warning", reason: string, message: string): Promise<void> {
    const now = new Date(this.#o.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const suffix = Buffer.from(this.#o.random(8)).toString("hex");
    try {
      await this.#o.client.create({
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `${sealed.metadata.name}.${suffix}`, namespace: sealed.metadata.namespace ?? "default" },
        involvedObject: {
          ...SEALED_SECRET_KIND,
          name: sealed.metadata.name,
          namespace: sealed.metadata.namespace,
          uid: sealed.metadata.uid,
          resourceVersion: sealed.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        source: { component: "sealed-secrets" },
        reportingComponent: "sealed-secrets",
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
    } catch (err) {
      this.#logger.debug({ code: (err as { code?: string }).code }, "could not record an event");
    }
  }

  /** Unseals in memory only: true when every item opens (`/v1/verify`). */
  async verify(sealed: SealedSecretManifest): Promise<boolean> {
    const ring = await this.#o.ring();
    try {
      unsealSealedSecret(sealed, ring, { clock: this.#o.clock });
      return true;
    } catch (err) {
      if (isFlotillaError(err)) return false;
      throw err;
    }
  }
}
