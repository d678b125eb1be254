import { describe, expect, it } from "vitest";
import { deploymentRollout, type RolloutInput } from "./deployment-rollout.js";

const base: RolloutInput = { spec: { replicas: 10 }, status: { observedGeneration: 1, availableReplicas: 10, readyReplicas: 10 }, generation: 2, replicaSet: "web-2", stuck: true, now: 0, since: 0, timeFactor: 0.01 };
const progressing = (r: ReturnType<typeof deploymentRollout>): string | undefined => r.conditions.find((c) => c.type === "Progressing")?.reason;

describe("deploymentRollout (new pods that cannot start)", () => {
  it("keeps replicas - maxUnavailable old pods and adds maxSurge + maxUnavailable new ones (25%/25% by default)", () => {
    // 10 replicas: maxSurge ceil(2.5) = 3, maxUnavailable floor(2.5) = 2 → 8 old, 5 new.
    const r = deploymentRollout(base);
    expect(r.counts).toEqual({ replicas: 13, updatedReplicas: 5, readyReplicas: 8, availableReplicas: 8, unavailableReplicas: 2 });
    expect(r.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Available", "True", "MinimumReplicasAvailable"],
      ["Progressing", "True", "ReplicaSetUpdated"],
    ]);
    expect(r.deadlineAt).toBe(600 * 1000 * 0.01);
  });
  it("honours explicit surge and unavailability, as numbers or percentages", () => {
    const spec = { replicas: 4, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "50%" } } };
    expect(deploymentRollout({ ...base, spec, status: { availableReplicas: 4 } }).counts).toMatchObject({ readyReplicas: 2, updatedReplicas: 3, replicas: 5 });
    // 0/0 would deadlock; Kubernetes then allows one unavailable pod.
    const none = { replicas: 3, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } };
    expect(deploymentRollout({ ...base, spec: none, status: { availableReplicas: 3 } }).counts).toMatchObject({ readyReplicas: 2, updatedReplicas: 1 });
  });
  it("has no old pods to keep with Recreate or on a first rollout", () => {
    const recreate = deploymentRollout({ ...base, spec: { replicas: 3, strategy: { type: "Recreate" } } });
    expect(recreate.counts).toEqual({ replicas: 3, updatedReplicas: 3, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 3 });
    expect(recreate.conditions[0]).toMatchObject({ type: "Available", status: "False", reason: "MinimumReplicasUnavailable" });
    expect(deploymentRollout({ ...base, spec: { replicas: 2 }, status: {} }).counts).toMatchObject({ availableReplicas: 0, updatedReplicas: 2 });
  });
  it("exceeds its deadline after progressDeadlineSeconds × timeFactor, never when paused or unlimited", () => {
    const spec = { replicas: 2, progressDeadlineSeconds: 30 };
    expect(progressing(deploymentRollout({ ...base, spec, now: 299 }))).toBe("ReplicaSetUpdated");
    const late = deploymentRollout({ ...base, spec, now: 300 });
    expect(progressing(late)).toBe("ProgressDeadlineExceeded");
    expect(late.conditions[1]?.message).toBe('ReplicaSet "web-2" has timed out progressing.');
    expect(late.deadlineAt).toBeUndefined();
    expect(progressing(deploymentRollout({ ...base, spec: { ...spec, paused: true }, now: 1e12 }))).toBe("ReplicaSetUpdated");
    expect(deploymentRollout({ ...base, spec: { replicas: 2, progressDeadlineSeconds: 2147483647 }, now: 1e12 }).deadlineAt).toBeUndefined();
  });
  it("completes at once when the pods can start", () => {
    const r = deploymentRollout({ ...base, stuck: false });
    expect(r.counts).toEqual({ replicas: 10, updatedReplicas: 10, readyReplicas: 10, availableReplicas: 10, unavailableReplicas: 0 });
    expect(progressing(r)).toBe("NewReplicaSetAvailable");
  });
});
