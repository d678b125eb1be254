import type { KubeObject } from "../kube-object.js";
import { condition, generation, num } from "./fields.js";
import { degraded, healthy, progressing, suspended, type HealthStatus } from "./health-status.js";

/** gitops-engine `pkg/health/health_deployment.go`. */
export function deploymentHealth(obj: KubeObject): HealthStatus {
  if (obj.spec !== undefined && (obj.spec as { paused?: unknown }).paused === true) return suspended("Deployment is paused");
  const observed = num(obj, "status", "observedGeneration") ?? 0;
  if (generation(obj) <= observed) {
    const cond = condition(obj, "Progressing");
    if (cond?.reason === "ProgressDeadlineExceeded") return degraded(`Deployment "${obj.metadata.name}" exceeded its progress deadline`);
    const replicas = num(obj, "spec", "replicas");
    const updated = num(obj, "status", "updatedReplicas") ?? 0;
    const total = num(obj, "status", "replicas") ?? 0;
    const available = num(obj, "status", "availableReplicas") ?? 0;
    if (replicas !== undefined && updated < replicas) {
      return progressing(`Waiting for rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`);
    }
    if (total > updated) return progressing(`Waiting for rollout to finish: ${total - updated} old replicas are pending termination...`);
    if (available < updated) return progressing(`Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`);
    return healthy();
  }
  return progressing("Waiting for rollout to finish: observed deployment generation less than desired generation");
}
