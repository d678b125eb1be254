/**
 * footprint: resident memory of an idle spoke. A whole fleet of real processes, started with the
 * user-story harness (test/e2e/fleet-harness.ts): nats-server, one devcluster, the hub (fleet repo
 * with one ApplicationSet: three ConfigMaps and a Deployment) and one spoke, all from the built CLI.
 * Once the cluster is Synced/Healthy at the repo head, the spoke idles IDLE_SECONDS, then its VmRSS
 * (/proc/<pid>/status) is sampled SAMPLES times over ~SAMPLE_SECONDS; max and median are reported.
 * The spoke runs with the demo's short periods (heartbeat 5 s, resync 10 s) and --log-level debug,
 * so "idle" still heartbeats and resyncs: a conservative figure. Target ≤ 80 MB (MiB) RSS.
 * Two spokes run side by side on two clusters: one with Node's defaults, one with the Node flags
 * Dockerfile.spoke's ENTRYPOINT gives the image (read from the Dockerfile, so they cannot drift).
 * Baselines sampled in the same window: a bare `node -e "setInterval(…)"` (what Node itself costs),
 * a node that only imported the spoke command's code (cli/spoke.js: spoke, kube client, NATS) with
 * the young-generation setting `flotilla spoke` applies to itself (cli/agent-heap.ts), and a node
 * that only imported @kubernetes/client-node (which the spoke no longer loads: what it used to cost).
 * The code-loaded node also reports how long the import took (the spoke's startup before any I/O).
 *
 * Run: npm run build && node dist/bench/footprint.js
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../test/harness/index.js";
import { startFleet, PLAIN_WEB_APPSET } from "../test/e2e/fleet-harness.js";

const TARGET_MIB = 80;
const IDLE_SECONDS = 20;
const SAMPLES = 10;
const SAMPLE_SECONDS = 10;
const CLUSTER = "bench-idle";
/** The same spoke, run with the image's Node flags. */
const IMAGE_CLUSTER = "bench-image";

/** The Node flags between `node` and the script in Dockerfile.spoke's exec-form ENTRYPOINT. */
function imageNodeFlags(): string[] {
  const line = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(readFileSync(join(REPO_ROOT, "Dockerfile.spoke"), "utf8"))?.[1];
  if (line === undefined) throw new Error("Dockerfile.spoke has no exec-form ENTRYPOINT");
  const argv = JSON.parse(line) as string[];
  return argv.slice(1, argv.findIndex((a) => a.endsWith(".js")));
}


function configMap(name: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  colour: blue\n  greeting: hello from ${name}\n`;
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
`;

/** VmRSS of a live process in MiB, from /proc (the kernel's own count, no sampling profiler). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${String(pid)}`);
  return Number(kb) / 1024;
}

/**
 * The pid of our child whose argv satisfies `match`. The harness spawns `node cli/main.js … spoke
 * --cluster <name> …` directly (no shell), so the spoke is a child of this process.
 */
function findChild(match: (argv: readonly string[]) => boolean): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== process.pid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (match(argv)) return Number(entry);
    } catch {
      // the process exited while we looked
    }
  }
  throw new Error("spoke process not found among this process's children");
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function startIdleNode(code: string): ChildProcess {
  // cwd at the package root, so a bare specifier resolves against its node_modules.
  return spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "ignore"], cwd: REPO_ROOT });
}

/** The first line a child prints. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes("\n")) resolve(text.split("\n")[0] ?? "");
    });
    child.once("exit", () => resolve(text));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => { resolve(); }));
  child.kill("SIGKILL");
  return exited;
}

async function main(): Promise<void> {
  const imageFlags = imageNodeFlags();
  const fleet = await startFleet({
    files: {
      "appsets/web.yaml": PLAIN_WEB_APPSET,
      "apps/web/config-a.yaml": configMap("config-a"),
      "apps/web/config-b.yaml": configMap("config-b"),
      "apps/web/config-c.yaml": configMap("config-c"),
      "apps/web/deployment.yaml": DEPLOYMENT,
    },
    clusters: [
      { name: CLUSTER, labels: { env: "bench" } },
      { name: IMAGE_CLUSTER, labels: { env: "bench" } },
    ],
    spokeNodeFlags: (cluster) => (cluster === IMAGE_CLUSTER ? imageFlags : []),
  });
  const baselines: ChildProcess[] = [];
  try {
    const t0 = performance.now();
    const [summary] = await fleet.converged(await fleet.repo.head());
    const convergeSeconds = (performance.now() - t0) / 1000;
    const spokePid = findChild((argv) => argv.includes("spoke") && argv[argv.indexOf("--cluster") + 1] === CLUSTER);
    const imagePid = findChild((argv) => argv.includes("spoke") && argv[argv.indexOf("--cluster") + 1] === IMAGE_CLUSTER);

    // Started now, so they settle during the spoke's idle time and are sampled in the same window.
    const bare = startIdleNode("setInterval(() => {}, 1000);");
    baselines.push(bare);
    const spokeModule = pathToFileURL(join(REPO_ROOT, "dist", "cli", "spoke.js")).href;
    const heapModule = pathToFileURL(join(REPO_ROOT, "dist", "cli", "agent-heap.js")).href;
    const loaded = startIdleNode(
      `(await import(${JSON.stringify(heapModule)})).useSmallYoungGeneration(); const t0 = performance.now(); await import(${JSON.stringify(spokeModule)}); console.log(performance.now() - t0); setInterval(() => {}, 1000);`,
    );
    baselines.push(loaded);
    const importMs = Number(await firstLine(loaded));
    const kubeClient = startIdleNode(`await import("@kubernetes/client-node"); setInterval(() => {}, 1000);`);
    baselines.push(kubeClient);

    await sleep(IDLE_SECONDS * 1000);
    const samples = { spoke: [] as number[], image: [] as number[], bare: [] as number[], loaded: [] as number[], kubeClient: [] as number[] };
    for (let i = 0; i < SAMPLES; i++) {
      samples.spoke.push(rssMiB(spokePid));
      samples.image.push(rssMiB(imagePid));
      samples.bare.push(rssMiB(bare.pid ?? -1));
      samples.loaded.push(rssMiB(loaded.pid ?? -1));
      samples.kubeClient.push(rssMiB(kubeClient.pid ?? -1));
      if (i < SAMPLES - 1) await sleep((SAMPLE_SECONDS * 1000) / (SAMPLES - 1));
    }
    const after = await fleet.hub().clusters();
    const stillConverged = after.find((c) => c.name === CLUSTER);
    const imageConverged = after.find((c) => c.name === IMAGE_CLUSTER);

    const fmt = (v: number): string => `${v.toFixed(1)} MiB`;
    const spokeMax = Math.max(...samples.spoke);
    const spokeMedian = median(samples.spoke);
    const bareMedian = median(samples.bare);
    const loadedMedian = median(samples.loaded);
    const kubeClientMedian = median(samples.kubeClient);
    const imageMax = Math.max(...samples.image);
    const imageMedian = median(samples.image);
    const ok = spokeMax <= TARGET_MIB;
    const imageOk = imageMax <= TARGET_MIB;
    process.stdout.write(
      [
        `footprint: two spokes (pids ${String(spokePid)}, ${String(imagePid)}), each idle ${String(IDLE_SECONDS)} s after converging (${String(summary?.apps.length ?? 0)} application, 4 objects each, Synced/Healthy ${convergeSeconds.toFixed(1)} s after the spokes started), VmRSS sampled ${String(SAMPLES)}× over ${String(SAMPLE_SECONDS)} s`,
        `  idle spoke RSS, Node defaults: max ${fmt(spokeMax)}, median ${fmt(spokeMedian)}, min ${fmt(Math.min(...samples.spoke))}  target ≤ ${String(TARGET_MIB)} MiB: ${ok ? "met" : "MISSED"}`,
        `  idle spoke RSS, the image's Node flags (${imageFlags.join(" ")}): max ${fmt(imageMax)}, median ${fmt(imageMedian)}  ${(imageMedian / spokeMedian).toFixed(2)}× the default  target ≤ ${String(TARGET_MIB)} MiB: ${imageOk ? "met" : "MISSED"}`,
        `  baseline, bare node (setInterval only): median ${fmt(bareMedian)}  spoke/bare-node ratio ${(spokeMedian / bareMedian).toFixed(2)}×`,
        `  baseline, node with the spoke command's code imported, not running: median ${fmt(loadedMedian)}  spoke/code-loaded ratio ${(spokeMedian / loadedMedian).toFixed(2)}×; the import took ${importMs.toFixed(0)} ms`,
        `  for comparison, @kubernetes/client-node alone (the spoke no longer loads it): median ${fmt(kubeClientMedian)}, ${fmt(kubeClientMedian - bareMedian)} over bare node`,
        `  so: Node ${fmt(bareMedian)} + code ${fmt(loadedMedian - bareMedian)} + running state ${fmt(spokeMedian - loadedMedian)}`,
        `  load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
        `  after sampling the hub still sees them ${stillConverged?.connection ?? "?"}/${stillConverged?.sync ?? "?"}/${stillConverged?.health ?? "?"} and ${imageConverged?.connection ?? "?"}/${imageConverged?.sync ?? "?"}/${imageConverged?.health ?? "?"}`,
        "",
      ].join("\n"),
    );
  } finally {
    for (const child of baselines) await stopChild(child);
    await fleet.stop();
  }
}

await main();
