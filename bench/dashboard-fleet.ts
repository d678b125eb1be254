/**
 * dashboard-fleet: the hub's web dashboard with N registered clusters, in headless Chromium. A real
 * hub (startHub, in-process) renders a fleet repository of N `Cluster` files and one ApplicationSet
 * (3 ConfigMaps per cluster) and publishes a signed desired state per cluster. N simulated spokes
 * then register as real ones do on the wire: a signed Hello and a signed StatusReport per cluster
 * (protocol/ signHello, signStatusReport, on the cluster's own subjects), with one cluster in 50
 * reporting Degraded and one in 20 OutOfSync; every 10th never connects, so the hub lists it
 * offline. Then Chromium loads the fleet page.
 *
 * Figures per size: the fleet page's weight (bytes of HTML, as the browser received it), the
 * server's time to build it, and the browser's time to first contentful paint. Baseline in the same
 * process and browser: the rollouts page of the same hub (a page whose size does not depend on N),
 * so the ratio says what N clusters cost on top of the browser's floor.
 *
 * Run: npm run build && node dist/bench/dashboard-fleet.js [clusters…]   (default 1000 10000)
 * A screenshot of the largest run is written to $FLOTILLA_BENCH_SCREENSHOT (default /tmp/flotilla-dashboard-fleet.png).
 */
import * as fs from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import git from "isomorphic-git";
import { silentLogger, systemClock } from "../core/index.js";
import { startHub, type HubConfig, type RunningHub } from "../hub/index.js";
import type { HubService } from "../hub/hub-service.js";
import { hubDashboardViews } from "../hub/dashboard/index.js";
import { clusterNames as clusterNamesOf, clusterView } from "../hub/status-views.js";
import { createHash } from "node:crypto";
import * as os from "node:os";
import { launchChromium } from "../test/harness/chromium.js";
import { makeGitRepo, startNats, type GitRepo } from "../test/harness/index.js";
import { connect } from "@nats-io/transport-node";
import { encodeMessage, generateSigningKey, signHello, signStatusReport, subjects } from "../protocol/index.js";
import { clusterNames } from "./simulated-spokes.js";

const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1000, 10_000];
const FLEET = "bench";
const SCREENSHOT = process.env["FLOTILLA_BENCH_SCREENSHOT"] ?? "/tmp/flotilla-dashboard-fleet.png";
const REGIONS = ["eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"];

const APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: web
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'web-{{.name}}'
    spec:
      source: {repoURL: ., path: apps/web}
      destination: {name: '{{.name}}', namespace: web}
      syncPolicy:
        automated: {prune: true}
`;

async function makeFleetRepo(clusters: readonly string[]): Promise<GitRepo> {
  const files: Record<string, string> = { "appsets/web.yaml": APPSET };
  for (let i = 0; i < 3; i++) files[`apps/web/cm-${String(i)}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${String(i)}\ndata:\n  key: value-${String(i)}\n`;
  const repo = await makeGitRepo(files);
  await mkdir(join(repo.dir, "clusters"));
  for (const [i, c] of clusters.entries()) {
    const env = i % 3 === 0 ? "prod" : i % 3 === 1 ? "staging" : "dev";
    await writeFile(join(repo.dir, "clusters", `${c}.yaml`), `apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${c}\n  labels:\n    env: ${env}\n    region: ${REGIONS[i % REGIONS.length] ?? "eu-west-1"}\n`);
  }
  // One `git add` of the directory (makeGitRepo's file-by-file add rewrites the index each time).
  await git.add({ fs, dir: repo.dir, filepath: "clusters" });
  await repo.commit({}, `${String(clusters.length)} clusters`);
  return repo;
}

async function until(what: string, probe: () => boolean, timeoutMs = 600_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface PageFigures {
  readonly bytes: number;
  readonly serverMs: number;
  readonly fcpMs: number;
  readonly loadMs: number;
}

async function measure(url: string, screenshot: string | undefined): Promise<PageFigures> {
  const t = performance.now();
  const res = await fetch(url);
  const html = await res.text();
  const serverMs = performance.now() - t;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url, { waitUntil: "load" });
    // Evaluated in the page (DOM types are not in this project's lib).
    // The paint entry can come after the load event: wait for it (buffered), at most 10 s.
    const timing = await page.evaluate<{ fcp: number; load: number }>(`new Promise((resolve) => {
      const nav = () => performance.getEntriesByType("navigation")[0];
      const done = (fcp) => resolve({ fcp, load: nav() ? nav().loadEventEnd : -1 });
      new PerformanceObserver((list) => {
        const e = list.getEntries().find((x) => x.name === "first-contentful-paint");
        if (e) done(e.startTime);
      }).observe({ type: "paint", buffered: true });
      setTimeout(() => done(-1), 10000);
    })`);
    if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: false });
    return { bytes: Buffer.byteLength(html), serverMs, fcpMs: timing.fcp, loadMs: timing.load };
  } finally {
    await browser.close();
  }
}

async function timeFetch(url: string): Promise<number> {
  const t = performance.now();
  await (await fetch(url)).text();
  return performance.now() - t;
}

function best(runs: number, fn: () => unknown): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

/**
 * What the dashboard's views cost, in this process on the same hub: the per-request derivation it
 * did before (every cluster's status view, each searching the whole render, then a digest of all of
 * them once a second) against the incremental cache (hub/dashboard/cluster-view-cache.ts).
 */
function deriveFigures(service: HubService): { uncachedMs: number; coldMs: number; warmMs: number; digestMs: number; versionMs: number } {
  const now = Date.now();
  const uncached = (): unknown[] => clusterNamesOf(service).map((n) => clusterView(service, n, now));
  const uncachedMs = best(2, uncached);
  const digestMs = best(2, () => createHash("sha256").update(JSON.stringify(uncached())).digest("base64url"));
  const views = hubDashboardViews(service, systemClock);
  const t = performance.now();
  views.clusters();
  const coldMs = performance.now() - t;
  const warmMs = best(5, () => views.clusters());
  const versionMs = best(5, () => views.version?.());
  return { uncachedMs, coldMs, warmMs, digestMs, versionMs };
}

async function runSize(size: number, screenshot: string | undefined): Promise<void> {
  const clusters = clusterNames(size);
  const dir = await mkdtemp(join(tmpdir(), "flotilla-bench-dashboard-"));
  const nats = await startNats();
  let repo: GitRepo | undefined;
  let hub: RunningHub | undefined;
  try {
    repo = await makeFleetRepo(clusters);
    const config: HubConfig = { fleet: FLEET, nats: { servers: [nats.url] }, signingKeyFile: join(dir, "hub.pem"), repos: [{ url: repo.dir, appSetPath: "appsets", clustersPath: "clusters" }], listen: { host: "127.0.0.1", port: 0 }, pollIntervalMs: 0 };
    hub = await startHub(config, { clock: systemClock, logger: silentLogger() });
    await hub.service.refresh();
    // Nine spokes in ten say hello and report; the tenth stay offline (greyed rows, grey squares).
    const online = clusters.filter((_, i) => i % 10 !== 9);
    const service = hub.service;
    const nc = await connect({ servers: nats.url });
    try {
      for (const [i, cluster] of online.entries()) {
        const key = generateSigningKey();
        nc.publish(subjects.hello(FLEET, cluster), encodeMessage(signHello({ fleet: FLEET, cluster, sentAt: new Date().toISOString(), spokeVersion: "bench", heartbeatSeconds: 600 }, key)));
        const published = service.clusterState(cluster)?.published;
        const health = i % 50 === 7 ? "Degraded" : "Healthy";
        const sync = i % 20 === 3 ? "OutOfSync" : "Synced";
        const report = signStatusReport({ fleet: FLEET, cluster, sentAt: new Date().toISOString(), generation: published?.generation ?? 1, revision: published?.revision ?? "", apps: [{ name: `web-${cluster}`, sync, health, revision: published?.revision ?? "" }] }, key);
        nc.publish(subjects.status(FLEET, cluster), encodeMessage(report));
        if (i % 500 === 0) await nc.flush();
      }
      await nc.flush();
      await until("every online spoke reported", () => online.every((c) => service.registry.get(c)?.report !== undefined), 120_000);
    } finally {
      await nc.close();
    }
    const base = hub.url;
    const derive = deriveFigures(service);
    // The hub's dashboard cache is cold on its first page; the second is what every later request costs.
    const coldMs = await timeFetch(`${base}/`);
    const floor = await measure(`${base}/rollouts`, undefined);
    const fleet = await measure(`${base}/`, screenshot);
    // Warm server time: the best of three more requests (the machine is shared; the best is the least disturbed).
    const warm = Math.min(await timeFetch(`${base}/`), await timeFetch(`${base}/`), await timeFetch(`${base}/`));
    const filtered = await measure(`${base}/?l=env%3Dprod&group=region`, undefined);
    const kb = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;
    process.stdout.write(
      [
        `  ${String(size)} clusters (${String(online.length)} reporting, ${String(size - online.length)} offline):`,
        `    load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} (2 cores)`,
        `    fleet page: ${kb(fleet.bytes)} HTML, server ${fleet.serverMs.toFixed(0)} ms (best of 3 more: ${warm.toFixed(0)} ms; first request, cache cold: ${coldMs.toFixed(0)} ms), first contentful paint ${fleet.fcpMs.toFixed(0)} ms, load ${fleet.loadMs.toFixed(0)} ms`,
        `    views of every cluster: per request before (no cache, no index) ${derive.uncachedMs.toFixed(0)} ms; cached: first ${derive.coldMs.toFixed(0)} ms, then ${derive.warmMs.toFixed(1)} ms (${(derive.uncachedMs / derive.warmMs).toFixed(0)}× less)`,
        `    once-a-second change check: digest of every view ${derive.digestMs.toFixed(0)} ms; version walk ${derive.versionMs.toFixed(1)} ms (${(derive.digestMs / derive.versionMs).toFixed(0)}× less)`,
        `    filtered (env=prod, grouped by region): ${kb(filtered.bytes)}, server ${filtered.serverMs.toFixed(0)} ms, FCP ${filtered.fcpMs.toFixed(0)} ms`,
        `    baseline, rollouts page of the same hub: ${kb(floor.bytes)}, FCP ${floor.fcpMs.toFixed(0)} ms; fleet page FCP ratio ${(fleet.fcpMs / floor.fcpMs).toFixed(1)}×`,
        ...(screenshot === undefined ? [] : [`    screenshot: ${screenshot}`]),
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

process.stdout.write(`dashboard-fleet: the hub's fleet page in headless Chromium; fleet ${FLEET}\n`);
for (const [i, size] of SIZES.entries()) await runSize(size, i === SIZES.length - 1 ? SCREENSHOT : undefined);
