import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { DevCluster } from "../../devcluster/index.js";
import type { RestKube, KubeObject } from "../../kube/index.js";
import type { StatusReportInput } from "../../protocol/index.js";
import { desiredApp, type DesiredState, type SpokeRuntime } from "../../spoke/index.js";
import { kubectl, kubectlJson } from "../kube/kube-fixtures.js";
import { SOPS_SECRET } from "./fleet-repo-fixture.js";
import { clusterWithCrds, eventually, expected, fixtureObject, installFixtureSealingKey, installFixtureSopsKey, kubeFor, testRuntime } from "./spoke-fixtures.js";

let cluster: DevCluster;
let kube: RestKube;
let runtime: SpokeRuntime;
let lastReport: StatusReportInput | undefined;
const logLines: string[] = [];

const cm = (name: string, data: Record<string, string>, ns = "shop"): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data });

function state(generation: number, apps: Array<Record<string, unknown>>): DesiredState {
  return { generation, revision: `rev-${generation}`, bundleDigest: `sha256:${String(generation).padStart(64, "0")}`, apps: apps.map(desiredApp), source: "hub" };
}

const strictSealed = (): KubeObject => fixtureObject("sealed-secrets", "strict.sealedsecret.yaml");
const sopsSecret = (): KubeObject => parse(SOPS_SECRET.text) as KubeObject;

function apps(extra: KubeObject[] = []): Array<Record<string, unknown>> {
  return [
    {
      name: "shop",
      namespace: "shop",
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
      objects: [cm("settings", { mode: "safe" }), ...extra],
    },
    {
      name: "vault",
      namespace: "myns",
      syncPolicy: { automated: { prune: true, selfHeal: false }, syncOptions: ["CreateNamespace=true"] },
      objects: [strictSealed(), sopsSecret()],
    },
  ];
}

beforeAll(async () => {
  cluster = await clusterWithCrds("spoke-runtime");
  await installFixtureSealingKey(cluster);
  await installFixtureSopsKey(cluster);
  kube = kubeFor(cluster);
  runtime = testRuntime(cluster, {
    client: kube,
    logLines,
    report: (r) => {
      lastReport = r;
    },
  });
  await runtime.custody.ensureSealingKeys();
  runtime.start();
});

afterAll(async () => {
  await runtime.stop();
  await cluster.stop();
});

describe("spoke runtime against devcluster", () => {
  let firstApplyRequests = 0;

  it("decrypts a SealedSecret and a SOPS Secret locally and applies everything with SSA", async () => {
    const before = kube.requestTotal();
    const opsBefore = runtime.custody.privateOperations;
    const pass = runtime.nextPass();
    runtime.setDesired(state(1, apps()));
    const summary = await pass;
    expect(summary.outcome).toEqual({ kind: "done" });
    firstApplyRequests = kube.requestTotal() - before;
    expect(runtime.custody.privateOperations).toBeGreaterThan(opsBefore);

    const secret = await kubectlJson(cluster.kubeconfigPath, ["get", "secret", "mysecret", "-n", "myns"]);
    expect(secret.data).toEqual(expected("sealed-secrets", "strict.sealedsecret.yaml").expectedSecret.data);
    const sops = await kubectlJson(cluster.kubeconfigPath, ["get", "secret", "age", "-n", "myns"]);
    expect(Buffer.from(sops.data.key, "base64").toString()).toBe(SOPS_SECRET.stringData.key);
    expect(sops.sops).toBeUndefined();
    // The SealedSecret itself is applied too, with the controller's Synced condition.
    const ss = await kubectlJson(cluster.kubeconfigPath, ["get", "sealedsecrets", "mysecret", "-n", "myns"]);
    expect(ss.status?.conditions?.[0]).toMatchObject({ type: "Synced", status: "True" });
    // The Secret is owned by its SealedSecret exactly as the controller sets it (garbage-collected with it).
    expect(secret.metadata.ownerReferences).toEqual([{ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", name: "mysecret", uid: ss.metadata.uid, controller: true }]);
    expect(lastReport?.apps.map((a) => [a.name, a.sync])).toEqual([
      ["shop", "Synced"],
      ["vault", "Synced"],
    ]);
    expect(lastReport?.generation).toBe(1);
  });

  it("a warm resync performs 0 RSA operations and at most 5% of the first apply's requests", async () => {
    const before = kube.requestTotal();
    const ops = runtime.custody.privateOperations;
    const pass = runtime.nextPass();
    // The hub republishes the same content under a new generation.
    runtime.setDesired(state(2, apps()));
    await pass;
    const warm = kube.requestTotal() - before;
    expect(runtime.custody.privateOperations).toBe(ops);
    expect(warm).toBeLessThanOrEqual(firstApplyRequests * 0.05);
    expect(lastReport?.generation).toBe(2);
  });

  it("an update applies the change with no RSA operation for unchanged ciphertext, and prunes what left", async () => {
    const ops = runtime.custody.privateOperations;
    let pass = runtime.nextPass();
    runtime.setDesired(state(3, apps([cm("extra", { a: "1" })])));
    let summary = await pass;
    expect(summary.actions.created).toBe(1);
    expect(runtime.custody.privateOperations).toBe(ops);
    pass = runtime.nextPass();
    runtime.setDesired(state(4, apps()));
    summary = await pass;
    expect(summary.actions.deleted).toBe(1);
    const names = (await kubectlJson(cluster.kubeconfigPath, ["get", "configmaps", "-n", "shop"])).items.map((i: KubeObject) => i.metadata.name);
    expect(names).toEqual(["settings"]);
  });

  it("self-heals an out-of-band edit of a managed field (selfHeal: true)", async () => {
    await kubectl(cluster.kubeconfigPath, ["patch", "configmap", "settings", "-n", "shop", "--type", "merge", "-p", '{"data":{"mode":"yolo"}}']);
    await eventually(async () => {
      const live = await kubectlJson(cluster.kubeconfigPath, ["get", "configmap", "settings", "-n", "shop"]);
      return live.data.mode === "safe" ? true : undefined;
    }, 15_000, "self-heal");
  });

  it("reports OutOfSync with a masked diff when selfHeal is off, and never leaks a secret value", async () => {
    const leaked = "hunter2-out-of-band";
    await kubectl(cluster.kubeconfigPath, ["patch", "secret", "age", "-n", "myns", "--type", "merge", "-p", JSON.stringify({ data: { key: Buffer.from(leaked).toString("base64") } })]);
    await kubectl(cluster.kubeconfigPath, ["patch", "secret", "mysecret", "-n", "myns", "--type", "merge", "-p", JSON.stringify({ data: { username: Buffer.from(leaked).toString("base64") } })]);
    const report = await eventually(() => {
      runtime.trigger();
      const r = lastReport;
      const vault = r?.apps.find((a) => a.name === "vault");
      return Promise.resolve(vault?.sync === "OutOfSync" && vault.objects?.filter((o) => o.sync === "OutOfSync").length === 2 ? r : undefined);
    }, 15_000, "OutOfSync report");
    const vault = report.apps.find((a) => a.name === "vault")!;
    const drifted = vault.objects!.find((o) => o.name === "age")!;
    expect(drifted.message).toMatch(/^\.data\.key: \++ → \++$/);
    // Not healed: the edit is still there.
    const live = await kubectlJson(cluster.kubeconfigPath, ["get", "secret", "age", "-n", "myns"]);
    expect(Buffer.from(live.data.key, "base64").toString()).toBe(leaked);
    const everything = JSON.stringify(report) + logLines.join("");
    const plaintexts = [leaked, SOPS_SECRET.stringData.key ?? "", ...Object.values(expected("sealed-secrets", "strict.sealedsecret.yaml").expectedSecret.data as Record<string, string>).filter((v) => v.length > 8)];
    for (const p of plaintexts) {
      expect(everything).not.toContain(p);
      expect(everything).not.toContain(Buffer.from(p).toString("base64"));
    }
  });

  it("a tampered SealedSecret fails only its app with a stable code, applies nothing of it, and leaks nothing", async () => {
    const bad = strictSealed();
    const enc = (bad.spec as { encryptedData: Record<string, string> }).encryptedData;
    const b = Buffer.from(enc.password, "base64");
    b[b.length - 5] = (b[b.length - 5] ?? 0) ^ 0xff;
    enc.password = b.toString("base64");
    const broken = apps();
    broken[1] = { ...broken[1], objects: [bad, sopsSecret(), cm("new-in-vault", { a: "1" }, "myns")] };
    const pass = runtime.nextPass();
    runtime.setDesired(state(5, broken));
    const summary = await pass;
    expect(summary.outcome.kind).toBe("stalled");
    const vault = lastReport?.apps.find((a) => a.name === "vault");
    expect(vault?.error?.code).toBe("SPOKE_DECRYPT_FAILED");
    expect(vault?.error?.message).toMatch(/SealedSecret\/myns\/mysecret: SEALED_INTEGRITY_CHECK_FAILED/);
    const names = (await kubectlJson(cluster.kubeconfigPath, ["get", "configmaps", "-n", "myns"])).items.map((i: KubeObject) => i.metadata.name);
    expect(names).not.toContain("new-in-vault");
    expect(lastReport?.generation).toBe(4);
  });

  it("Secrets unsealed from the bundle are garbage-collected with their SealedSecret unless it skips owner references", async () => {
    // A cluster-wide SealedSecret may be renamed; the skip annotation lives in the template, as upstream reads it.
    const renamed = (name: string, skip: boolean): KubeObject => {
      const ss = fixtureObject("sealed-secrets", "cluster-wide.sealedsecret.yaml");
      ss.metadata = { ...ss.metadata, name, namespace: "gc" };
      const template = (ss.spec as { template: { metadata: Record<string, unknown> & { annotations?: Record<string, string> } } }).template;
      template.metadata = { ...template.metadata, name, namespace: "gc" };
      if (skip) template.metadata.annotations = { ...template.metadata.annotations, "sealedsecrets.bitnami.com/skip-set-owner-references": "true" };
      return ss;
    };
    const gcApps = (): Array<Record<string, unknown>> => [
      ...apps(),
      { name: "gc", namespace: "gc", syncPolicy: { automated: { prune: true, selfHeal: false }, syncOptions: ["CreateNamespace=true"] }, objects: [renamed("owned", false), renamed("kept", true)] },
    ];
    let pass = runtime.nextPass();
    runtime.setDesired(state(6, gcApps()));
    expect((await pass).outcome).toEqual({ kind: "done" });
    const ownedSs = await kubectlJson(cluster.kubeconfigPath, ["get", "sealedsecrets", "owned", "-n", "gc"]);
    const owned = await kubectlJson(cluster.kubeconfigPath, ["get", "secret", "owned", "-n", "gc"]);
    expect(owned.metadata.ownerReferences).toEqual([{ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", name: "owned", uid: ownedSs.metadata.uid, controller: true }]);
    expect(owned.data).toEqual(expected("sealed-secrets", "cluster-wide.sealedsecret.yaml").expectedSecret.data);
    const kept = await kubectlJson(cluster.kubeconfigPath, ["get", "secret", "kept", "-n", "gc"]);
    expect(kept.metadata.ownerReferences).toBeUndefined();

    // A resync of the same content rewrites neither Secret.
    pass = runtime.nextPass();
    runtime.setDesired(state(7, gcApps()));
    const resync = await pass;
    expect(resync.outcome).toEqual({ kind: "done" });
    expect(resync.actions.configured).toBe(0);
    expect((await kubectlJson(cluster.kubeconfigPath, ["get", "secret", "owned", "-n", "gc"])).metadata.resourceVersion).toBe(owned.metadata.resourceVersion);
    expect((await kubectlJson(cluster.kubeconfigPath, ["get", "secret", "kept", "-n", "gc"])).metadata.resourceVersion).toBe(kept.metadata.resourceVersion);

    // Deleting the SealedSecrets out of band: garbage collection takes the owned Secret, not the skipped one.
    await kubectl(cluster.kubeconfigPath, ["delete", "sealedsecret", "owned", "kept", "-n", "gc"]);
    await eventually(async () => {
      const names: string[] = (await kubectlJson(cluster.kubeconfigPath, ["get", "secrets", "-n", "gc"])).items.map((i: KubeObject) => i.metadata.name);
      return names.includes("owned") ? undefined : true;
    }, 15_000, "owned Secret garbage-collected");
    expect((await kubectlJson(cluster.kubeconfigPath, ["get", "secret", "kept", "-n", "gc"])).metadata.name).toBe("kept");
  });

  it("no plaintext secret appears in any log line or report of this whole run (success, drift and failure paths)", () => {
    const everything = logLines.join("") + JSON.stringify(lastReport);
    expect(logLines.length).toBeGreaterThan(0);
    const strict = expected("sealed-secrets", "strict.sealedsecret.yaml").expectedSecret.data as Record<string, string>;
    const values = Object.values(strict).filter((v) => v.length >= 8);
    for (const v of values) {
      expect(everything).not.toContain(v);
      expect(everything).not.toContain(Buffer.from(v, "base64").toString("utf8").slice(0, 24));
    }
    expect(everything).not.toContain("AGE-SECRET-KEY");
    expect(everything).not.toContain("PRIVATE KEY");
  });
});
