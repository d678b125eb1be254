import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  type KubernetesObject,
  type V1ConfigMap,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevCluster, type DevCluster } from "../../devcluster/index.js";

const NS = "client";

function deployment(image: string): KubernetesObject & Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", namespace: NS, labels: { app: "api" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "api" } },
      template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "api", image }] } },
    },
  };
}

async function eventually<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("@kubernetes/client-node 1.4 against the devcluster", () => {
  let cluster: DevCluster;
  let kc: KubeConfig;
  let objects: KubernetesObjectApi;

  beforeAll(async () => {
    cluster = await startDevCluster({ name: "client-suite", controllerDelayMs: 50 });
    kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    objects = KubernetesObjectApi.makeApiClient(kc);
    await objects.patch({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } }, undefined, undefined, "flotilla", true, PatchStrategy.ServerSideApply);
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it("server-side applies, reads and lists by label through KubernetesObjectApi", async () => {
    const applied = await objects.patch(deployment("nginx:1.27"), undefined, undefined, "flotilla", true, PatchStrategy.ServerSideApply);
    expect(applied.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([["flotilla", "Apply"]]);
    const again = await objects.patch(deployment("nginx:1.27"), undefined, undefined, "flotilla", true, PatchStrategy.ServerSideApply);
    expect(again.metadata?.resourceVersion).toBe(applied.metadata?.resourceVersion);
    const changed = await objects.patch(deployment("nginx:1.28"), undefined, undefined, "flotilla", true, PatchStrategy.ServerSideApply);
    expect(Number(changed.metadata?.resourceVersion)).toBeGreaterThan(Number(applied.metadata?.resourceVersion));
    expect(changed.metadata?.generation).toBe(2);

    type Read = KubernetesObject & { spec: { template: { spec: { containers: { image: string }[] } } } };
    const read = await objects.read<Read>({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: NS } });
    expect(read.spec.template.spec.containers[0]?.image).toBe("nginx:1.28");

    const list = await objects.list("apps/v1", "Deployment", NS, undefined, undefined, undefined, undefined, "app=api");
    expect(list.items.map((i) => i.metadata?.name)).toEqual(["api"]);
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);
    const none = await objects.list("apps/v1", "Deployment", NS, undefined, undefined, undefined, undefined, "app=other");
    expect(none.items).toEqual([]);
  });

  it("reads the status the simulated controller wrote through the status subresource", async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const status = await eventually(
      () => apps.readNamespacedDeploymentStatus({ name: "api", namespace: NS }),
      (d) => d.status?.observedGeneration === d.metadata?.generation && d.status?.availableReplicas === 2,
    );
    expect(status.status?.conditions?.find((c) => c.type === "Available")?.status).toBe("True");
    expect(status.status?.readyReplicas).toBe(2);
  });

  it("gets a 409 with the conflicting field when another manager applies a different value", async () => {
    const err = await objects
      .patch(deployment("nginx:9.9"), undefined, undefined, "intruder", false, PatchStrategy.ServerSideApply)
      .then(() => undefined, (e: unknown) => e as { code: number; body: string });
    expect(err?.code).toBe(409);
    const status = JSON.parse(err?.body ?? "{}") as { reason: string; message: string };
    expect(status.reason).toBe("Conflict");
    expect(status.message).toContain('conflict with "flotilla"');
    expect(status.message).toContain('.spec.template.spec.containers[name="api"].image');
  });

  it("feeds an informer with adds, updates and deletes, and it resumes after the server drops its watch", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${NS}/configmaps`, () => core.listNamespacedConfigMap({ namespace: NS }));
    const seen: string[] = [];
    informer.on("add", (o) => seen.push(`add ${o.metadata?.name ?? ""}`));
    informer.on("update", (o) => seen.push(`update ${o.metadata?.name ?? ""} ${o.data?.v ?? ""}`));
    informer.on("delete", (o) => seen.push(`delete ${o.metadata?.name ?? ""}`));
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "before" }, data: { v: "0" } } });
    await informer.start();
    try {
      await eventually(() => seen, (s) => s.includes("add before"));
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "live" }, data: { v: "1" } } });
      await core.patchNamespacedConfigMap({ namespace: NS, name: "live", body: [{ op: "replace", path: "/data/v", value: "2" }] });
      await eventually(() => seen, (s) => s.includes("update live 2"));
      cluster.dropWatches();
      // Changes made while the informer re-watches are replayed from the event history.
      await core.patchNamespacedConfigMap({ namespace: NS, name: "live", body: [{ op: "replace", path: "/data/v", value: "3" }] });
      await core.deleteNamespacedConfigMap({ namespace: NS, name: "before" });
      await eventually(() => seen, (s) => s.includes("update live 3") && s.includes("delete before"));
      expect(informer.list(NS).map((o) => o.metadata?.name)).toEqual(["live"]);
    } finally {
      await informer.stop();
    }
  });

  it("answers injected 503s while the fault is on, and serves again once it is cleared", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    cluster.setFaults({ errorRate: 1, errorStatuses: [503] });
    const err = await core.readNamespace({ name: NS }).then(() => undefined, (e: unknown) => e as { code: number });
    expect(err?.code).toBe(503);
    cluster.setFaults({});
    expect((await core.readNamespace({ name: NS })).status?.phase).toBe("Active");
  });

  it("deletes through KubernetesObjectApi; a second delete is a 404", async () => {
    const header = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: NS } };
    const status = await objects.delete(header);
    expect(status.status).toBe("Success");
    const err = await objects.read(header).then(() => undefined, (e: unknown) => e as { code: number });
    expect(err?.code).toBe(404);
    const again = await objects.delete(header).then(() => undefined, (e: unknown) => e as { code: number; body: string });
    expect(again?.code).toBe(404);
    expect(JSON.parse(again?.body ?? "{}")).toMatchObject({ kind: "Status", reason: "NotFound", message: 'deployments.apps "api" not found' });
  });

  it("rejects a request without the kubeconfig's token", async () => {
    const anonymous = new KubeConfig();
    anonymous.loadFromString(cluster.kubeconfig.replace(cluster.token, "wrong-token"));
    const err = await anonymous
      .makeApiClient(CoreV1Api)
      .listNamespace()
      .then(() => undefined, (e: unknown) => e as { code: number });
    expect(err?.code).toBe(401);
  });
});
