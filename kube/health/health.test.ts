import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube-object.js";
import { worstOf, HEALTH } from "./health-status.js";
import { parseHealthRule } from "./jsonpath-rule.js";
import { resourceHealth } from "./resource-health.js";

function o(apiVersion: string, kind: string, rest: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name: "x", namespace: "ns", ...meta }, ...rest };
}
const status = (obj: KubeObject | undefined): string | undefined => resourceHealth(obj)?.status;

describe("Deployment health (gitops-engine rules)", () => {
  const dep = (spec: Record<string, unknown>, st: Record<string, unknown>, generation = 2): KubeObject => o("apps/v1", "Deployment", { spec, status: st }, { generation });
  it("is Healthy when rolled out", () => {
    expect(status(dep({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }))).toBe("Healthy");
  });
  it("is Progressing while replicas update or become available, or the generation is unobserved", () => {
    expect(resourceHealth(dep({ replicas: 3 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 1 }))).toEqual({
      status: "Progressing",
      message: "Waiting for rollout to finish: 1 out of 3 new replicas have been updated...",
      rule: "builtin:Deployment",
    });
    expect(status(dep({ replicas: 2 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 }))).toBe("Progressing");
    expect(status(dep({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }))).toBe("Progressing");
    expect(status(dep({ replicas: 2 }, { observedGeneration: 1 }))).toBe("Progressing");
  });
  it("is Degraded past its progress deadline and Suspended when paused", () => {
    expect(
      status(dep({ replicas: 1 }, { observedGeneration: 2, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] })),
    ).toBe("Degraded");
    expect(status(dep({ paused: true }, {}))).toBe("Suspended");
  });
});

describe("other built-in kinds", () => {
  it("StatefulSet", () => {
    const ss = (st: Record<string, unknown>, spec: Record<string, unknown> = { replicas: 2 }): KubeObject => o("apps/v1", "StatefulSet", { spec, status: st }, { generation: 1 });
    expect(status(ss({ observedGeneration: 0 }))).toBe("Progressing");
    expect(status(ss({ observedGeneration: 1, readyReplicas: 1 }))).toBe("Progressing");
    expect(status(ss({ observedGeneration: 1, readyReplicas: 2, currentRevision: "a", updateRevision: "b" }))).toBe("Progressing");
    expect(status(ss({ observedGeneration: 1, readyReplicas: 2, currentRevision: "a", updateRevision: "a" }))).toBe("Healthy");
    expect(status(ss({ observedGeneration: 1, readyReplicas: 2 }, { replicas: 2, updateStrategy: { type: "OnDelete" } }))).toBe("Healthy");
    expect(status(ss({ observedGeneration: 1, readyReplicas: 2, updatedReplicas: 0 }, { replicas: 2, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1 } } }))).toBe("Progressing");
  });
  it("DaemonSet", () => {
    const ds = (st: Record<string, unknown>): KubeObject => o("apps/v1", "DaemonSet", { spec: {}, status: st }, { generation: 1 });
    expect(status(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }))).toBe("Healthy");
    expect(status(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 3 }))).toBe("Progressing");
    expect(status(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 1 }))).toBe("Progressing");
  });
  it("ReplicaSet", () => {
    const rs = (st: Record<string, unknown>): KubeObject => o("apps/v1", "ReplicaSet", { spec: { replicas: 2 }, status: st }, { generation: 1 });
    expect(status(rs({ observedGeneration: 1, availableReplicas: 2 }))).toBe("Healthy");
    expect(status(rs({ observedGeneration: 1, availableReplicas: 1 }))).toBe("Progressing");
    expect(status(rs({ observedGeneration: 1, conditions: [{ type: "ReplicaFailure", status: "True", message: "quota" }] }))).toBe("Degraded");
  });
  it("Job", () => {
    const job = (conds: unknown[]): KubeObject => o("batch/v1", "Job", { status: { conditions: conds } });
    expect(status(job([]))).toBe("Progressing");
    expect(status(job([{ type: "Complete", status: "True" }]))).toBe("Healthy");
    expect(resourceHealth(job([{ type: "Failed", status: "True", message: "BackoffLimitExceeded", rule: "builtin:Job" }]))).toEqual({ status: "Degraded", message: "BackoffLimitExceeded", rule: "builtin:Job" });
    expect(status(job([{ type: "Suspended", status: "True" }]))).toBe("Suspended");
  });
  it("PVC, Service, Ingress", () => {
    expect(status(o("v1", "PersistentVolumeClaim", { status: { phase: "Bound" } }))).toBe("Healthy");
    expect(status(o("v1", "PersistentVolumeClaim", { status: { phase: "Pending" } }))).toBe("Progressing");
    expect(status(o("v1", "PersistentVolumeClaim", { status: { phase: "Lost" } }))).toBe("Degraded");
    expect(status(o("v1", "Service", { spec: { type: "ClusterIP" } }))).toBe("Healthy");
    expect(status(o("v1", "Service", { spec: { type: "LoadBalancer" } }))).toBe("Progressing");
    expect(status(o("v1", "Service", { spec: { type: "LoadBalancer" }, status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } } }))).toBe("Healthy");
    expect(status(o("networking.k8s.io/v1", "Ingress", {}))).toBe("Progressing");
    expect(status(o("networking.k8s.io/v1", "Ingress", { status: { loadBalancer: { ingress: [{ hostname: "h" }] } } }))).toBe("Healthy");
  });
  it("Pod", () => {
    const pod = (st: Record<string, unknown>, restartPolicy = "Always"): KubeObject => o("v1", "Pod", { spec: { restartPolicy }, status: st });
    expect(status(pod({ phase: "Running", conditions: [{ type: "Ready", status: "True" }] }))).toBe("Healthy");
    expect(status(pod({ phase: "Running", conditions: [{ type: "Ready", status: "False" }] }))).toBe("Progressing");
    expect(status(pod({ phase: "Pending" }))).toBe("Progressing");
    expect(status(pod({ phase: "Succeeded" }, "Never"))).toBe("Healthy");
    expect(status(pod({ phase: "Failed" }, "Never"))).toBe("Degraded");
    expect(resourceHealth(pod({ phase: "Running", containerStatuses: [{ state: { waiting: { reason: "CrashLoopBackOff", message: "back-off restarting" } } }] }))).toEqual({
      status: "Degraded",
      message: "back-off restarting",
      rule: "builtin:Pod",
    });
  });
  it("SealedSecret follows the controller's Synced condition", () => {
    const ss = (conds?: unknown[]): KubeObject => o("bitnami.com/v1alpha1", "SealedSecret", conds === undefined ? {} : { status: { conditions: conds } });
    expect(status(ss())).toBe("Progressing");
    expect(status(ss([{ type: "Synced", status: "True" }]))).toBe("Healthy");
    expect(resourceHealth(ss([{ type: "Synced", status: "False", message: "no key could decrypt secret", rule: "builtin:SealedSecret" }]))).toEqual({ status: "Degraded", message: "no key could decrypt secret", rule: "builtin:SealedSecret" });
  });
  it("kinds without a check have no health; missing objects are Missing; deleting ones Progressing", () => {
    expect(resourceHealth(o("v1", "ConfigMap", {}))).toBeUndefined();
    expect(status(undefined)).toBe("Missing");
    expect(status(o("v1", "ConfigMap", {}, { deletionTimestamp: "2026-01-01T00:00:00Z" }))).toBe("Progressing");
  });
});

describe("flotilla.dev/health JSONPath rules", () => {
  const rule = [
    `degraded: '{.status.conditions[?(@.type=="Ready")].status} == False'`,
    `healthy: '{.status.conditions[?(@.type=="Ready")].status} == True'`,
    `message: '{.status.conditions[?(@.type=="Ready")].message}'`,
  ].join("\n");
  const cr = (conds: unknown[] | undefined, annotations: Record<string, string> = { "flotilla.dev/health": rule }): KubeObject =>
    o("example.com/v1", "Widget", conds === undefined ? {} : { status: { conditions: conds } }, { annotations });

  it("picks the first status whose expression holds", () => {
    expect(resourceHealth(cr([{ type: "Ready", status: "True", message: "all good", rule: "annotation:jsonpath" }]))).toEqual({ status: "Healthy", message: "all good", rule: "annotation:jsonpath" });
    expect(resourceHealth(cr([{ type: "Ready", status: "False", message: "broken", rule: "annotation:jsonpath" }]))).toEqual({ status: "Degraded", message: "broken", rule: "annotation:jsonpath" });
    expect(status(cr(undefined))).toBe("Progressing");
  });

  it("supports indexes, wildcards, existence and !=", () => {
    const r = parseHealthRule(`suspended: .spec.paused == true\nhealthy: '{.status.replicas[*]}'\ndegraded: .status.phase != Running`);
    const w = (rest: Record<string, unknown>): KubeObject => o("example.com/v1", "Widget", rest);
    expect(resourceHealth(w({ spec: { paused: true } }), { overrides: new Map([["example.com/Widget", r]]) })?.status).toBe("Suspended");
    expect(resourceHealth(w({ status: { phase: "Failed" } }), { overrides: new Map([["example.com/Widget", r]]) })?.status).toBe("Degraded");
    expect(resourceHealth(w({ status: { phase: "Running", replicas: [1] } }), { overrides: new Map([["example.com/Widget", r]]) })?.status).toBe("Healthy");
  });

  it("reports a malformed rule as Degraded with a stable message instead of throwing", () => {
    const h = resourceHealth(cr([], { "flotilla.dev/health": "healthy: '{.status[?(oops)]}'" }));
    expect(h?.status).toBe("Degraded");
    expect(h?.message).toMatch(/bad bracket/);
    expect(() => parseHealthRule("just text")).toThrow(expect.objectContaining({ code: "KUBE_INVALID_HEALTH_RULE" }));
  });
});

describe("worstOf", () => {
  it("uses Argo's order Healthy < Suspended < Progressing < Missing < Degraded < Unknown", () => {
    expect(worstOf([]).status).toBe(HEALTH.healthy);
    expect(worstOf([{ status: "Healthy" }, undefined, { status: "Suspended" }]).status).toBe("Suspended");
    expect(worstOf([{ status: "Progressing" }, { status: "Degraded", message: "m" }, { status: "Missing" }])).toEqual({ status: "Degraded", message: "m" });
    expect(worstOf([{ status: "Degraded" }, { status: "Unknown" }]).status).toBe("Unknown");
  });
});
