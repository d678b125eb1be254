import type { KubeObject } from "../kube-object.js";
import { condition, generation, num } from "./fields.js";
import { degraded, healthy, progressing, type HealthStatus } from "./health-status.js";

/** gitops-engine `pkg/health/health_replicaset.go`. */
export function replicaSetHealth(obj: KubeObject): HealthStatus {
  const observed = num(obj, "status", "observedGeneration") ?? 0;
  if (generation(obj) <= observed) {
    const failure = condition(obj, "ReplicaFailure");
    if (failure?.status === "True") return degraded(failure.message);
    const replicas = num(obj, "spec", "replicas");
    const available = num(obj, "status", "availableReplicas") ?? 0;
    if (replicas !== undefined && available < replicas) {
      return progressing(`Waiting for rollout to finish: ${available} out of ${replicas} new replicas are available...`);
    }
    return healthy();
  }
  return progressing("Waiting for rollout to finish: observed replica set generation less than desired generation");
}
