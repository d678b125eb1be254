import type { KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { condition, generation, num } from "./fields.js";
import { degraded, healthy, progressing, type HealthStatus } from "./health-status.js";
import { condition as conditionShape, int, list, object, struct } from "./typed-shape.js";

/** gitops-engine `pkg/health/health_replicaset.go`. */
export function replicaSetHealth(obj: KubeObject): HealthStatus {
  if (generation(obj) > (num(obj, "status", "observedGeneration") ?? 0)) {
    return progressing("Waiting for rollout to finish: observed replica set generation less than desired generation");
  }
  const failure = condition(obj, "ReplicaFailure");
  if (failure?.status === "True") return degraded(failure.message);
  const replicas = num(obj, "spec", "replicas");
  const available = num(obj, "status", "availableReplicas") ?? 0;
  if (replicas !== undefined && available < replicas) {
    return progressing(`Waiting for rollout to finish: ${String(available)} out of ${String(replicas)} new replicas are available...`);
  }
  return healthy();
}

export const replicaSetCheck: BuiltinCheck = {
  name: "ReplicaSet",
  versions: ["apps/v1"],
  shape: object(struct({ replicas: int }), struct({ observedGeneration: int, availableReplicas: int, conditions: list(conditionShape) })),
  rate: replicaSetHealth,
};
