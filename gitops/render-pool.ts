import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { errorMessage, isFlotillaError, silentLogger, type Logger } from "../core/index.js";
import { appSetFailed, type AppSetEnv, type AppSetOutcome, type AppSetRenderer } from "./fleet-render.js";
import type { FleetCluster } from "./fleet-cluster.js";
import type { LoadedApplicationSet } from "./fleet-repo.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { unpackOutcome } from "./packed-outcome.js";
import { packSnapshot } from "./packed-snapshot.js";
import { renderBudgetError, type RenderBudget } from "./render-budget.js";
import type { FromWorker, RenderRequest, RenderWorkerData, ToWorker } from "./render-worker-messages.js";

export interface RenderPoolOptions {
  /** Worker threads; ApplicationSets beyond this wait their turn. */
  readonly size: number;
  readonly budget: RenderBudget;
  readonly logger?: Logger | undefined;
}

type TaskEnv = Omit<AppSetEnv, "manifests" | "snapshots">;

interface Task {
  readonly id: number;
  readonly loaded: LoadedApplicationSet;
  readonly env: TaskEnv;
  readonly resolve: (outcome: AppSetOutcome) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  task?: Task | undefined;
  timer?: NodeJS.Timeout | undefined;
  /** The cluster list this worker holds (see RenderRequest.clusters). */
  clustersId?: number | undefined;
}

/** Extra wall time given to the worker's own deadline check before it is terminated from outside. */
const GRACE_MS = 2000;

function workerScript(): URL {
  let url = new URL("./render-worker.js", import.meta.url);
  // Run from source (tests import the .ts files): a worker thread cannot load TypeScript, so the
  // built worker is used; `npm test` builds first.
  if (!existsSync(fileURLToPath(url)) && import.meta.url.endsWith(".ts")) url = new URL("../dist/gitops/render-worker.js", import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new GitOpsError(GITOPS_ERROR.invalid, `the render worker ${fileURLToPath(url)} is missing: run the built package (npm run build)`, { userError: false });
  }
  return url;
}

/**
 * Renders ApplicationSets in worker threads, one at a time per worker, so no template holds the
 * hub's event loop. Each ApplicationSet has a wall-time budget: past it (or past the worker's heap
 * limit) the worker is terminated, even inside a single native call such as a backtracking
 * regular expression, a fresh one takes its place, and that ApplicationSet alone fails with
 * RENDER_BUDGET_EXCEEDED. Other repositories are fetched on the hub's thread and passed in.
 */
export class RenderPool {
  readonly #o: RenderPoolOptions;
  readonly #logger: Logger;
  readonly #script: URL;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #nextId = 0;
  /** An id per cluster list: each worker receives a list once, not once per ApplicationSet. */
  readonly #clusterIds = new WeakMap<readonly FleetCluster[], number>();
  #nextClustersId = 0;
  #closed = false;

  constructor(options: RenderPoolOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger();
    this.#script = workerScript();
    for (let i = 0; i < Math.max(1, options.size); i++) this.#slots.push({ worker: this.#spawn() });
  }

  /** The renderer to hand to renderSnapshot / renderFleet. */
  get renderer(): AppSetRenderer {
    return (loaded, env) => this.render(loaded, env);
  }

  render(loaded: LoadedApplicationSet, env: TaskEnv): Promise<AppSetOutcome> {
    if (this.#closed) return Promise.reject(new Error("the render pool is closed"));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, loaded, env, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) task.reject(new Error("the render pool is closed"));
    await Promise.all(
      this.#slots.map(async (slot) => {
        if (slot.timer !== undefined) clearTimeout(slot.timer);
        slot.task?.reject(new Error("the render pool is closed"));
        slot.task = undefined;
        await slot.worker.terminate();
      }),
    );
  }

  #spawn(): Worker {
    const workerData: RenderWorkerData = { budget: this.#o.budget };
    const worker = new Worker(this.#script, { workerData, resourceLimits: { maxOldGenerationSizeMb: this.#o.budget.maxMemoryMb } });
    worker.on("message", (msg: FromWorker) => this.#onMessage(worker, msg));
    worker.on("error", (err) => this.#onExit(worker, err));
    worker.on("exit", () => this.#onExit(worker, undefined));
    return worker;
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.task !== undefined) continue;
      const task = this.#queue.shift();
      if (task === undefined) return;
      slot.task = task;
      const { env, loaded } = task;
      let clustersId = this.#clusterIds.get(env.clusters);
      if (clustersId === undefined) {
        clustersId = this.#nextClustersId++;
        this.#clusterIds.set(env.clusters, clustersId);
      }
      const sendClusters = slot.clustersId !== clustersId;
      slot.clustersId = clustersId;
      const request: RenderRequest = {
        type: "render",
        id: task.id,
        appSet: loaded.appSet,
        file: loaded.file,
        snapshot: packSnapshot(env.snapshot),
        clusters: { id: clustersId, list: sendClusters ? env.clusters : undefined },
        wantedClusters: env.wantedClusters === undefined ? undefined : [...env.wantedClusters],
        fleetRepoURLs: env.fleetRepoURLs,
        remoteBases: env.remoteBases?.(env.snapshot.source) ?? false,
      };
      slot.timer = setTimeout(() => this.#timedOut(slot), this.#o.budget.timeoutMs + GRACE_MS);
      slot.worker.postMessage(request);
    }
  }

  #slotOf(worker: Worker): Slot | undefined {
    return this.#slots.find((s) => s.worker === worker);
  }

  #finish(slot: Slot, settle: (task: Task) => void): void {
    const task = slot.task;
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.task = undefined;
    if (task !== undefined) settle(task);
    this.#dispatch();
  }

  #onMessage(worker: Worker, msg: FromWorker): void {
    const slot = this.#slotOf(worker);
    if (slot?.task === undefined || slot.task.id !== msg.id) return;
    const task = slot.task;
    switch (msg.type) {
      case "done":
        this.#finish(slot, (t) => t.resolve(unpackOutcome(msg.outcome)));
        return;
      case "crashed":
        this.#finish(slot, (t) => t.reject(new Error(`rendering ApplicationSet ${t.loaded.appSet.metadata.name} failed: ${msg.message}`)));
        return;
      case "repo":
        void this.#answerRepo(worker, task, msg);
        return;
      case "chart":
        void this.#answerChart(worker, task, msg);
        return;
    }
  }

  /** A chart a worker asked for: the source policy is checked here, on the hub's thread, before any request. */
  async #answerChart(worker: Worker, task: Task, msg: Extract<FromWorker, { type: "chart" }>): Promise<void> {
    const where = { file: task.loaded.file, field: msg.field };
    try {
      task.env.gate?.({ ...msg.requester, repoURL: msg.source.repoURL }, where);
      if (task.env.charts === undefined) throw new GitOpsError(GITOPS_ERROR.chart, `chart ${JSON.stringify(msg.source.chart)}: this hub reads no chart repositories`, where);
      const a = await task.env.charts(msg.source, where, msg.requester);
      this.#answer(worker, { type: "chart", req: msg.req, archive: { location: a.location, chart: a.chart, version: a.version, digest: a.digest, bytes: a.bytes } });
    } catch (err) {
      const error = isFlotillaError(err) ? { code: err.code, message: err.message, file: err.file, field: err.field } : { code: GITOPS_ERROR.chartFetch, message: errorMessage(err) };
      this.#answer(worker, { type: "chart", req: msg.req, error });
    }
  }

  /** A repository a worker asked for: the source policy is checked here, on the hub's thread, before any fetch. */
  async #answerRepo(worker: Worker, task: Task, msg: Extract<FromWorker, { type: "repo" }>): Promise<void> {
    try {
      if (msg.requester !== undefined) task.env.gate?.({ ...msg.requester, repoURL: msg.repoURL }, { file: task.loaded.file, field: msg.field });
      const snapshot = await task.env.repo(msg.repoURL, msg.revision, msg.field, msg.requester);
      this.#answer(worker, { type: "repo", req: msg.req, snapshot: packSnapshot(snapshot), remoteBases: task.env.remoteBases?.(snapshot.source) ?? false });
    } catch (err) {
      const error = isFlotillaError(err) ? { code: err.code, message: err.message, file: err.file, field: err.field } : { code: GITOPS_ERROR.git, message: errorMessage(err) };
      this.#answer(worker, { type: "repo", req: msg.req, error });
    }
  }

  #answer(worker: Worker, msg: ToWorker): void {
    // The worker may have been replaced (timed out) while the repository was fetched.
    if (this.#slotOf(worker) !== undefined) worker.postMessage(msg);
  }

  /** The ApplicationSet ran past its wall time: replace the worker, fail that ApplicationSet alone. */
  #timedOut(slot: Slot): void {
    const task = slot.task;
    if (task === undefined) return;
    const name = task.loaded.appSet.metadata.name;
    this.#logger.warn({ appSet: name, file: task.loaded.file, timeoutMs: this.#o.budget.timeoutMs }, "render worker terminated: ApplicationSet over its time budget");
    this.#replace(slot);
    const err = renderBudgetError(`render budget exceeded: more than ${this.#o.budget.timeoutMs} ms of wall time`, { appSet: name, file: task.loaded.file });
    this.#finish(slot, (t) => t.resolve(appSetFailed(t.loaded, err)));
  }

  /** A worker died (out of memory, or a crash): its ApplicationSet fails, a fresh worker takes its place. */
  #onExit(worker: Worker, err: Error | undefined): void {
    const slot = this.#slotOf(worker);
    if (slot === undefined || this.#closed) return;
    const task = slot.task;
    this.#replace(slot);
    if (task === undefined) return;
    const name = task.loaded.appSet.metadata.name;
    const oom = (err as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
    this.#logger.warn({ appSet: name, file: task.loaded.file, err: err === undefined ? "exited" : errorMessage(err) }, "render worker stopped");
    const failure = oom
      ? renderBudgetError(`render budget exceeded: more than ${this.#o.budget.maxMemoryMb} MiB of memory`, { appSet: name, file: task.loaded.file })
      : renderBudgetError(`the render worker stopped: ${err === undefined ? "it exited" : errorMessage(err)}`, { appSet: name, file: task.loaded.file });
    this.#finish(slot, (t) => t.resolve(appSetFailed(t.loaded, failure)));
  }

  #replace(slot: Slot): void {
    const old = slot.worker;
    slot.worker = this.#spawn();
    slot.clustersId = undefined;
    old.removeAllListeners();
    old.on("error", () => undefined);
    void old.terminate();
  }
}
