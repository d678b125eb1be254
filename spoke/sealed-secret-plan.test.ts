import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube/index.js";
import { nextStatus, planSecret } from "./sealed-secret-plan.js";

const owner = { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", name: "s", uid: "u1", controller: true };
const unsealed: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "n", labels: { a: "1" }, ownerReferences: [owner] }, type: "Opaque", data: { k: "dg==" } };
const live = (meta: Record<string, unknown>, data: Record<string, string> = { k: "dg==" }): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "s", namespace: "n", resourceVersion: "7", ...meta },
  type: "Opaque",
  data,
});

describe("planSecret (the controller's update rule)", () => {
  it("creates a missing Secret; leaves an identical controlled one alone whatever the key order", () => {
    expect(planSecret(unsealed, undefined, "u1").kind).toBe("create");
    expect(planSecret(unsealed, live({ ownerReferences: [{ controller: true, uid: "u1", name: "s", kind: "SealedSecret", apiVersion: "bitnami.com/v1alpha1" }], labels: { a: "1" } }), "u1")).toEqual({ kind: "unchanged" });
  });

  it("refuses a Secret it does not control unless managed or patch", () => {
    expect(planSecret(unsealed, live({}), "u1")).toEqual({ kind: "refuse", message: 'Resource "s" already exists and is not managed by SealedSecret' });
    // Controlled by another owner (another SealedSecret's uid) is not controlled by this one.
    expect(planSecret(unsealed, live({ ownerReferences: [{ ...owner, uid: "other" }] }), "u1").kind).toBe("refuse");
  });

  it("managed: replaces data, labels, annotations and owner; keeps resourceVersion for the update", () => {
    const plan = planSecret(unsealed, live({ annotations: { "sealedsecrets.bitnami.com/managed": "true" } }, { old: "eA==" }), "u1");
    expect(plan.kind).toBe("update");
    if (plan.kind !== "update") return;
    expect(plan.secret.data).toEqual({ k: "dg==" });
    expect(plan.secret.metadata).toMatchObject({ resourceVersion: "7", labels: { a: "1" }, ownerReferences: [owner] });
    // As upstream: annotations become the template's (none), so `managed` goes too.
    expect(plan.secret.metadata.annotations).toBeUndefined();
  });

  it("patch: merges data and labels, keeps its annotations, adds no owner unless also managed", () => {
    const plan = planSecret(unsealed, live({ annotations: { "sealedsecrets.bitnami.com/patch": "true" }, labels: { b: "2" } }, { old: "eA==" }), "u1");
    if (plan.kind !== "update") throw new Error(plan.kind);
    expect(plan.secret.data).toEqual({ old: "eA==", k: "dg==" });
    expect(plan.secret.metadata.labels).toEqual({ b: "2", a: "1" });
    expect(plan.secret.metadata.ownerReferences).toBeUndefined();
    const both = planSecret(unsealed, live({ annotations: { "sealedsecrets.bitnami.com/patch": "true", "sealedsecrets.bitnami.com/managed": "true" } }), "u1");
    if (both.kind !== "update") throw new Error(both.kind);
    expect(both.secret.metadata.ownerReferences).toEqual([owner]);
  });
});

describe("nextStatus", () => {
  const ss = (status?: unknown, generation = 1): KubeObject => ({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "s", generation }, ...(status === undefined ? {} : { status }) });

  it("writes Synced=True with observedGeneration once, then nothing while it holds", () => {
    const first = nextStatus(ss(), undefined, "T1");
    expect(first).toEqual({ observedGeneration: 1, conditions: [{ type: "Synced", status: "True", lastUpdateTime: "T1", lastTransitionTime: "T1" }] });
    expect(nextStatus(ss(first), undefined, "T2")).toBeUndefined();
    expect(nextStatus(ss(first, 2), undefined, "T2")).toMatchObject({ observedGeneration: 2, conditions: [{ lastTransitionTime: "T1", lastUpdateTime: "T2" }] });
  });

  it("a failure flips it to False with the reason and message, and moves the transition time", () => {
    const ok = nextStatus(ss(), undefined, "T1");
    const failed = nextStatus(ss(ok, 2), { reason: "ErrUnsealFailed", message: 'item "k": no key could decrypt secret' }, "T2");
    expect(failed).toEqual({
      observedGeneration: 2,
      conditions: [{ type: "Synced", status: "False", reason: "ErrUnsealFailed", message: 'item "k": no key could decrypt secret', lastUpdateTime: "T2", lastTransitionTime: "T2" }],
    });
  });
});
