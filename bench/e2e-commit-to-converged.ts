/**
 * e2e-commit-to-converged: a commit in a real git repository → the real hub (startHub, in-process,
 * polling off, triggered by service.refresh() as a webhook would) fetches and renders the fleet,
 * signs and publishes one envelope per cluster over a real nats-server → N simulated spokes
 * (bench/simulated-reporting-spokes.ts) fetch, verify, "apply" the 50 objects to an in-memory map
 * and send the signed StatusReport → the hub's own registry shows every cluster Synced and Healthy
 * at the new commit and generation. The figure: refresh trigger → the last cluster seen converged
 * by the hub (read in-process, polled every POLL_MS, then checked once more with the API's
 * clusterView). Per size: a fresh nats-server, repository and hub; the first render (cold) and one
 * warm-up commit, then the measured commit.
 *
 * The fleet repo (makeGitRepo from test/harness): N `Cluster` files, one ApplicationSet with a clusters generator, and an app path of
 * 45 ConfigMaps + 5 Deployments; every commit changes one ConfigMap, so every cluster's bundle
 * changes. The spokes share a pool of 32 NATS connections and run in this process's one thread,
 * next to the hub, so spoke CPU (verify, apply, sign) and hub CPU (render, sign, ingest) add up
 * rather than run in parallel as on real clusters: the figure is pessimistic.
 *
 * Baseline in the same process: the fan-out alone, i.e. the same spokes fetching and verifying the
 * same bundles, re-signed as the next generation and published with the hub's DesiredStateStore
 * (putMany + notify, like bench/fanout-converge.ts), with no render, apply, report or ingest.
 * The breakdown (hub fetch + render, plan + sign + publish, the spokes, the hub's ingest) says where
 * the time goes. Targets (ARCHITECTURE.md): ≤ 1 s / 2 s / 10 s at 100 / 1 k / 10 k spokes.
 *
 * Run: npm run build && node dist/bench/e2e-commit-to-converged.js [spokes…]   (default 100 1000 10000)
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { silentLogger, systemClock } from "../core/index.js";
import { DEFAULT_RENDER_BUDGET, RenderPool, type FleetRender } from "../gitops/index.js";
import { DesiredStateStore, GitFleetSource, clusterView, startHub, type DesiredStateSource, type HubConfig, type RunningHub } from "../hub/index.js";
import { createEnvelope, encodeBundle, loadSigningKey } from "../protocol/index.js";
import { startNats, type GitRepo } from "../test/harness/index.js";
import { BENCH_CONFIGMAPS, BENCH_DEPLOYMENTS, benchAppFiles, makeBenchFleetRepo, releaseConfig } from "./bench-fleet.js";
import { clusterNames } from "./simulated-spokes.js";
import { ReportingSpokes } from "./simulated-reporting-spokes.js";

const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [100, 1000, 10_000];
const FLEET = "bench";
const CONNECTIONS = 32;
const POLL_MS = 5;
const TIMEOUT_MS = 600_000;

function targetSeconds(spokes: number): number {
  if (spokes <= 100) return 1;
  if (spokes <= 1000) return 2;
  return 10;
}

/** The hub's own git source, timed: how long its fetch + render of each pass takes. */
class TimedSource implements DesiredStateSource {
  readonly id: string;
  readonly #inner: DesiredStateSource;
  startedAt = 0;
  endedAt = 0;

  constructor(inner: DesiredStateSource) {
    this.#inner = inner;
    this.id = inner.id;
  }

  async load(signal?: AbortSignal): Promise<FleetRender> {
    this.startedAt = performance.now();
    try {
      return await this.#inner.load(signal);
    } finally {
      this.endedAt = performance.now();
    }
  }
}

/** What the hub shows for one cluster, cheaply (no O(N) scans): its spoke reported the published generation of `revision`, all apps Synced and Healthy. */
function syncedAt(hub: RunningHub, cluster: string, revision: string): boolean {
  const published = hub.service.clusterState(cluster)?.published;
  if (published?.revision !== revision) return false;
  const entry = hub.service.registry.get(cluster);
  const report = entry?.report;
  if (entry?.appliedGeneration !== published.generation || report?.revision !== revision) return false;
  return report.apps.length > 0 && report.apps.every((a) => a.sync === "Synced" && a.health === "Healthy");
}

/** Polls the hub's registry until every cluster is synced at `revision`; resolves with the performance.now() it saw the last one. */
async function hubConverged(hub: RunningHub, clusters: readonly string[], revision: string): Promise<number> {
  const deadline = performance.now() + TIMEOUT_MS;
  let pending = [...clusters];
  for (;;) {
    pending = pending.filter((c) => !syncedAt(hub, c, revision));
    const now = performance.now();
    if (pending.length === 0) return now;
    if (now > deadline) throw new Error(`${String(pending.length)} of ${String(clusters.length)} clusters not converged after ${String(TIMEOUT_MS)} ms (first: ${pending[0] ?? ""})`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The API's view (hub/status-views.ts) agrees: every cluster Synced and Healthy at the published generation of `revision`. */
function checkViews(hub: RunningHub, clusters: readonly string[], revision: string): void {
  const now = Date.now();
  for (const c of clusters) {
    const v = clusterView(hub.service, c, now);
    if (v.sync !== "Synced" || v.health !== "Healthy" || v.desired?.revision !== revision || v.applied?.generation !== v.desired.generation) {
      throw new Error(`cluster ${c} is ${v.sync}/${v.health} at ${String(v.applied?.generation)} (desired ${String(v.desired?.generation)})`);
    }
  }
}

interface CommitFigures {
  readonly revision: string;
  readonly generation: number;
  readonly commitSeconds: number;
  readonly totalSeconds: number;
  readonly renderSeconds: number;
  /** Render end → refresh() resolved: plan, build + sign envelopes, putMany, notify. */
  readonly publishSeconds: number;
  /** refresh() resolved → every spoke fetched, verified, applied and published its report. */
  readonly spokesSeconds: number;
  /** Last report published → the hub shows every cluster converged. */
  readonly ingestSeconds: number;
  readonly verifyCpu: number;
  readonly applyCpu: number;
  readonly reportCpu: number;
  readonly ingestCpu: number;
}

interface Run {
  readonly hub: RunningHub;
  readonly repo: GitRepo;
  readonly source: TimedSource;
  readonly spokes: ReportingSpokes;
  readonly clusters: readonly string[];
  readonly ingest: { ms: number };
}

async function commitAndConverge(run: Run, commit: number): Promise<CommitFigures> {
  const { hub, spokes, clusters } = run;
  const tc = performance.now();
  const revision = await run.repo.commit(releaseConfig(commit), `bench commit ${String(commit)}`);
  const commitSeconds = (performance.now() - tc) / 1000;
  const generation = (hub.service.clusterState(clusters[0] ?? "")?.published?.generation ?? 0) + 1;
  spokes.spokes.arm(generation);
  const before = { verify: spokes.spokes.verifyMs, apply: spokes.applyMs, report: spokes.reportMs, ingest: run.ingest.ms };
  const t0 = performance.now();
  const refreshed = hub.service.refresh().then(() => performance.now());
  const converged = await hubConverged(hub, clusters, revision);
  const refreshedAt = await refreshed;
  const spokesDone = await spokes.spokes.converged(TIMEOUT_MS);
  checkViews(hub, clusters, revision);
  return {
    revision,
    generation,
    commitSeconds,
    totalSeconds: (converged - t0) / 1000,
    renderSeconds: (run.source.endedAt - run.source.startedAt) / 1000,
    publishSeconds: (refreshedAt - run.source.endedAt) / 1000,
    spokesSeconds: (spokesDone - refreshedAt) / 1000,
    ingestSeconds: (converged - spokes.lastReportAt) / 1000,
    verifyCpu: (spokes.spokes.verifyMs - before.verify) / 1000,
    applyCpu: (spokes.applyMs - before.apply) / 1000,
    reportCpu: (spokes.reportMs - before.report) / 1000,
    ingestCpu: (run.ingest.ms - before.ingest) / 1000,
  };
}

/** The fan-out alone: the hub's current bundles, re-signed with its key as the next generation, published by a DesiredStateStore; spokes only fetch and verify. */
async function fanoutAlone(run: Run, options: { url: string; keyFile: string }): Promise<number> {
  const key = loadSigningKey(await readFile(options.keyFile, "utf8"), options.keyFile);
  const nc = await connect({ servers: options.url });
  try {
    const store = await DesiredStateStore.open(nc);
    const envelopes = run.clusters.map((cluster) => {
      const state = run.hub.service.clusterState(cluster);
      if (state?.bundle === undefined || state.published === undefined) throw new Error(`nothing published for ${cluster}`);
      return createEnvelope({
        fleet: FLEET,
        cluster,
        generation: state.published.generation + 1,
        revision: state.published.revision,
        issuedAt: Date.now(),
        bundle: encodeBundle(state.bundle),
        signingKey: key,
        maxPayload: store.maxPayload,
      });
    });
    run.spokes.reporting = false;
    run.spokes.spokes.arm(envelopes[0]?.envelope.generation ?? 0);
    const t0 = performance.now();
    await store.putMany(envelopes, { concurrency: 256 });
    for (const e of envelopes) store.notify(FLEET, e.envelope);
    await nc.flush();
    const done = await run.spokes.spokes.converged(TIMEOUT_MS);
    return (done - t0) / 1000;
  } finally {
    await nc.close();
  }
}

const s3 = (seconds: number): string => `${seconds.toFixed(3)} s`;

async function runSize(size: number, pool: RenderPool): Promise<void> {
  const clusters = clusterNames(size);
  const dir = await mkdtemp(join(tmpdir(), "flotilla-bench-e2e-"));
  const nats = await startNats();
  let repo: GitRepo | undefined;
  let hub: RunningHub | undefined;
  let spokes: ReportingSpokes | undefined;
  try {
    const tr = performance.now();
    repo = await makeBenchFleetRepo(clusters, benchAppFiles());
    const repoSeconds = (performance.now() - tr) / 1000;
    const keyFile = join(dir, "hub-signing.pem");
    // As cli/hub.ts builds it for `flotilla hub --repo DIR --fleet bench --poll-interval 0 --listen 127.0.0.1:0`.
    const repoConfig = { url: repo.dir, appSetPath: "appsets", clustersPath: "clusters" };
    const config: HubConfig = { fleet: FLEET, nats: { servers: [nats.url] }, signingKeyFile: keyFile, repos: [repoConfig], listen: { host: "127.0.0.1", port: 0 }, pollIntervalMs: 0 };
    const logger = silentLogger();
    // The source startHub would build from config.repos, wrapped to time its fetch + render.
    // Rendering in worker threads on every core, as `flotilla hub` does (its --render-workers default).
    const source = new TimedSource(new GitFleetSource({ ...repoConfig, logger, budget: DEFAULT_RENDER_BUDGET, renderAppSet: pool.renderer }));
    const tCold = performance.now();
    hub = await startHub(config, { clock: systemClock, logger, sources: [source] });
    await hub.service.refresh();
    const coldSeconds = (performance.now() - tCold) / 1000;
    const ingest = { ms: 0 };
    const registry = hub.service.registry;
    const ingestOne = registry.ingest.bind(registry);
    // Instrumentation only: the CPU time of the hub's verification and recording of spoke messages.
    registry.ingest = (incoming, now) => {
      const t = performance.now();
      try {
        return ingestOne(incoming, now);
      } finally {
        ingest.ms += performance.now() - t;
      }
    };

    spokes = new ReportingSpokes({ servers: nats.url, fleet: FLEET, clusters, connections: CONNECTIONS, hubPublicKey: hub.publicKey });
    const firstRevision = await repo.head();
    spokes.spokes.arm(1);
    const tJoin = performance.now();
    await spokes.connect();
    const joinedAt = await hubConverged(hub, clusters, firstRevision);
    const joinSeconds = (joinedAt - tJoin) / 1000;
    const counts = new Set(spokes.objectCounts.values());
    if (counts.size !== 1 || !counts.has(BENCH_CONFIGMAPS + BENCH_DEPLOYMENTS)) throw new Error(`spokes applied ${[...counts].join("/")} objects, want ${String(BENCH_CONFIGMAPS + BENCH_DEPLOYMENTS)}`);

    const run: Run = { hub, repo, source, spokes, clusters, ingest };
    const warm = await commitAndConverge(run, 1);
    const f = await commitAndConverge(run, 2);
    const fanout = await fanoutAlone(run, { url: nats.url, keyFile });
    const rejected = (await hub.service.metrics.spokeMessages.get()).values.filter((v) => v.labels.result === "rejected").reduce((n, v) => n + v.value, 0);
    const target = targetSeconds(size);
    const mem = process.memoryUsage();
    process.stdout.write(
      [
        `  ${String(size)} spokes × ${String(BENCH_CONFIGMAPS + BENCH_DEPLOYMENTS)} objects: commit → converged ${s3(f.totalSeconds)}  target ≤ ${String(target)} s: ${f.totalSeconds <= target ? "met" : "MISSED"}  (warm-up commit: ${s3(warm.totalSeconds)})`,
        `    hub fetch + render: ${s3(f.renderSeconds)}; plan + sign + publish: ${s3(f.publishSeconds)}; spokes fetch/verify/apply/report after the publish: ${s3(f.spokesSeconds)}; hub status ingest after the last report: ${s3(f.ingestSeconds)}`,
        `    CPU in this one thread: spokes' verifyEnvelope ${s3(f.verifyCpu)}, apply ${s3(f.applyCpu)}, build + sign report ${s3(f.reportCpu)}; hub's registry.ingest ${s3(f.ingestCpu)}`,
        `    baseline, fan-out alone (same bundles re-signed, putMany + notify → all spokes fetched and verified): ${s3(fanout)}  ratio ${(f.totalSeconds / fanout).toFixed(1)}× the fan-out`,
        `    setup (not timed): repo with ${String(size)} clusters ${s3(repoSeconds)}, hub start + cold first render/publish ${s3(coldSeconds)}, spokes join (connect, hello, fetch, report) ${s3(joinSeconds)}; git commit ${s3(f.commitSeconds)}`,
        `    generation ${String(f.generation)} at ${f.revision.slice(0, 12)}; spoke messages rejected by the hub: ${String(rejected)}; RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB; loadavg ${loadavg().map((l) => l.toFixed(1)).join(" ")}`,
        "",
      ].join("\n"),
    );
  } finally {
    await spokes?.close();
    await hub?.close();
    await nats.stop();
    await repo?.remove();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stdout.write(
    `e2e-commit-to-converged: git commit → hub render/sign/publish → spokes fetch/verify/apply/report → hub sees all Synced; fleet ${FLEET}, spokes on ${String(CONNECTIONS)} pooled connections\n`,
  );
  const pool = new RenderPool({ size: availableParallelism(), budget: DEFAULT_RENDER_BUDGET, logger: silentLogger() });
  try {
    for (const size of SIZES) await runSize(size, pool);
  } finally {
    await pool.close();
  }
}

await main();
