import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube-object.js";
import { resourceHealth } from "./resource-health.js";

// Objects written for these tests, exercising each branch of gitops-engine's built-in checks
// (pkg/health/health_*.go) with the status AND message gitops-engine gives.

function o(apiVersion: string, kind: string, rest: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name: "web", namespace: "shop", ...meta }, ...rest };
}
const rate = (obj: unknown): unknown => resourceHealth(obj as KubeObject);

describe("Deployment", () => {
  const dep = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 2): KubeObject => o("apps/v1", "Deployment", { spec, status }, { generation });
  it("reports each rollout stage with gitops-engine's message", () => {
    expect(rate(dep({ replicas: 3 }, { observedGeneration: 1 }))).toEqual({
      status: "Progressing",
      message: "Waiting for rollout to finish: observed deployment generation less than desired generation",
      rule: "builtin:Deployment",
    });
    expect(rate(dep({ replicas: 3 }, { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 }))).toEqual({
      status: "Progressing",
      message: "Waiting for rollout to finish: 1 old replicas are pending termination...",
      rule: "builtin:Deployment",
    });
    expect(rate(dep({ replicas: 3 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }))).toEqual({
      status: "Progressing",
      message: "Waiting for rollout to finish: 2 of 3 updated replicas are available...",
      rule: "builtin:Deployment",
    });
    expect(rate(dep({ replicas: 3 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toEqual({ status: "Healthy", rule: "builtin:Deployment" });
  });
  it("is Degraded past its progress deadline, even while old pods serve; Suspended when paused", () => {
    const stuck = dep(
      { replicas: 4 },
      { observedGeneration: 2, replicas: 5, updatedReplicas: 2, availableReplicas: 3, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] },
    );
    expect(rate(stuck)).toEqual({ status: "Degraded", message: 'Deployment "web" exceeded its progress deadline', rule: "builtin:Deployment" });
    expect(rate(dep({ paused: true, replicas: 1 }, { observedGeneration: 1 }))).toEqual({ status: "Suspended", message: "Deployment is paused", rule: "builtin:Deployment" });
  });
  it("is Unknown for a version gitops-engine does not convert, or a field of the wrong type", () => {
    expect(rate(o("apps/v1beta2", "Deployment", {}))).toEqual({ status: "Unknown", message: "unsupported Deployment GVK: apps/v1beta2, Kind=Deployment", rule: "builtin:Deployment" });
    expect(rate(dep({ replicas: "3" }, {}))).toEqual({
      status: "Unknown",
      message: "failed to convert unstructured Deployment to typed: .spec.replicas: expected integer, got string",
      rule: "builtin:Deployment",
    });
    expect(rate(o("apps/v1", "Deployment", { status: "ok" }))).toMatchObject({ status: "Unknown", message: expect.stringContaining(".status: expected object") });
    expect(rate(o("apps/v1", "Deployment", {}, { generation: 1.5 }))).toMatchObject({ status: "Unknown", message: expect.stringContaining(".metadata.generation") });
  });
});

describe("StatefulSet, DaemonSet, ReplicaSet", () => {
  const sts = (spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject => o("apps/v1", "StatefulSet", { spec, status }, { generation: 1 });
  it("StatefulSet", () => {
    expect(rate(sts({ replicas: 2 }, {}))).toMatchObject({ status: "Progressing", message: "Waiting for statefulset spec update to be observed..." });
    expect(rate(sts({ replicas: 3 }, { observedGeneration: 1, readyReplicas: 1 }))).toMatchObject({ status: "Progressing", message: "Waiting for 2 pods to be ready..." });
    const rolling = { type: "RollingUpdate", rollingUpdate: { partition: 1 } };
    expect(rate(sts({ replicas: 3, updateStrategy: rolling }, { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1 }))).toMatchObject({
      status: "Progressing",
      message: "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...",
    });
    // A rollingUpdate block without a partition still reads as a partitioned roll out (Go tests the pointer).
    expect(rate(sts({ replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: {} } }, { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 3 }))).toMatchObject({
      status: "Healthy",
      message: "partitioned roll out complete: 3 new pods have been updated...",
    });
    expect(rate(sts({ replicas: 1, updateStrategy: { type: "OnDelete" } }, { observedGeneration: 1, readyReplicas: 1 }))).toMatchObject({ status: "Healthy", message: "statefulset has 1 ready pods" });
    expect(rate(sts({ replicas: 2 }, { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 1, currentRevision: "web-1", updateRevision: "web-2" }))).toMatchObject({
      status: "Progressing",
      message: "waiting for statefulset rolling update to complete 1 pods at revision web-2...",
    });
    expect(rate(sts({ replicas: 2 }, { observedGeneration: 1, readyReplicas: 2, currentReplicas: 2, currentRevision: "web-2", updateRevision: "web-2" }))).toEqual({
      status: "Healthy",
      message: "statefulset rolling update complete 2 pods at revision web-2...",
      rule: "builtin:StatefulSet",
    });
  });
  it("DaemonSet", () => {
    const ds = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 1): KubeObject => o("apps/v1", "DaemonSet", { spec, status }, { generation });
    expect(rate(ds({}, { observedGeneration: 1 }, 2))).toMatchObject({
      status: "Progressing",
      message: "Waiting for rollout to finish: observed daemon set generation less than desired generation",
    });
    expect(rate(ds({ updateStrategy: { type: "OnDelete" } }, { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 1 }))).toMatchObject({
      status: "Healthy",
      message: "daemon set 1 out of 3 new pods have been updated",
    });
    expect(rate(ds({}, { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 3 }))).toMatchObject({
      status: "Progressing",
      message: 'Waiting for daemon set "web" rollout to finish: 2 out of 3 new pods have been updated...',
    });
    expect(rate(ds({}, { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 1 }))).toMatchObject({
      status: "Progressing",
      message: 'Waiting for daemon set "web" rollout to finish: 1 of 3 updated pods are available...',
    });
    expect(rate(ds({}, { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }))).toEqual({ status: "Healthy", rule: "builtin:DaemonSet" });
  });
  it("ReplicaSet", () => {
    const rs = (status: Record<string, unknown>): KubeObject => o("apps/v1", "ReplicaSet", { spec: { replicas: 2 }, status }, { generation: 1 });
    expect(rate(rs({ observedGeneration: 1, availableReplicas: 1 }))).toMatchObject({ status: "Progressing", message: "Waiting for rollout to finish: 1 out of 2 new replicas are available..." });
    expect(rate(rs({ observedGeneration: 1, conditions: [{ type: "ReplicaFailure", status: "True", message: "pods \"web-x\" is forbidden: exceeded quota" }] }))).toMatchObject({
      status: "Degraded",
      message: 'pods "web-x" is forbidden: exceeded quota',
    });
  });
});

describe("Pod", () => {
  const pod = (spec: Record<string, unknown>, status: Record<string, unknown>, annotations?: Record<string, string>): KubeObject =>
    o("v1", "Pod", { spec, status }, annotations === undefined ? {} : { annotations });
  const always = { restartPolicy: "Always" };
  const never = { restartPolicy: "Never" };
  const backOff = { name: "web", state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "web:nope"' } } };

  it("is Degraded by waiting errors of a long-running pod, joining their messages", () => {
    const crash = { name: "side", state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } } };
    expect(rate(pod(always, { phase: "Pending", containerStatuses: [backOff, crash] }))).toEqual({
      status: "Degraded",
      message: 'Back-off pulling image "web:nope", back-off 40s restarting failed container',
      rule: "builtin:Pod",
    });
    // Init containers' waiting states do not count (gitops-engine reads containerStatuses only).
    expect(rate(pod(always, { phase: "Pending", initContainerStatuses: [backOff] }))).toMatchObject({ status: "Progressing" });
  });
  it("is Degraded when a running pod is not ready and a container already terminated once", () => {
    const restarted = { name: "web", state: { running: {} }, lastState: { terminated: { exitCode: 137, reason: "Error" } } };
    expect(rate(pod(always, { phase: "Running", message: "restarting", conditions: [{ type: "Ready", status: "False" }], containerStatuses: [restarted] }))).toEqual({
      status: "Degraded",
      message: "restarting",
      rule: "builtin:Pod",
    });
    expect(rate(pod(always, { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [restarted] }))).toMatchObject({ status: "Healthy" });
    expect(rate(pod(always, { phase: "Running", conditions: [{ type: "Ready", status: "False" }] }))).toMatchObject({ status: "Progressing" });
  });
  it("keeps finite pods (Never, OnFailure) Progressing while they run, whatever they wait on", () => {
    expect(rate(pod(never, { phase: "Running", conditions: [{ type: "Ready", status: "True" }] }))).toMatchObject({ status: "Progressing" });
    expect(rate(pod({ restartPolicy: "OnFailure" }, { phase: "Pending", containerStatuses: [backOff] }))).toMatchObject({ status: "Progressing" });
    // No restartPolicy at all (never the case for a live pod): neither branch, Unknown as in Go.
    expect(rate(pod({}, { phase: "Running" }))).toMatchObject({ status: "Unknown" });
  });
  it("rates a Never pod like a long-running one with argocd.argoproj.io/ignore-restart-policy, unless it is a hook", () => {
    const ignore = { "argocd.argoproj.io/ignore-restart-policy": "true" };
    expect(rate(pod(never, { phase: "Running", conditions: [{ type: "Ready", status: "True" }] }, ignore))).toMatchObject({ status: "Healthy" });
    expect(rate(pod(never, { phase: "Pending", containerStatuses: [backOff] }, ignore))).toMatchObject({ status: "Degraded", message: 'Back-off pulling image "web:nope"' });
    const hook = { ...ignore, "argocd.argoproj.io/hook": "PreSync" };
    expect(rate(pod(never, { phase: "Running", conditions: [{ type: "Ready", status: "True" }] }, hook))).toMatchObject({ status: "Progressing" });
    expect(rate(pod(never, { phase: "Running", conditions: [{ type: "Ready", status: "True" }] }, { ...ignore, "helm.sh/hook": "pre-install" }))).toMatchObject({ status: "Progressing" });
    // `Skip` alone is not a hook; a value other than "true" does not ignore the policy.
    expect(rate(pod(never, { phase: "Running", conditions: [{ type: "Ready", status: "True" }] }, { ...ignore, "argocd.argoproj.io/hook": "Skip" }))).toMatchObject({ status: "Healthy" });
    expect(rate(pod(never, { phase: "Running", conditions: [{ type: "Ready", status: "True" }] }, { "argocd.argoproj.io/ignore-restart-policy": "yes" }))).toMatchObject({ status: "Progressing" });
  });
  it("says why a pod failed: its message, else a container's termination", () => {
    expect(rate(pod(never, { phase: "Failed", message: "The node was low on resource: memory." }))).toMatchObject({ status: "Degraded", message: "The node was low on resource: memory." });
    expect(rate(pod(never, { phase: "Failed", containerStatuses: [{ name: "main", state: { terminated: { exitCode: 2 } } }] }))).toEqual({
      status: "Degraded",
      message: 'container "main" failed with exit code 2',
      rule: "builtin:Pod",
    });
    expect(rate(pod(never, { phase: "Failed", initContainerStatuses: [{ name: "init", state: { terminated: { exitCode: 137, reason: "OOMKilled" } } }] }))).toMatchObject({ message: "OOMKilled" });
    expect(rate(pod(never, { phase: "Failed" }))).toEqual({ status: "Degraded", rule: "builtin:Pod" });
    expect(rate(pod(never, { phase: "Succeeded" }))).toMatchObject({ status: "Healthy" });
  });
});

describe("Job, PVC, Service, Ingress", () => {
  const job = (conditions: unknown[]): KubeObject => o("batch/v1", "Job", { status: { conditions } });
  it("Job: complete, failed, suspended (with its condition's message), running", () => {
    expect(rate(job([]))).toEqual({ status: "Progressing", rule: "builtin:Job" });
    expect(rate(job([{ type: "Complete", status: "True", message: "done" }]))).toMatchObject({ status: "Healthy", message: "done" });
    expect(rate(job([{ type: "Failed", status: "True", message: "Job has reached the specified backoff limit" }]))).toMatchObject({
      status: "Degraded",
      message: "Job has reached the specified backoff limit",
    });
    expect(rate(job([{ type: "Suspended", status: "True", message: "Job suspended" }]))).toEqual({ status: "Suspended", message: "Job suspended", rule: "builtin:Job" });
    // A resumed Job (Suspended=False) counts as finished, as gitops-engine's loop does.
    expect(rate(job([{ type: "Suspended", status: "False", message: "Job resumed" }]))).toMatchObject({ status: "Healthy", message: "Job resumed" });
  });
  it("PVC by phase", () => {
    expect(rate(o("v1", "PersistentVolumeClaim", { status: { phase: "Bound" } }))).toEqual({ status: "Healthy", rule: "builtin:PersistentVolumeClaim" });
    expect(rate(o("v1", "PersistentVolumeClaim", { status: { phase: "Pending" } }))).toMatchObject({ status: "Progressing" });
    expect(rate(o("v1", "PersistentVolumeClaim", { status: { phase: "Lost" } }))).toMatchObject({ status: "Degraded" });
    expect(rate(o("v1", "PersistentVolumeClaim", {}))).toMatchObject({ status: "Unknown" });
  });
  it("LoadBalancer Services and Ingresses wait for an address; other Services are Healthy", () => {
    expect(rate(o("v1", "Service", { spec: { type: "LoadBalancer" }, status: { loadBalancer: {} } }))).toEqual({ status: "Progressing", rule: "builtin:Service" });
    expect(rate(o("v1", "Service", { spec: { type: "LoadBalancer" }, status: { loadBalancer: { ingress: [{ hostname: "lb.example" }] } } }))).toMatchObject({ status: "Healthy" });
    expect(rate(o("v1", "Service", { spec: { type: "NodePort" } }))).toMatchObject({ status: "Healthy" });
    expect(rate(o("networking.k8s.io/v1", "Ingress", { status: { loadBalancer: { ingress: [] } } }))).toEqual({ status: "Progressing", rule: "builtin:Ingress" });
    expect(rate(o("extensions/v1beta1", "Ingress", { status: { loadBalancer: { ingress: [{ ip: "10.0.0.1" }] } } }))).toMatchObject({ status: "Healthy" });
    // Ingress is read untyped in Go: a wrong-typed list is simply no address.
    expect(rate(o("networking.k8s.io/v1", "Ingress", { status: { loadBalancer: { ingress: "10.0.0.1" } } }))).toMatchObject({ status: "Progressing" });
  });
});

describe("HorizontalPodAutoscaler", () => {
  const CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions";
  const v1 = (conditions?: string): KubeObject => o("autoscaling/v1", "HorizontalPodAutoscaler", { spec: { maxReplicas: 3 } }, conditions === undefined ? {} : { annotations: { [CONDITIONS]: conditions } });
  const v2 = (apiVersion: string, conditions: unknown[]): KubeObject => o(apiVersion, "HorizontalPodAutoscaler", { status: { conditions } });
  const able = { type: "AbleToScale", status: "True", reason: "ReadyForNewScale", message: "recommended size matches current size" };
  const metricsFailed = { type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric", message: "unable to get metrics for resource cpu" };

  it("v1 reads the conditions annotation; none, or an empty list, is waiting to autoscale", () => {
    expect(rate(v1())).toEqual({ status: "Progressing", message: "Waiting to Autoscale", rule: "builtin:HorizontalPodAutoscaler" });
    expect(rate(v1("[]"))).toMatchObject({ status: "Progressing", message: "Waiting to Autoscale" });
    expect(rate(v1(JSON.stringify([able])))).toMatchObject({ status: "Healthy", message: "recommended size matches current size" });
    expect(rate(v1(JSON.stringify([metricsFailed, able])))).toMatchObject({ status: "Degraded", message: "unable to get metrics for resource cpu" });
    // Go's encoding/json matches field names case-insensitively.
    expect(rate(v1('[{"Type":"ScalingLimited","Status":"True","Message":"too few replicas"}]'))).toMatchObject({ status: "Healthy", message: "too few replicas" });
  });
  it("the first decisive condition wins (standalone gitops-engine order)", () => {
    expect(rate(v1(JSON.stringify([able, metricsFailed])))).toMatchObject({ status: "Healthy" });
  });
  it("an annotation that is not a JSON list of conditions is Unknown, with the reason", () => {
    expect(rate(v1("{not json"))).toMatchObject({ status: "Unknown", message: expect.stringMatching(/^failed to convert conditions annotation to typed: /) });
    expect(rate(v1('[{"type": 3}]'))).toMatchObject({ status: "Unknown" });
    expect(rate(v1('{"type": "AbleToScale"}'))).toMatchObject({ status: "Unknown" });
  });
  it("v2, v2beta1 and v2beta2 read status.conditions; other versions are Unknown", () => {
    for (const version of ["autoscaling/v2", "autoscaling/v2beta1", "autoscaling/v2beta2"]) {
      expect(rate(v2(version, [able]))).toMatchObject({ status: "Healthy", message: "recommended size matches current size" });
      expect(rate(v2(version, [{ type: "ScalingActive", status: "False", reason: "InvalidSelector", message: "bad selector" }]))).toMatchObject({ status: "Degraded", message: "bad selector" });
      expect(rate(v2(version, [{ type: "ScalingActive", status: "False", reason: "ScalingDisabled", message: "scaling is disabled" }]))).toMatchObject({ status: "Progressing", message: "Waiting to Autoscale" });
    }
    expect(rate(v2("autoscaling/v3", [able]))).toEqual({ status: "Unknown", message: "unsupported HPA GVK: autoscaling/v3, Kind=HorizontalPodAutoscaler", rule: "builtin:HorizontalPodAutoscaler" });
  });
});

describe("APIService and Argo Workflow", () => {
  it("APIService follows its Available condition as `reason: message`", () => {
    const api = (version: string, conditions?: unknown[]): KubeObject => o(`apiregistration.k8s.io/${version}`, "APIService", conditions === undefined ? {} : { status: { conditions } });
    for (const version of ["v1", "v1beta1"]) {
      expect(rate(api(version, [{ type: "Available", status: "True", reason: "Passed", message: "all checks passed" }]))).toEqual({ status: "Healthy", message: "Passed: all checks passed", rule: "builtin:APIService" });
      expect(rate(api(version, [{ type: "Available", status: "False", reason: "MissingEndpoints", message: "no addresses" }]))).toMatchObject({ status: "Progressing", message: "MissingEndpoints: no addresses" });
      expect(rate(api(version))).toMatchObject({ status: "Progressing", message: "Waiting to be processed" });
    }
  });
  it("Workflow follows its phase and message", () => {
    const wf = (status?: Record<string, unknown>): KubeObject => o("argoproj.io/v1alpha1", "Workflow", status === undefined ? {} : { status });
    expect(rate(wf())).toEqual({ status: "Progressing", rule: "builtin:Workflow" });
    expect(rate(wf({ phase: "Running", message: "step 2 of 3" }))).toMatchObject({ status: "Progressing", message: "step 2 of 3" });
    expect(rate(wf({ phase: "Succeeded" }))).toMatchObject({ status: "Healthy" });
    expect(rate(wf({ phase: "Error", message: "pod deleted" }))).toMatchObject({ status: "Degraded", message: "pod deleted" });
    expect(rate(wf({ phase: "Omitted" }))).toMatchObject({ status: "Unknown" });
  });
});
