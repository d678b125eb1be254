/**
 * hub-incremental: how the hub's work follows what a commit changed. A real git repository of N
 * `Cluster` files and two ApplicationSets (`bench`: every cluster, 50 manifests, as in
 * e2e-commit-to-converged; `canary`: a list generator placing one more app on one cluster), the real
 * hub in-process (startHub, polling off, triggered by service.refresh() as a webhook would) rendering
 * in worker threads (a RenderPool on every core, as `flotilla hub` does) over a real nats-server. No
 * spokes: this measures the hub alone.
 *
 * Per size, one after the other on the same hub:
 *   1. cold: the first fetch + render + publish of every cluster (the same-run baseline);
 *   2. a commit changing the shared app (every cluster's bundle changes, as e2e's commits do);
 *   3. a commit changing the canary app only (one app of one cluster): the target is ≤ 100 ms at
 *      10 k clusters, printed with its ratio to (1);
 *   4. a commit changing nothing the clusters run (a README).
 * Each figure is refresh() → resolved, split into the source's fetch + render and the hub's
 * plan + sign + publish, with the clusters published and the render cache's hits and misses. It also
 * checks that (3) published exactly one envelope and (4) none.
 *
 * Run: npm run build && node dist/bench/hub-incremental.js [clusters…]   (default 1000 10000)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger, systemClock } from "../core/index.js";
import { DEFAULT_RENDER_BUDGET, RenderPool, type FleetRender } from "../gitops/index.js";
import { GitFleetSource, startHub, type DesiredStateSource, type HubConfig, type RunningHub } from "../hub/index.js";
import { startNats, type GitRepo, type RepoFiles } from "../test/harness/index.js";
import { BENCH_CONFIGMAPS, BENCH_DEPLOYMENTS, benchAppFiles, makeBenchFleetRepo, releaseConfig, releaseConfigMap } from "./bench-fleet.js";
import { clusterNames } from "./simulated-spokes.js";

const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1000, 10_000];
const FLEET = "bench";

function canaryAppSet(cluster: string): string {
  return `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: canary
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - cluster: ${cluster}
  template:
    metadata:
      name: 'canary-{{.cluster}}'
    spec:
      project: default
      source:
        repoURL: .
        path: apps/canary
      destination:
        name: '{{.cluster}}'
        namespace: canary
      syncPolicy:
        automated: {}
`;
}

/** e2e-commit-to-converged's fleet, plus an ApplicationSet `canary` placing one more app on one cluster. */
function appFiles(canaryCluster: string): RepoFiles {
  return { ...benchAppFiles(), "appsets/canary.yaml": canaryAppSet(canaryCluster), "apps/canary/config.yaml": releaseConfigMap("canary", "0") };
}

/** The hub's git source, timed: how long each pass's fetch + render takes. */
class TimedSource implements DesiredStateSource {
  readonly id: string;
  readonly inner: GitFleetSource;
  ms = 0;

  constructor(inner: GitFleetSource) {
    this.inner = inner;
    this.id = inner.id;
  }

  async load(): Promise<FleetRender> {
    const t = performance.now();
    try {
      return await this.inner.load();
    } finally {
      this.ms = performance.now() - t;
    }
  }
}

interface Pass {
  readonly seconds: number;
  readonly renderSeconds: number;
  readonly published: number;
  readonly hits: number;
  readonly misses: number;
}

async function pass(hub: RunningHub, source: TimedSource): Promise<Pass> {
  const stats = { ...source.inner.renderCache.stats };
  const published = (await hub.service.metrics.publishes.get()).values.find((v) => v.labels.result === "ok")?.value ?? 0;
  const t = performance.now();
  await hub.service.refresh();
  const seconds = (performance.now() - t) / 1000;
  const after = (await hub.service.metrics.publishes.get()).values.find((v) => v.labels.result === "ok")?.value ?? 0;
  return { seconds, renderSeconds: source.ms / 1000, published: after - published, hits: source.inner.renderCache.stats.hits - stats.hits, misses: source.inner.renderCache.stats.misses - stats.misses };
}

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(" ");
const line = (label: string, p: Pass): string =>
  `    ${label}: ${(p.seconds * 1000).toFixed(0)} ms (fetch + render ${(p.renderSeconds * 1000).toFixed(0)} ms, plan + sign + publish ${((p.seconds - p.renderSeconds) * 1000).toFixed(0)} ms); ${String(p.published)} envelopes published; ApplicationSets from cache ${String(p.hits)}, rendered ${String(p.misses)}  [loadavg ${load()}]`;

async function runSize(size: number, pool: RenderPool): Promise<void> {
  const clusters = clusterNames(size);
  const dir = await mkdtemp(join(tmpdir(), "flotilla-bench-inc-"));
  const nats = await startNats();
  let repo: GitRepo | undefined;
  let hub: RunningHub | undefined;
  try {
    repo = await makeBenchFleetRepo(clusters, appFiles(clusters[0] ?? ""));
    const repoConfig = { url: repo.dir, appSetPath: "appsets", clustersPath: "clusters" };
    const config: HubConfig = { fleet: FLEET, nats: { servers: [nats.url] }, signingKeyFile: join(dir, "hub-signing.pem"), repos: [repoConfig], listen: { host: "127.0.0.1", port: 0 }, pollIntervalMs: 0 };
    const logger = silentLogger();
    const source = new TimedSource(new GitFleetSource({ ...repoConfig, logger, budget: DEFAULT_RENDER_BUDGET, renderAppSet: pool.renderer }));
    hub = await startHub(config, { clock: systemClock, logger, sources: [source] });
    const cold = await pass(hub, source);
    // The hub's own first poll may still be queued behind the cold pass: let it run before measuring.
    await hub.service.refresh();
    await repo.commit(releaseConfig(1), "shared app");
    const all = await pass(hub, source);
    await repo.commit({ "apps/canary/config.yaml": releaseConfigMap("canary", "1") }, "canary app");
    const one = await pass(hub, source);
    const canary = hub.service.renderedClusters().find((c) => c.name === clusters[0])?.apps.find((a) => a.name.startsWith("canary-"));
    if (canary?.error !== undefined || canary === undefined) throw new Error(`the canary app did not render: ${JSON.stringify(canary?.error)}`);
    await repo.commit({ "README.md": "nothing deployed changes\n" }, "readme");
    const none = await pass(hub, source);
    const mem = process.memoryUsage();
    process.stdout.write(
      [
        `  ${String(size)} clusters (${String(size + 1)} apps, ${String(size * (BENCH_CONFIGMAPS + BENCH_DEPLOYMENTS) + 1)} manifests):`,
        line("cold first publish (baseline)", cold),
        line("commit changing the shared app", all),
        line("commit changing one app of one cluster", one),
        line("commit changing nothing deployed", none),
        `    one-app commit: ${(one.seconds * 1000).toFixed(0)} ms, target ≤ 100 ms at 10 k: ${one.seconds <= 0.1 ? "met" : "MISSED"}; ratio ${(one.seconds / cold.seconds).toFixed(3)}× the cold publish, ${(one.seconds / all.seconds).toFixed(3)}× the shared-app commit`,
        `    checks: one-app commit published ${one.published === 1 ? "exactly 1 envelope: ok" : `${String(one.published)} envelopes: WRONG`}; no-op commit published ${none.published === 0 ? "none: ok" : `${String(none.published)}: WRONG`}; RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB (hub and bench in one process)`,
        "",
      ].join("\n"),
    );
  } finally {
    await hub?.close();
    await nats.stop();
    await repo?.remove();
    await rm(dir, { recursive: true, force: true });
  }
}

process.stdout.write(`hub-incremental: refresh() → every changed cluster published, hub alone, render workers ${String(availableParallelism())}; loadavg at start ${load()}\n`);
const pool = new RenderPool({ size: availableParallelism(), budget: DEFAULT_RENDER_BUDGET, logger: silentLogger() });
try {
  for (const size of SIZES) await runSize(size, pool);
} finally {
  await pool.close();
}
