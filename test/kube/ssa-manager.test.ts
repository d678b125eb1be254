import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../core/index.js";
import { startDevCluster, type DevCluster } from "../../devcluster/index.js";
import {
  InventoryStore,
  SsaManager,
  countActions,
  diffObjects,
  loadKubeconfig,
  RestKube,
  parseSyncOptions,
  refId,
  refOf,
  type KubeObject,
  type WatchEvent,
} from "../../kube/index.js";
import { createNamespace, kubectl, kubectlJson, recording } from "./kube-fixtures.js";

let cluster: DevCluster;

beforeAll(async () => {
  cluster = await startDevCluster({ name: "kube-ssa", controllerDelayMs: 50 });
  await createNamespace(cluster.kubeconfigPath, "flotilla-system");
});
afterAll(async () => {
  await cluster.stop();
});

function client(): RestKube {
  return new RestKube({
    target: loadKubeconfig(cluster.kubeconfigPath),
    fieldManager: "flotilla",
    retry: { attempts: 8, baseDelayMs: 20, maxDelayMs: 200 },
  });
}

function manager(kube = client()): { mgr: SsaManager; kube: ReturnType<typeof recording>; store: InventoryStore } {
  const rec = recording(kube);
  const store = new InventoryStore({ client: rec, namespace: "flotilla-system" });
  return { mgr: new SsaManager({ client: rec, inventories: store, clock: systemClock, pollIntervalMs: 50, waitTimeoutMs: 20_000 }), kube: rec, store };
}

const cm = (name: string, data: Record<string, string>, annotations: Record<string, string> = {}, ns = "shop"): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns, annotations },
  data,
});

const crd: KubeObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
  },
};

const job = (name: string, hook: string): KubeObject => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name, namespace: "shop", annotations: { "argocd.argoproj.io/hook": hook, "argocd.argoproj.io/hook-delete-policy": "HookSucceeded" } },
  spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } },
});

const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } },
  },
};

function bundleV1(): KubeObject[] {
  return [
    deployment,
    { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1", namespace: "shop" }, spec: { size: 3 } },
    cm("late", { a: "1" }, { "argocd.argoproj.io/sync-wave": "2" }),
    cm("early", { a: "1" }, { "flotilla.dev/sync-wave": "-1" }),
    cm("keep", { a: "1" }, { "argocd.argoproj.io/sync-options": "Prune=false" }),
    cm("gone-later", { a: "1" }),
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } },
    crd,
    job("migrate", "PreSync"),
    job("smoke", "PostSync"),
  ];
}

describe("SsaManager against devcluster (RestKube adapter)", () => {
  it("applies in phase → wave → kind order, runs hooks, and records an inventory in the cluster", async () => {
    const { mgr, kube } = manager();
    // CreateNamespace=true: the PreSync hook runs in `shop` before the Sync phase applies the Namespace (as in Argo).
    const result = await mgr.sync({ app: "shop", objects: bundleV1(), namespace: "shop", syncOptions: parseSyncOptions(["CreateNamespace=true"]), revision: "r1", generation: 1 });
    expect(result.error).toBeUndefined();
    const applies = kube.calls.filter((c) => !c.includes("ConfigMap/flotilla-inventory"));
    const at = (s: string): number => {
      const i = applies.findIndex((c) => c.endsWith(s));
      expect(i, `${s} in ${applies.join(", ")}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    // PreSync hook first; wave -1 before wave 0; the CRD before anything else in wave 0;
    // the custom resource after its CRD; wave 2 after wave 0; PostSync hook last.
    expect(at("Job/migrate")).toBeLessThan(at("ConfigMap/early"));
    expect(applies[0]).toBe("apply Namespace/shop"); // CreateNamespace=true comes before every phase
    expect(at("ConfigMap/early")).toBeLessThan(at("CustomResourceDefinition/widgets.example.com"));
    expect(at("CustomResourceDefinition/widgets.example.com")).toBeLessThan(at("ConfigMap/gone-later"));
    // Within a wave, objects other than definitions are applied in parallel: no order among them.
    expect(at("Deployment/web")).toBeLessThan(at("ConfigMap/late"));
    expect(at("Widget/w1")).toBeLessThan(at("ConfigMap/late"));
    expect(at("ConfigMap/late")).toBeLessThan(at("Job/smoke"));

    const cms = await kubectlJson(cluster.kubeconfigPath, ["get", "configmaps", "-n", "shop"]);
    expect(cms.items.map((i: KubeObject) => i.metadata.name).sort()).toEqual(["early", "gone-later", "keep", "late"]);
    expect((await kubectlJson(cluster.kubeconfigPath, ["get", "widgets", "-n", "shop"])).items).toHaveLength(1);
    // HookSucceeded: the completed hook Jobs were deleted.
    expect((await kubectlJson(cluster.kubeconfigPath, ["get", "jobs", "-n", "shop"])).items).toHaveLength(0);
    const dep = await kubectlJson(cluster.kubeconfigPath, ["get", "deployment", "web", "-n", "shop", "--show-managed-fields"]);
    expect(dep.metadata.labels["flotilla.dev/app"]).toBe("shop");
    expect(dep.metadata.managedFields.some((m: { manager: string }) => m.manager === "flotilla")).toBe(true);
    const inv = await kubectlJson(cluster.kubeconfigPath, ["get", "configmap", "flotilla-inventory-shop", "-n", "flotilla-system"]);
    const entries = JSON.parse(inv.data["inventory.json"]).entries as Array<{ id: string }>;
    expect(entries.map((e) => e.id)).toContain("shop_web_apps_Deployment");
    expect(entries.map((e) => e.id)).not.toContain("shop_migrate_batch_Job");
    expect(countActions(result.changeSet).created).toBeGreaterThanOrEqual(10);
  });

  it("classifies a second sync as unchanged (dry-run, no apply) and a hash-trusted one sends no request at all", async () => {
    const kube = client();
    const { mgr, kube: rec } = manager(kube);
    const objects = bundleV1().filter((o) => o.kind !== "Job");
    const before = kube.requestTotal();
    const r1 = await mgr.sync({ app: "shop", objects });
    expect(countActions(r1.changeSet)).toMatchObject({ created: 0, configured: 0, deleted: 0 });
    expect(rec.calls.filter((c) => c.startsWith("apply") && !c.includes("inventory"))).toEqual([]);
    const cold = kube.requestTotal() - before;
    const mid = kube.requestTotal();
    const r2 = await mgr.sync({ app: "shop", objects, trustHash: () => true });
    expect(countActions(r2.changeSet).unchanged).toBe(objects.length);
    const warm = kube.requestTotal() - mid;
    expect(warm).toBe(0);
    expect(cold).toBeGreaterThan(objects.length);
  });

  it("updates a changed object and prunes a removed one, keeping Prune=false and objects another inventory owns", async () => {
    const { mgr: other } = manager();
    // Another app claims `late` in its own inventory: shop must never prune it.
    await other.sync({ app: "other", objects: [cm("late", { a: "1" }, { "argocd.argoproj.io/sync-wave": "2" })] });
    const { mgr } = manager();
    const objects = bundleV1()
      .filter((o) => o.kind !== "Job" && o.metadata.name !== "gone-later" && o.metadata.name !== "keep" && o.metadata.name !== "late")
      .map((o) => (o.metadata.name === "early" ? cm("early", { a: "2" }, { "flotilla.dev/sync-wave": "-1" }) : o));
    const r = await mgr.sync({ app: "shop", objects, revision: "r2" });
    expect(r.error).toBeUndefined();
    const bySubject = new Map(r.changeSet.map((e) => [e.subject, e.action]));
    expect(bySubject.get("ConfigMap/shop/early")).toBe("configured");
    expect(bySubject.get("ConfigMap/shop/gone-later")).toBe("deleted");
    expect(bySubject.get("Deployment/shop/web")).toBe("unchanged");
    expect(bySubject.has("ConfigMap/shop/keep")).toBe(false);
    expect(bySubject.has("ConfigMap/shop/late")).toBe(false);
    const names = (await kubectlJson(cluster.kubeconfigPath, ["get", "configmaps", "-n", "shop"])).items.map((i: KubeObject) => i.metadata.name).sort();
    expect(names).toEqual(["early", "keep", "late"]);
    expect((await kubectlJson(cluster.kubeconfigPath, ["get", "configmap", "early", "-n", "shop"])).data).toEqual({ a: "2" });
  });

  it("retries injected 500/429/503 answers with backoff and still converges", async () => {
    const kube = client();
    const { mgr } = manager(kube);
    cluster.setFaults({ errorRate: 0.3 });
    try {
      const objects = Array.from({ length: 8 }, (_, i) => cm(`flaky-${i}`, { i: String(i) }, {}, "flaky"));
      const r = await mgr.sync({ app: "flaky", objects, syncOptions: parseSyncOptions(["CreateNamespace=true"]), namespace: "flaky" });
      expect(r.error).toBeUndefined();
    } finally {
      cluster.setFaults({});
    }
    const names = (await kubectlJson(cluster.kubeconfigPath, ["get", "configmaps", "-n", "flaky"])).items.map((i: KubeObject) => i.metadata.name);
    expect(names).toHaveLength(8);
  });

  it("a sync interrupted mid-apply converges on restart without duplicates or leftovers", async () => {
    const ctl = new AbortController();
    const { mgr, kube } = manager();
    const v1 = [cm("a", { v: "1" }, {}, "crash"), cm("b", { v: "1" }, {}, "crash"), cm("c", { v: "1" }, { "argocd.argoproj.io/sync-wave": "1" }, "crash")];
    await createNamespace(cluster.kubeconfigPath, "crash");
    // Abort after wave 0 was applied: `c` (wave 1) is never reached.
    const origApply = kube.apply.bind(kube);
    kube.apply = async (obj, opts) => {
      const out = await origApply(obj, opts);
      if (opts?.dryRun !== true && obj.metadata.name === "b") ctl.abort();
      return out;
    };
    const r = await mgr.sync({ app: "crash", objects: v1, signal: ctl.signal });
    expect(r.error).toBeDefined();
    // The restarted spoke now wants only `a`: `b` (applied before the crash) must be pruned.
    const { mgr: fresh } = manager();
    const r2 = await fresh.sync({ app: "crash", objects: [cm("a", { v: "1" }, {}, "crash")] });
    expect(r2.error).toBeUndefined();
    const names = (await kubectlJson(cluster.kubeconfigPath, ["get", "configmaps", "-n", "crash"])).items.map((i: KubeObject) => i.metadata.name);
    expect(names.sort()).toEqual(["a"]);
  });

  it("deleting an app prunes its objects unless preserveResourcesOnDeletion", async () => {
    const { mgr } = manager();
    await createNamespace(cluster.kubeconfigPath, "del");
    await mgr.sync({ app: "del1", objects: [cm("x", { a: "1" }, {}, "del")] });
    await mgr.sync({ app: "del2", objects: [cm("y", { a: "1" }, {}, "del")] });
    expect((await mgr.deleteApp("del1")).map((e) => e.subject)).toEqual(["ConfigMap/del/x"]);
    expect(await mgr.deleteApp("del2", { preserveResourcesOnDeletion: true })).toEqual([]);
    const names = (await kubectlJson(cluster.kubeconfigPath, ["get", "configmaps", "-n", "del"])).items.map((i: KubeObject) => i.metadata.name);
    expect(names).toEqual(["y"]);
    const invs = (await kubectlJson(cluster.kubeconfigPath, ["get", "configmaps", "-n", "flotilla-system", "-l", "flotilla.dev/inventory"])).items.map(
      (i: KubeObject) => i.metadata.name,
    );
    expect(invs).not.toContain("flotilla-inventory-del1");
    expect(invs).not.toContain("flotilla-inventory-del2");
  });

  it("watch sees an out-of-band kubectl edit, and the diff against the applied baseline names the field", async () => {
    const kube = client();
    const { mgr } = manager(kube);
    await createNamespace(cluster.kubeconfigPath, "drift");
    const desired = cm("cfg", { mode: "safe" }, {}, "drift");
    const r = await mgr.sync({ app: "drift", objects: [desired] });
    const baseline = r.applied.find((a) => a.id === refId(refOf(desired)))?.baseline;
    expect(baseline).toBeDefined();
    const { resourceVersion } = await kube.list({ apiVersion: "v1", kind: "ConfigMap", namespace: "drift" });
    const ctl = new AbortController();
    const events: WatchEvent[] = [];
    const seen = new Promise<void>((resolve) => {
      void kube.watch(
        { apiVersion: "v1", kind: "ConfigMap", namespace: "drift", labelSelector: "flotilla.dev/app" },
        (e) => {
          events.push(e);
          if (e.type === "MODIFIED") resolve();
        },
        { resourceVersion, signal: ctl.signal },
      );
    });
    await kubectl(cluster.kubeconfigPath, ["patch", "configmap", "cfg", "-n", "drift", "--type", "merge", "-p", '{"data":{"mode":"yolo"}}']);
    await seen;
    ctl.abort();
    const live = events.find((e) => e.type === "MODIFIED")?.object;
    expect(diffObjects(baseline!, live)).toEqual([{ path: ".data.mode", desired: "safe", live: "yolo" }]);
  });
});

describe("controller owners (controllerOf)", () => {
  const parentRef = { apiVersion: "v1", kind: "ConfigMap", namespace: "owners", name: "parent" };
  const controllerOf = (o: KubeObject): typeof parentRef | undefined => (o.metadata.name === "child" ? parentRef : undefined);
  // "child" sorts before "parent" by name: the owned object must still go after its owner.
  const objects = (parentWave = "0"): KubeObject[] => [cm("child", { a: "1" }, {}, "owners"), cm("parent", { p: "1" }, { "argocd.argoproj.io/sync-wave": parentWave }, "owners")];

  beforeAll(async () => {
    await createNamespace(cluster.kubeconfigPath, "owners");
  });

  it("applies the owner first and gives the object a controller ownerReference; a trusted resync sends no apply", async () => {
    const { mgr, kube: rec } = manager();
    await mgr.sync({ app: "owners", objects: objects(), controllerOf });
    const parent = await kubectlJson(cluster.kubeconfigPath, ["get", "configmap", "parent", "-n", "owners"]);
    const child = await kubectlJson(cluster.kubeconfigPath, ["get", "configmap", "child", "-n", "owners"]);
    expect(child.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "ConfigMap", name: "parent", uid: parent.metadata.uid, controller: true }]);
    rec.calls.length = 0;
    const again = await mgr.sync({ app: "owners", objects: objects(), controllerOf });
    expect(countActions(again.changeSet)).toMatchObject({ created: 0, configured: 0, deleted: 0 });
    const trusted = await mgr.sync({ app: "owners", objects: objects(), controllerOf, trustHash: () => true });
    expect(countActions(trusted.changeSet).unchanged).toBe(2);
    expect(rec.calls.filter((c) => c.startsWith("apply ConfigMap"))).toEqual([]);
    await mgr.deleteApp("owners");
  });

  it("an owner in a later wave leaves the object unowned, and the next sync (even hash-trusted) owns it", async () => {
    const { mgr } = manager();
    await mgr.sync({ app: "owners", objects: objects("5"), controllerOf });
    expect((await kubectlJson(cluster.kubeconfigPath, ["get", "configmap", "child", "-n", "owners"])).metadata.ownerReferences).toBeUndefined();
    await mgr.sync({ app: "owners", objects: objects("5"), controllerOf, trustHash: () => true });
    const parent = await kubectlJson(cluster.kubeconfigPath, ["get", "configmap", "parent", "-n", "owners"]);
    const child = await kubectlJson(cluster.kubeconfigPath, ["get", "configmap", "child", "-n", "owners"]);
    expect(child.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "ConfigMap", name: "parent", uid: parent.metadata.uid, controller: true }]);
    await mgr.deleteApp("owners");
  });
});

describe("hooks named by the API server (generateName)", () => {
  const migrate = (policy: string): KubeObject => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { generateName: "migrate-", namespace: "hooks", annotations: { "argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/hook-delete-policy": policy } } as unknown as KubeObject["metadata"],
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } },
  });
  const jobs = async (): Promise<string[]> => ((await kubectlJson(cluster.kubeconfigPath, ["get", "jobs", "-n", "hooks"])).items as KubeObject[]).map((j) => j.metadata.name).sort();

  it("creates a new hook on every sync; BeforeHookCreation deletes the earlier one, and the change set names the one created", async () => {
    await createNamespace(cluster.kubeconfigPath, "hooks");
    const { mgr } = manager();
    const objects = [migrate("BeforeHookCreation"), cm("app-config", { a: "1" }, {}, "hooks")];
    const first = await mgr.sync({ app: "hooks", objects, namespace: "hooks", revision: "r1", generation: 1 });
    expect(first.error).toBeUndefined();
    const afterFirst = await jobs();
    expect(afterFirst).toHaveLength(1);
    expect(afterFirst[0]).toMatch(/^migrate-[a-z0-9]{5}$/);
    expect(first.changeSet.find((e) => e.subject.startsWith("Job/"))).toMatchObject({ subject: `Job/hooks/${afterFirst[0] ?? ""}`, action: "created" });

    const second = await mgr.sync({ app: "hooks", objects, namespace: "hooks", revision: "r2", generation: 2 });
    expect(second.error).toBeUndefined();
    const afterSecond = await jobs();
    expect(afterSecond).toHaveLength(1);
    expect(afterSecond[0]).not.toBe(afterFirst[0]);
    // Hooks are not tracked in the inventory, so nothing of them is ever pruned.
    const inv = await kubectlJson(cluster.kubeconfigPath, ["get", "configmap", "flotilla-inventory-hooks", "-n", "flotilla-system"]);
    expect((JSON.parse(inv.data["inventory.json"]).entries as { id: string }[]).map((e) => e.id)).toEqual(["hooks_app-config__ConfigMap"]);
  });

  it("with HookSucceeded, leaves no Job behind", async () => {
    const { mgr } = manager();
    await kubectl(cluster.kubeconfigPath, ["delete", "jobs", "--all", "-n", "hooks"]);
    const result = await mgr.sync({ app: "hooks", objects: [migrate("HookSucceeded"), cm("app-config", { a: "2" }, {}, "hooks")], namespace: "hooks", revision: "r3", generation: 3 });
    expect(result.error).toBeUndefined();
    expect(await jobs()).toEqual([]);
  });

  it("refuses generateName on an object that is not a hook", async () => {
    const { mgr } = manager();
    const plain: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "cfg-", namespace: "hooks" } as unknown as KubeObject["metadata"], data: { a: "1" } };
    await expect(mgr.sync({ app: "hooks", objects: [plain], namespace: "hooks" })).rejects.toMatchObject({ code: "KUBE_INVALID_OBJECT" });
  });
});
