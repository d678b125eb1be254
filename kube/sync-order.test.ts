import { describe, expect, it } from "vitest";
import type { KubeObject } from "./kube-object.js";
import { planSync, pruneOrder } from "./sync-order.js";
import { hookDeletePolicies, hookTypes, parseSyncOptions, syncWave } from "./sync-options.js";

function obj(kind: string, name: string, annotations: Record<string, string> = {}, apiVersion = "v1"): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: kind === "Namespace" ? undefined : "ns", annotations } };
}

const names = (steps: ReturnType<typeof planSync>["steps"]): string[][] => steps.map((s) => s.tasks.map((t) => `${s.phase}:${s.wave}:${t.obj.kind}/${t.obj.metadata.name}`));

describe("planSync", () => {
  it("orders by phase, then wave, then kind (Namespace and CRD first), then name", () => {
    const plan = planSync([
      obj("Deployment", "web", {}, "apps/v1"),
      obj("ConfigMap", "b"),
      obj("ConfigMap", "a"),
      obj("Widget", "w1", {}, "example.com/v1"),
      obj("CustomResourceDefinition", "widgets.example.com", {}, "apiextensions.k8s.io/v1"),
      obj("Namespace", "ns"),
      obj("Service", "late", { "argocd.argoproj.io/sync-wave": "2" }),
      obj("Secret", "early", { "flotilla.dev/sync-wave": "-1" }),
      obj("Job", "migrate", { "argocd.argoproj.io/hook": "PreSync" }, "batch/v1"),
      obj("Job", "smoke", { "argocd.argoproj.io/hook": "PostSync" }, "batch/v1"),
      obj("Job", "cleanup", { "argocd.argoproj.io/hook": "SyncFail" }, "batch/v1"),
      obj("ConfigMap", "ignored", { "argocd.argoproj.io/hook": "Skip" }),
    ]);
    expect(names(plan.steps)).toEqual([
      ["PreSync:0:Job/migrate"],
      ["Sync:-1:Secret/early"],
      ["Sync:0:Namespace/ns", "Sync:0:CustomResourceDefinition/widgets.example.com", "Sync:0:ConfigMap/a", "Sync:0:ConfigMap/b", "Sync:0:Deployment/web", "Sync:0:Widget/w1"],
      ["Sync:2:Service/late"],
      ["PostSync:0:Job/smoke"],
    ]);
    expect(names(plan.syncFail)).toEqual([["SyncFail:0:Job/cleanup"]]);
    expect(plan.skipped.map((o) => o.metadata.name)).toEqual(["ignored"]);
    expect(plan.steps[0]?.tasks[0]?.hook).toBe(true);
    expect(plan.steps[1]?.tasks[0]?.hook).toBe(false);
  });

  it("is deterministic whatever the input order", () => {
    const objs = [obj("ConfigMap", "x"), obj("Service", "y"), obj("Namespace", "ns"), obj("ConfigMap", "a", { "argocd.argoproj.io/sync-wave": "1" })];
    const a = names(planSync(objs).steps);
    const b = names(planSync([...objs].reverse()).steps);
    expect(a).toEqual(b);
  });

  it("puts an object with two hook types in both phases", () => {
    const plan = planSync([obj("Job", "both", { "argocd.argoproj.io/hook": "PreSync,PostSync" }, "batch/v1")]);
    expect(plan.steps.map((s) => s.phase)).toEqual(["PreSync", "PostSync"]);
  });

  it("maps Helm hooks to Argo phases", () => {
    expect(hookTypes(obj("Job", "j", { "helm.sh/hook": "pre-install,pre-upgrade" }))).toEqual(["PreSync"]);
    expect(hookTypes(obj("Job", "j", { "helm.sh/hook": "post-install" }))).toEqual(["PostSync"]);
    // Argo CD never applies Helm test or delete hooks; a CRD marked crd-install is a normal resource.
    expect(hookTypes(obj("Pod", "p", { "helm.sh/hook": "test" }))).toEqual(["Skip"]);
    expect(hookTypes(obj("Job", "j", { "helm.sh/hook": "pre-delete,post-delete" }))).toEqual(["Skip"]);
    expect(hookTypes(obj("CustomResourceDefinition", "c", { "helm.sh/hook": "crd-install" }))).toEqual([]);
    expect(hookTypes(obj("Job", "j", { "helm.sh/hook": "test", "argocd.argoproj.io/hook": "PostSync" }))).toEqual(["PostSync"]);
  });
});

describe("sync annotations", () => {
  it("reads waves from Argo's annotation first, then Flotilla's, ignoring garbage", () => {
    expect(syncWave(obj("ConfigMap", "a", { "argocd.argoproj.io/sync-wave": "5", "flotilla.dev/sync-wave": "9" }))).toBe(5);
    expect(syncWave(obj("ConfigMap", "a", { "flotilla.dev/sync-wave": "-3" }))).toBe(-3);
    expect(syncWave(obj("ConfigMap", "a", { "argocd.argoproj.io/sync-wave": "soon" }))).toBe(0);
    expect(syncWave(obj("ConfigMap", "a"))).toBe(0);
  });

  it("defaults hook delete policy to BeforeHookCreation", () => {
    expect(hookDeletePolicies(obj("Job", "j"))).toEqual(["BeforeHookCreation"]);
    expect(hookDeletePolicies(obj("Job", "j", { "argocd.argoproj.io/hook-delete-policy": "HookSucceeded,HookFailed" }))).toEqual(["HookSucceeded", "HookFailed"]);
    expect(hookDeletePolicies(obj("Job", "j", { "helm.sh/hook-delete-policy": "hook-succeeded" }))).toEqual(["HookSucceeded"]);
  });

  it("parses sync options with Argo's names", () => {
    const o = parseSyncOptions(["Prune=false,PruneLast=true", "Replace=true", "CreateNamespace=true", "Force=true", "Delete=false", "ServerSideApply=true"]);
    expect(o).toMatchObject({ prune: false, pruneLast: true, replace: true, createNamespace: true, force: true, deleteOnAppDeletion: false });
    expect(parseSyncOptions(["Prune=confirm"]).prune).toBe(false);
    expect(parseSyncOptions([]).prune).toBe(true);
  });
});

describe("pruneOrder", () => {
  it("deletes in reverse sync order with PruneLast at the very end", () => {
    const items = [
      { obj: obj("Namespace", "ns"), pruneLast: false },
      { obj: obj("ConfigMap", "cfg"), pruneLast: true },
      { obj: obj("Deployment", "web", {}, "apps/v1"), pruneLast: false },
      { obj: obj("CustomResourceDefinition", "w.example.com", {}, "apiextensions.k8s.io/v1"), pruneLast: false },
      { obj: obj("Service", "svc", { "argocd.argoproj.io/sync-wave": "3" }), pruneLast: false },
    ];
    expect(pruneOrder(items).map((i) => i.obj.metadata.name)).toEqual(["svc", "web", "w.example.com", "ns", "cfg"]);
  });
});
