import { randomBytes } from "node:crypto";
import { silentLogger, type Clock, type Logger, type RandomSource } from "../core/index.js";
import { InventoryStore, resourceHealth, SsaManager, WorkQueue, type HealthOptions, type KubeClient, type LuaLimits, type LuaRuntime } from "../kube/index.js";
import type { StatusReportInput } from "../protocol/index.js";
import type { DesiredState } from "./desired-state.js";
import { DriftWatcher } from "./drift-watcher.js";
import { KeyCustody } from "./key-custody.js";
import { LuaHealthPolicy } from "./lua-health-policy.js";
import { jittered } from "./outcome.js";
import { SecretDecryptor } from "./secret-decryptor.js";
import { SPOKE_ERROR } from "./spoke-errors.js";
import { SpokeReconciler, type ReconcileSummary } from "./spoke-reconciler.js";

export interface SpokeRuntimeOptions {
  readonly fleet: string;
  readonly cluster: string;
  readonly client: KubeClient;
  /** The spoke's namespace: inventories, key Secrets, identity and the envelope cache live here. */
  readonly namespace: string;
  readonly clock: Clock;
  readonly random?: RandomSource;
  readonly logger?: Logger;
  /** Flux-style interval for a full pass (cheap: unchanged apps cost no request). */
  readonly resyncIntervalMs?: number;
  /** How long hooks and waves may take. */
  readonly waitTimeoutMs?: number;
  readonly keyBits?: number;
  readonly rotateEveryMs?: number;
  /** Where the sealing key Secrets are; default `namespace`. */
  readonly sealingKeyNamespace?: string | undefined;
  readonly health?: HealthOptions;
  /** The Lua VM for the fleet's health scripts (loaded on first need when absent). */
  readonly lua?: LuaRuntime | undefined;
  readonly luaLimits?: LuaLimits | undefined;
  /** Each status report, to sign and publish. */
  readonly report?: (report: StatusReportInput) => void;
}

/** Health changes seen within this window go out in one status report. */
const HEALTH_REPORT_DEBOUNCE_MS = 250;

function uniform(random: RandomSource): () => number {
  return () => {
    const b = random(4);
    return ((b[0] ?? 0) * 2 ** 24 + (b[1] ?? 0) * 2 ** 16 + (b[2] ?? 0) * 2 ** 8 + (b[3] ?? 0)) / 2 ** 32;
  };
}

/**
 * Everything the spoke does inside the cluster, with no transport: key custody, decryption,
 * SSA, drift watch and the work queue driving reconcile passes. `SpokeAgent` adds the NATS
 * session; `bootstrap` feeds it desired state rendered from Git.
 */
export class SpokeRuntime {
  readonly custody: KeyCustody;
  readonly reconciler: SpokeReconciler;
  readonly drift: DriftWatcher;
  readonly manager: SsaManager;
  readonly inventories: InventoryStore;
  readonly decryptor: SecretDecryptor;
  readonly #o: SpokeRuntimeOptions;
  readonly #logger: Logger;
  readonly #queue: WorkQueue;
  readonly #random: () => number;
  #running: Promise<void> | undefined;
  readonly #stop = new AbortController();
  #passes = 0;
  #waiters: Array<{ after: number; resolve: (s: ReconcileSummary) => void }> = [];
  #last: ReconcileSummary | undefined;
  #inPass = false;
  /** The health status last seen per applied object, so only a change sends a report. */
  readonly #healthSeen = new Map<string, string>();
  #healthReportDue = false;
  /** The desired state's Lua health scripts, consulted by every rating. */
  readonly luaHealth: LuaHealthPolicy;
  readonly #health: HealthOptions;

  constructor(options: SpokeRuntimeOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger();
    const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    this.#random = uniform(random);
    this.inventories = new InventoryStore({ client: options.client, namespace: options.namespace });
    this.luaHealth = new LuaHealthPolicy({ clock: options.clock, logger: this.#logger, runtime: options.lua, limits: options.luaLimits, onReady: () => this.#queue.add("sync") });
    const custom = options.health?.custom;
    this.#health = { ...options.health, custom: (obj) => this.luaHealth.rate(obj) ?? custom?.(obj) };
    this.manager = new SsaManager({
      client: options.client,
      inventories: this.inventories,
      clock: options.clock,
      logger: this.#logger,
      ...(options.waitTimeoutMs === undefined ? {} : { waitTimeoutMs: options.waitTimeoutMs }),
      pollIntervalMs: 250,
      health: this.#health,
    });
    this.custody = new KeyCustody({
      client: options.client,
      namespace: options.namespace,
      sealingKeyNamespace: options.sealingKeyNamespace,
      clock: options.clock,
      random,
      logger: this.#logger,
      ...(options.keyBits === undefined ? {} : { keyBits: options.keyBits }),
      ...(options.rotateEveryMs === undefined ? {} : { rotateEveryMs: options.rotateEveryMs }),
    });
    this.decryptor = new SecretDecryptor({ cluster: options.cluster, logger: this.#logger });
    this.#queue = new WorkQueue({ clock: options.clock, baseDelayMs: 1000, maxDelayMs: 120_000 });
    this.drift = new DriftWatcher({
      client: options.client,
      appLabel: this.manager.appLabel,
      clock: options.clock,
      random: this.#random,
      logger: this.#logger,
      onDrift: (app) => {
        const delay = this.reconciler.markDrift(app);
        this.#queue.addAfter("sync", delay);
      },
      onChange: (_app, id) => {
        this.#healthChanged(id);
      },
    });
    this.reconciler = new SpokeReconciler({
      fleet: options.fleet,
      cluster: options.cluster,
      client: options.client,
      manager: this.manager,
      inventories: this.inventories,
      decryptor: this.decryptor,
      keys: () => this.custody.decryptionKeys(),
      drift: this.drift,
      clock: options.clock,
      logger: this.#logger,
      health: this.#health,
      report: (r) => {
        this.#emit(r);
      },
    });
  }

  #emit(report: StatusReportInput): void {
    this.#o.report?.(report);
    this.#reporter?.(report);
  }

  /**
   * A workload turning Healthy or Degraded after its apply (a Deployment becoming available, or
   * stuck on an image it cannot pull) is reported when the watch shows it, not at the next resync:
   * the hub's rollouts and status wait for exactly that. A pass under way reports it at its end.
   */
  #healthChanged(id: string): void {
    const live = this.drift.live(id);
    const status = live === undefined ? "" : live === null ? "Missing" : (resourceHealth(live, this.#health)?.status ?? "");
    const before = this.#healthSeen.get(id);
    // A deleted object is forgotten, so the map holds only what exists.
    if (live === null) this.#healthSeen.delete(id);
    else this.#healthSeen.set(id, status);
    if (before === status) return;
    if (this.#healthReportDue) return;
    this.#healthReportDue = true;
    this.#o.clock.sleep(HEALTH_REPORT_DEBOUNCE_MS, this.#stop.signal).then(
      () => {
        this.#healthReportDue = false;
        if (!this.#inPass) this.#emit(this.reconciler.statusReport());
      },
      () => {
        this.#healthReportDue = false;
      },
    );
  }

  #reporter: ((report: StatusReportInput) => void) | undefined;
  readonly #passListeners: Array<(summary: ReconcileSummary) => void> = [];

  /** Adds a receiver for every pass summary (metrics attached after the runtime exists). */
  addPassListener(listener: (summary: ReconcileSummary) => void): void {
    this.#passListeners.push(listener);
  }

  /** Adds a receiver for status reports (the NATS session, attached after the runtime exists). */
  setReporter(reporter: (report: StatusReportInput) => void): void {
    this.#reporter = reporter;
  }

  /** Starts the queue worker. Keys must be ensured first (`custody.ensureSealingKeys()`). */
  start(): void {
    if (this.#running !== undefined) return;
    this.#running = this.#queue.run(
      async () => {
        this.#inPass = true;
        let summary: ReconcileSummary;
        try {
          summary = await this.reconciler.reconcile(this.#stop.signal);
        } finally {
          this.#inPass = false;
        }
        this.#passes += 1;
        this.#last = summary;
        for (const listener of this.#passListeners) listener(summary);
        const waiters = this.#waiters.filter((w) => this.#passes > w.after);
        this.#waiters = this.#waiters.filter((w) => this.#passes <= w.after);
        for (const w of waiters) w.resolve(summary);
        const outcome = summary.outcome;
        const interval = this.#o.resyncIntervalMs ?? 300_000;
        if (outcome.kind === "retry") this.#queue.addRateLimited("sync");
        else if (outcome.kind === "wait") this.#queue.addAfter("sync", outcome.after);
        else {
          this.#queue.forget("sync");
          if (interval > 0) this.#queue.addAfter("sync", jittered(interval, this.#random));
        }
      },
      { signal: this.#stop.signal, onError: (_key, err) => this.#logger.error({ code: (err as { code?: string }).code }, "reconcile pass threw") },
    );
  }

  /** Installs verified desired state and schedules a pass now. */
  setDesired(state: DesiredState): void {
    this.luaHealth.set(state.luaHealth);
    this.reconciler.setDesired(state);
    // After setDesired, which clears the desired-state errors of the previous bundle.
    if (state.healthIssue !== undefined) this.reconciler.recordError(SPOKE_ERROR.health, state.healthIssue);
    this.#queue.add("sync");
  }

  /** Schedules a pass now (reconnect, periodic check, status request). */
  trigger(): void {
    this.#queue.add("sync");
  }

  /** Resolves with the summary of the next pass that starts after this call. */
  nextPass(): Promise<ReconcileSummary> {
    return new Promise((resolve) => this.#waiters.push({ after: this.#passes, resolve }));
  }

  get passes(): number {
    return this.#passes;
  }

  get lastSummary(): ReconcileSummary | undefined {
    return this.#last;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#queue.shutDown();
    await this.drift.stop();
    await this.#running;
  }
}
