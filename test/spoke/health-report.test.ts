import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevCluster } from "../../devcluster/index.js";
import type { KubeObject } from "../../kube/index.js";
import type { StatusReportInput } from "../../protocol/index.js";
import { desiredApp, type DesiredState, type SpokeRuntime } from "../../spoke/index.js";
import { clusterWithCrds, eventually, installFixtureSealingKey, testRuntime } from "./spoke-fixtures.js";

// A workload becomes Healthy (or Degraded) only after its apply, when the cluster's controllers
// get to it. The spoke must report that change when its watch shows it: with no periodic resync
// at all here, the only way the hub can learn it is that report.

let cluster: DevCluster;
let runtime: SpokeRuntime;
const reports: StatusReportInput[] = [];

function deployment(image: string): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "web" },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } } },
  };
}

function state(generation: number, image: string): DesiredState {
  const app = { name: "web", namespace: "web", syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] }, objects: [deployment(image)] };
  return { generation, revision: `rev-${String(generation)}`, bundleDigest: `sha256:${String(generation).padStart(64, "0")}`, apps: [desiredApp(app)], source: "hub" };
}

function webHealth(generation: number): string | undefined {
  const report = reports.findLast((r) => r.generation === generation);
  return report?.apps.find((a) => a.name === "web")?.health;
}

beforeAll(async () => {
  cluster = await clusterWithCrds("health-report");
  cluster.setFaults({ unpullableImages: ["*:does-not-exist"] });
  await installFixtureSealingKey(cluster);
  runtime = testRuntime(cluster, { report: (r) => reports.push(r) });
  await runtime.custody.ensureSealingKeys();
  runtime.start();
});

afterAll(async () => {
  await runtime?.stop();
  await cluster?.stop();
});

describe("spoke health reports", () => {
  it("reports a deployment Healthy once it becomes available after the apply, without a resync", async () => {
    const pass = runtime.nextPass();
    runtime.setDesired(state(1, "nginx:1.27"));
    await pass;
    const passes = runtime.passes;
    await eventually(() => Promise.resolve(webHealth(1) === "Healthy" ? true : undefined), 15_000, "a Healthy report");
    expect(runtime.passes).toBe(passes);
  });

  it("reports Degraded when the new image cannot be pulled, and Healthy again after the fix", async () => {
    let pass = runtime.nextPass();
    runtime.setDesired(state(2, "nginx:does-not-exist"));
    await pass;
    await eventually(() => Promise.resolve(webHealth(2) === "Degraded" ? true : undefined), 15_000, "a Degraded report");
    expect(reports.findLast((r) => r.generation === 2)?.apps[0]?.message).toMatch(/exceeded its progress deadline/);

    pass = runtime.nextPass();
    runtime.setDesired(state(3, "nginx:1.27"));
    await pass;
    await eventually(() => Promise.resolve(webHealth(3) === "Healthy" ? true : undefined), 15_000, "a Healthy report after the fix");
  });
});
