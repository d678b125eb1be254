import type { KubeObject } from "../kube-object.js";
import { generation, num, str } from "./fields.js";
import { healthy, progressing, type HealthStatus } from "./health-status.js";

/** gitops-engine `pkg/health/health_daemonset.go`. */
export function daemonSetHealth(obj: KubeObject): HealthStatus {
  const observed = num(obj, "status", "observedGeneration") ?? 0;
  if (observed === 0 || generation(obj) > observed) return progressing("Waiting for rollout to finish: observed daemon set generation less than desired generation");
  if (str(obj, "spec", "updateStrategy", "type") === "OnDelete") {
    return healthy(`daemon set ${num(obj, "status", "currentNumberScheduled") ?? 0} out of ${num(obj, "status", "desiredNumberScheduled") ?? 0} new pods have been updated`);
  }
  const desired = num(obj, "status", "desiredNumberScheduled") ?? 0;
  const updated = num(obj, "status", "updatedNumberScheduled") ?? 0;
  const available = num(obj, "status", "numberAvailable") ?? 0;
  if (updated < desired) return progressing(`Waiting for daemon set "${obj.metadata.name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`);
  if (available < desired) return progressing(`Waiting for daemon set "${obj.metadata.name}" rollout to finish: ${available} of ${desired} updated pods are available...`);
  return healthy();
}
