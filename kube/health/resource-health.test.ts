import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube-object.js";
import { HEALTH } from "./health-status.js";
import { parseHealthRule } from "./jsonpath-rule.js";
import { computeKStatus } from "./kstatus-rule.js";
import { resourceHealth, type HealthOptions } from "./resource-health.js";

function o(apiVersion: string, kind: string, rest: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name: "x", namespace: "ns", ...meta }, ...rest };
}

describe("rule order", () => {
  const failedJob = o("batch/v1", "Job", { status: { conditions: [{ type: "Failed", status: "True", message: "backoff" }] } });
  const luaish: HealthOptions["custom"] = (obj) => (obj.kind === "Job" ? { status: HEALTH.healthy, message: "script says fine", rule: "lua:batch/Job" } : undefined);

  it("a custom rule (Lua scripts) overrides the built-in check, as Argo CD's resource customizations do", () => {
    expect(resourceHealth(failedJob)).toEqual({ status: "Degraded", message: "backoff", rule: "builtin:Job" });
    expect(resourceHealth(failedJob, { custom: luaish })).toEqual({ status: "Healthy", message: "script says fine", rule: "lua:batch/Job" });
    // Undefined from the hook falls through to the built-in, then to kstatus for a custom resource.
    expect(resourceHealth(o("apps/v1", "Deployment", { spec: { paused: true } }), { custom: luaish })).toMatchObject({ rule: "builtin:Deployment" });
    expect(resourceHealth(o("example.com/v1", "Widget", {}), { custom: luaish })).toMatchObject({ status: "Healthy", rule: "kstatus" });
  });
  it("the object's own annotation comes first, then a configured override, then the custom hook", () => {
    const annotated = { ...failedJob, metadata: { ...failedJob.metadata, annotations: { "flotilla.dev/health": `healthy: '{.status.conditions[?(@.type=="Failed")].status} == True'` } } };
    const overrides = new Map([["batch/Job", parseHealthRule(`degraded: '{.status.conditions[?(@.type=="Failed")].status} == True'`)]]);
    expect(resourceHealth(annotated, { overrides, custom: luaish })).toMatchObject({ status: "Healthy", rule: "annotation:jsonpath" });
    expect(resourceHealth(failedJob, { overrides, custom: luaish })).toMatchObject({ status: "Degraded", rule: "override:batch/Job" });
  });
  it("a custom hook that throws rates the object Unknown with its message; it never escapes", () => {
    const broken: HealthOptions["custom"] = () => {
      throw new Error("lua: attempt to index a nil value");
    };
    expect(resourceHealth(failedJob, { custom: broken })).toEqual({ status: "Unknown", message: "lua: attempt to index a nil value", rule: "custom:batch/Job" });
  });
  it("deletion pending is Progressing, unless Argo's hook finalizer keeps the object rated", () => {
    expect(resourceHealth(o("batch/v1", "Job", {}, { deletionTimestamp: "2026-01-01T00:00:00Z" }))).toEqual({ status: "Progressing", message: "Pending deletion", rule: "deletion" });
    const hook = o("batch/v1", "Job", { status: { conditions: [{ type: "Complete", status: "True" }] } }, { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["argocd.argoproj.io/hook-finalizer"] });
    expect(resourceHealth(hook)).toMatchObject({ status: "Healthy", rule: "builtin:Job" });
  });
  it("Kubernetes kinds without a check have no health; custom resources get kstatus unless it is switched off", () => {
    expect(resourceHealth(o("v1", "ConfigMap", {}))).toBeUndefined();
    expect(resourceHealth(o("rbac.authorization.k8s.io/v1", "Role", {}))).toBeUndefined();
    expect(resourceHealth(o("gateway.networking.k8s.io/v1", "Gateway", {}))).toMatchObject({ rule: "kstatus" });
    expect(resourceHealth(o("example.com/v1", "Widget", {}), { kstatus: false })).toBeUndefined();
    expect(resourceHealth(undefined)).toEqual({ status: "Missing", rule: "missing" });
  });
});

describe("kstatus rule (custom resources, as Flux rates them)", () => {
  const cr = (status: unknown, meta: Record<string, unknown> = {}): KubeObject => o("source.toolkit.fluxcd.io/v1", "GitRepository", status === undefined ? {} : { status }, meta);
  const rate = (status: unknown, meta: Record<string, unknown> = {}): unknown => resourceHealth(cr(status, meta));

  it("an unobserved generation is InProgress → Progressing", () => {
    expect(rate({ observedGeneration: 1, conditions: [{ type: "Ready", status: "True" }] }, { generation: 2 })).toEqual({
      status: "Progressing",
      message: "GitRepository generation is 2, but latest observed generation is 1",
      rule: "kstatus",
    });
    // No observedGeneration at all: kstatus cannot tell, and goes on to the conditions.
    expect(rate({ conditions: [{ type: "Ready", status: "True" }] }, { generation: 2 })).toMatchObject({ status: "Healthy", message: "Resource is Ready" });
  });
  it("Reconciling=True is Progressing, Stalled=True is Degraded (first one listed wins), before Ready", () => {
    expect(rate({ conditions: [{ type: "Ready", status: "True" }, { type: "Reconciling", status: "True", message: "fetching" }] })).toMatchObject({ status: "Progressing", message: "fetching" });
    expect(rate({ conditions: [{ type: "Ready", status: "False" }, { type: "Stalled", status: "True", reason: "AuthFailed", message: "auth failed" }] })).toEqual({
      status: "Degraded",
      message: "auth failed",
      rule: "kstatus",
    });
    expect(rate({ conditions: [{ type: "Stalled", status: "False" }, { type: "Reconciling", status: "False" }] })).toMatchObject({ status: "Healthy", message: "Resource is current" });
  });
  it("Ready=False or Unknown is Progressing; no conditions is Current → Healthy", () => {
    expect(rate({ conditions: [{ type: "Ready", status: "False", reason: "Waiting", message: "waiting for artifact" }] })).toMatchObject({ status: "Progressing", message: "waiting for artifact" });
    expect(rate({ conditions: [{ type: "Ready", status: "Unknown" }] })).toEqual({ status: "Progressing", rule: "kstatus" });
    expect(rate(undefined)).toEqual({ status: "Healthy", message: "Resource is current", rule: "kstatus" });
  });
  it("fields of the wrong type are Unknown (kstatus errors), never a throw", () => {
    expect(rate({ conditions: "Ready" })).toMatchObject({ status: "Unknown", rule: "kstatus" });
    expect(rate({ conditions: [{ type: "Ready", status: true }] })).toMatchObject({ status: "Unknown" });
    expect(rate({ observedGeneration: "1" }, { generation: 2 })).toMatchObject({ status: "Unknown", message: expect.stringContaining("status.observedGeneration") });
  });
  it("Terminating maps to Progressing (NotFound to Missing)", () => {
    expect(computeKStatus(cr(undefined, { deletionTimestamp: "2026-01-01T00:00:00Z" }))).toEqual({ status: "Terminating", message: "Resource scheduled for deletion" });
    const held = cr(undefined, { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["argocd.argoproj.io/hook-finalizer"] });
    expect(resourceHealth(held)).toEqual({ status: "Progressing", message: "Resource scheduled for deletion", rule: "kstatus" });
  });
});

describe("any input gets an answer, never an exception", () => {
  const KINDS = [
    ["apps/v1", "Deployment"],
    ["apps/v1", "StatefulSet"],
    ["apps/v1", "DaemonSet"],
    ["apps/v1", "ReplicaSet"],
    ["batch/v1", "Job"],
    ["v1", "Pod"],
    ["v1", "Service"],
    ["v1", "PersistentVolumeClaim"],
    ["networking.k8s.io/v1", "Ingress"],
    ["autoscaling/v1", "HorizontalPodAutoscaler"],
    ["autoscaling/v2", "HorizontalPodAutoscaler"],
    ["apiregistration.k8s.io/v1", "APIService"],
    ["argoproj.io/v1alpha1", "Workflow"],
    ["bitnami.com/v1alpha1", "SealedSecret"],
    ["example.com/v1", "Widget"],
  ] as const;
  const STATUSES: readonly string[] = Object.values(HEALTH);
  // Values that look like the fields checks read, of every type, nested where checks look.
  const value = fc.oneof(fc.constantFrom(null, true, 0, 1, 2, -1, 1.5, "", "True", "False", "Running", "Failed", "Always", "Never", "RollingUpdate", "OnDelete"), fc.anything({ maxDepth: 2 }));
  const conditionsArb = fc.array(fc.record({ type: fc.constantFrom("Ready", "Available", "Progressing", "Stalled", "Reconciling", "Failed", "Complete", "Suspended", "AbleToScale"), status: value, reason: value, message: value }, { requiredKeys: [] }), { maxLength: 3 });
  const section = fc.dictionary(
    fc.constantFrom("replicas", "paused", "observedGeneration", "updatedReplicas", "availableReplicas", "readyReplicas", "phase", "restartPolicy", "type", "conditions", "containerStatuses", "updateStrategy", "loadBalancer", "message"),
    fc.oneof(value, conditionsArb, fc.array(fc.record({ name: value, state: fc.anything({ maxDepth: 3 }), lastState: fc.anything({ maxDepth: 3 }) }), { maxLength: 2 })),
    { maxKeys: 6 },
  );
  const metadata = fc.oneof(
    fc.anything({ maxDepth: 2 }),
    fc.record({ name: value, generation: value, annotations: fc.oneof(value, fc.dictionary(fc.constantFrom("flotilla.dev/health", "autoscaling.alpha.kubernetes.io/conditions", "argocd.argoproj.io/ignore-restart-policy", "argocd.argoproj.io/hook"), value)), deletionTimestamp: value, finalizers: value }, { requiredKeys: [] }),
  );

  it("built-in kinds with random fields of random types", () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.option(metadata, { nil: undefined }), fc.option(section, { nil: undefined }), fc.option(section, { nil: undefined }), ([apiVersion, kind], meta, spec, status) => {
        const obj = { apiVersion, kind, ...(meta === undefined ? {} : { metadata: meta }), ...(spec === undefined ? {} : { spec }), ...(status === undefined ? {} : { status }) };
        const h = resourceHealth(obj as unknown as KubeObject);
        if (h !== undefined) {
          expect(STATUSES).toContain(h.status);
          expect(typeof h.rule).toBe("string");
          expect(h.message === undefined || typeof h.message === "string").toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
  it("anything at all, even not an object", () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), (anything) => {
        const h = resourceHealth(anything as KubeObject);
        expect(h === undefined || STATUSES.includes(h.status)).toBe(true);
      }),
      { numRuns: 200 },
    );
    expect(resourceHealth("a string" as unknown as KubeObject)).toEqual({ status: "Unknown", message: "not a Kubernetes object", rule: "none" });
    expect(resourceHealth({ kind: "Pod" } as unknown as KubeObject)).toMatchObject({ status: "Unknown", rule: "builtin:Pod" });
  });
});
