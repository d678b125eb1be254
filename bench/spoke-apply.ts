/**
 * spoke-apply: a spoke applies N objects to a devcluster (first apply), then resyncs the same
 * desired state three ways, counting the HTTP requests each sends:
 *   - warm resync of a republished, unchanged state (digest skip: the production path);
 *   - a resync forced through the SSA manager with hash trust (drift watch clean);
 *   - the baseline: a Flux-style resync (GET + dry-run apply per object, no hash trust).
 * Target: a no-op resync sends ≤ 5 % of the first apply's requests.
 *
 * Run: npm run build && node dist/bench/spoke-apply.js [objects]
 */
import { systemClock } from "../core/index.js";
import { startDevCluster } from "../devcluster/index.js";
import { loadKubeconfig, RestKube, type KubeObject } from "../kube/index.js";
import { desiredApp, SpokeRuntime, type DesiredState } from "../spoke/index.js";

const OBJECTS = Number(process.argv[2] ?? 50);
const TARGET = 0.05;

function objects(): KubeObject[] {
  return Array.from({ length: OBJECTS }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cfg-${String(i)}`, namespace: "bench" }, data: { i: String(i) } }));
}

function state(generation: number): DesiredState {
  const app = desiredApp({ name: "bench", namespace: "bench", syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] }, objects: objects() });
  return { generation, revision: `r${String(generation)}`, bundleDigest: `sha256:${"0".repeat(64)}`, apps: [app], source: "hub" };
}

async function main(): Promise<void> {
  const cluster = await startDevCluster({ name: "bench-spoke" });
  try {
    const kube = new RestKube({ target: loadKubeconfig(cluster.kubeconfigPath), fieldManager: "flotilla" });
    await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flotilla-system" } });
    const runtime = new SpokeRuntime({ fleet: "bench", cluster: "bench", client: kube, namespace: "flotilla-system", clock: systemClock, keyBits: 2048, resyncIntervalMs: 0 });
    await runtime.custody.ensureSealingKeys();
    runtime.start();

    let before = kube.requestTotal();
    let t = performance.now();
    let pass = runtime.nextPass();
    runtime.setDesired(state(1));
    await pass;
    const firstRequests = kube.requestTotal() - before;
    const firstMs = performance.now() - t;

    before = kube.requestTotal();
    t = performance.now();
    pass = runtime.nextPass();
    runtime.setDesired(state(2));
    await pass;
    const warmRequests = kube.requestTotal() - before;
    const warmMs = performance.now() - t;

    // Let the drift watch list every kind once, then force the manager path with hash trust.
    await new Promise((r) => setTimeout(r, 500));
    const desired = state(3).apps[0];
    before = kube.requestTotal();
    t = performance.now();
    await runtime.manager.sync({ app: "bench", objects: desired.objects, namespace: "bench", prune: true, trustHash: (id) => runtime.drift.isClean(id) });
    const trustedRequests = kube.requestTotal() - before;
    const trustedMs = performance.now() - t;

    before = kube.requestTotal();
    t = performance.now();
    await runtime.manager.sync({ app: "bench", objects: desired.objects, namespace: "bench", prune: true });
    const baselineRequests = kube.requestTotal() - before;
    const baselineMs = performance.now() - t;
    await runtime.stop();

    const ratio = warmRequests / firstRequests;
    process.stdout.write(
      [
        `spoke-apply: ${String(OBJECTS)} objects on devcluster`,
        `  first apply: ${String(firstRequests)} requests, ${firstMs.toFixed(0)} ms`,
        `  warm resync (republished, unchanged): ${String(warmRequests)} requests, ${warmMs.toFixed(1)} ms  ratio ${(ratio * 100).toFixed(1)} % of the first apply; target ≤ ${String(TARGET * 100)} %: ${ratio <= TARGET ? "met" : "MISSED"}`,
        `  forced manager resync with hash trust: ${String(trustedRequests)} requests, ${trustedMs.toFixed(1)} ms  (${((trustedRequests / firstRequests) * 100).toFixed(1)} %)`,
        `  baseline, Flux-style resync (GET + dry-run per object): ${String(baselineRequests)} requests, ${baselineMs.toFixed(0)} ms  (${((baselineRequests / firstRequests) * 100).toFixed(1)} %)`,
        "",
      ].join("\n"),
    );
  } finally {
    await cluster.stop();
  }
}

await main();
