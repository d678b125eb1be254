import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevCluster } from "../../devcluster/index.js";
import type { KubeObject } from "../../kube/index.js";
import type { StatusReportInput } from "../../protocol/index.js";
import { desiredApp, type DesiredState, type SpokeRuntime } from "../../spoke/index.js";
import { kubectl, kubectlJson } from "../kube/kube-fixtures.js";
import { clusterWithCrds, eventually, testRuntime } from "./spoke-fixtures.js";

// Argo CD's ignoreDifferences, the HPA case: an autoscaler owns a Deployment's replicas. The spoke
// must neither call that drift nor self-heal it, while still healing everything else; with
// RespectIgnoreDifferences=true it also leaves the field alone when it applies a change.

let cluster: DevCluster;
let runtime: SpokeRuntime;
let lastReport: StatusReportInput | undefined;
const logLines: string[] = [];

const HPA_OWNS_REPLICAS = [{ group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] }];

const deployment = (image: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "web" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } },
  },
});
const settings = (mode: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "web" }, data: { mode } });

function state(generation: number, options: { image: string; mode: string; syncOptions?: string[]; ignoreDifferences?: unknown[] }): DesiredState {
  const app = {
    name: "web",
    namespace: "web",
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true", ...(options.syncOptions ?? [])] },
    ignoreDifferences: options.ignoreDifferences ?? HPA_OWNS_REPLICAS,
    objects: [deployment(options.image), settings(options.mode)],
  };
  return { generation, revision: `rev-${String(generation)}`, bundleDigest: `sha256:${String(generation).padStart(64, "0")}`, apps: [desiredApp(app)], source: "hub" };
}

async function replicas(): Promise<number> {
  return (await kubectlJson(cluster.kubeconfigPath, ["get", "deployment", "web", "-n", "web"])).spec.replicas as number;
}

/** Sets the state and waits for the pass that applied it (a self-heal pass may be running already). */
async function apply(next: DesiredState): Promise<void> {
  let pass = runtime.nextPass();
  runtime.setDesired(next);
  for (;;) {
    const summary = await pass;
    if (runtime.reconciler.applied?.generation === next.generation) {
      expect(summary.outcome.kind).toBe("done");
      return;
    }
    pass = runtime.nextPass();
  }
}

beforeAll(async () => {
  cluster = await clusterWithCrds("ignore-differences");
  runtime = testRuntime(cluster, {
    logLines,
    report: (r) => {
      lastReport = r;
    },
  });
  runtime.start();
});

afterAll(async () => {
  await runtime.stop();
  await cluster.stop();
});

describe("ignoreDifferences on the spoke", () => {
  it("a replica count the autoscaler changed is neither drift nor healed, while other edits still are", async () => {
    await apply(state(1, { image: "nginx:1.27", mode: "safe" }));
    expect(await replicas()).toBe(2);
    await kubectl(cluster.kubeconfigPath, ["scale", "deployment", "web", "-n", "web", "--replicas=5"]);
    // A control edit on a field nobody ignores: once it is healed, the watch has seen both edits.
    await kubectl(cluster.kubeconfigPath, ["patch", "configmap", "settings", "-n", "web", "--type", "merge", "-p", '{"data":{"mode":"yolo"}}']);
    await eventually(async () => ((await kubectlJson(cluster.kubeconfigPath, ["get", "configmap", "settings", "-n", "web"])).data.mode === "safe" ? true : undefined), 15_000, "self-heal of the ConfigMap");
    runtime.trigger();
    const report = await eventually(() => Promise.resolve(lastReport?.apps.find((a) => a.name === "web" && a.sync === "Synced")), 15_000, "a Synced report");
    expect(report.objects?.find((o) => o.kind === "Deployment")).toMatchObject({ name: "web", sync: "Synced" });
    expect(await replicas()).toBe(5);
  });

  it("without RespectIgnoreDifferences, applying a change of the app sets the field from Git again (as Argo CD does)", async () => {
    await apply(state(2, { image: "nginx:1.28", mode: "safe" }));
    expect(await replicas()).toBe(2);
  });

  it("with RespectIgnoreDifferences=true, applying a change leaves the autoscaler's value alone", async () => {
    await kubectl(cluster.kubeconfigPath, ["scale", "deployment", "web", "-n", "web", "--replicas=7"]);
    await apply(state(3, { image: "nginx:1.29", mode: "safe", syncOptions: ["RespectIgnoreDifferences=true"] }));
    const live = await kubectlJson(cluster.kubeconfigPath, ["get", "deployment", "web", "-n", "web"]);
    expect(live.spec.template.spec.containers[0].image).toBe("nginx:1.29");
    expect(live.spec.replicas).toBe(7);
  });

  it("without the entry, the same scale is drift and is healed back to Git's value", async () => {
    await apply(state(4, { image: "nginx:1.29", mode: "safe", ignoreDifferences: [] }));
    await kubectl(cluster.kubeconfigPath, ["scale", "deployment", "web", "-n", "web", "--replicas=9"]);
    await eventually(async () => ((await replicas()) === 2 ? true : undefined), 15_000, "self-heal of replicas");
  });

  it("says which entries it cannot honour (jqPathExpressions) instead of ignoring them silently", async () => {
    await apply(state(5, { image: "nginx:1.29", mode: "safe", ignoreDifferences: [...HPA_OWNS_REPLICAS, { group: "apps", kind: "Deployment", jqPathExpressions: [".spec.template.spec.containers[].image"] }] }));
    const line = await eventually(() => Promise.resolve(logLines.find((l) => l.includes("ignoreDifferences entries not honoured"))), 15_000, "the warning");
    expect(JSON.parse(line)).toMatchObject({ level: 40, app: "web", unsupported: ["ignoreDifferences[1].jqPathExpressions (Deployment): not supported, only jsonPointers"] });
  });
});
