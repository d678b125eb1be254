import type { KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { at, condition, generation, name, num, quote } from "./fields.js";
import { degraded, healthy, progressing, suspended, type HealthStatus } from "./health-status.js";
import { bool, condition as conditionShape, int, list, object, struct } from "./typed-shape.js";

/** gitops-engine `pkg/health/health_deployment.go`. */
export function deploymentHealth(obj: KubeObject): HealthStatus {
  if (at(obj, ["spec", "paused"]) === true) return suspended("Deployment is paused");
  const observed = num(obj, "status", "observedGeneration") ?? 0;
  if (generation(obj) > observed) return progressing("Waiting for rollout to finish: observed deployment generation less than desired generation");
  const replicas = num(obj, "spec", "replicas");
  const updated = num(obj, "status", "updatedReplicas") ?? 0;
  const total = num(obj, "status", "replicas") ?? 0;
  const available = num(obj, "status", "availableReplicas") ?? 0;
  if (condition(obj, "Progressing")?.reason === "ProgressDeadlineExceeded") return degraded(`Deployment ${quote(name(obj))} exceeded its progress deadline`);
  if (replicas !== undefined && updated < replicas) return progressing(`Waiting for rollout to finish: ${String(updated)} out of ${String(replicas)} new replicas have been updated...`);
  if (total > updated) return progressing(`Waiting for rollout to finish: ${String(total - updated)} old replicas are pending termination...`);
  if (available < updated) return progressing(`Waiting for rollout to finish: ${String(available)} of ${String(updated)} updated replicas are available...`);
  return healthy();
}

export const deploymentCheck: BuiltinCheck = {
  name: "Deployment",
  versions: ["apps/v1"],
  shape: object(
    struct({ paused: bool, replicas: int }),
    struct({ observedGeneration: int, replicas: int, updatedReplicas: int, availableReplicas: int, conditions: list(conditionShape) }),
  ),
  rate: deploymentHealth,
};
