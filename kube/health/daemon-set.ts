import type { KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { generation, name, num, quote, str } from "./fields.js";
import { healthy, progressing, type HealthStatus } from "./health-status.js";
import { int, object, string, struct } from "./typed-shape.js";

/** gitops-engine `pkg/health/health_daemonset.go`. */
export function daemonSetHealth(obj: KubeObject): HealthStatus {
  if (generation(obj) > (num(obj, "status", "observedGeneration") ?? 0)) {
    return progressing("Waiting for rollout to finish: observed daemon set generation less than desired generation");
  }
  const desired = num(obj, "status", "desiredNumberScheduled") ?? 0;
  const updated = num(obj, "status", "updatedNumberScheduled") ?? 0;
  const available = num(obj, "status", "numberAvailable") ?? 0;
  if (str(obj, "spec", "updateStrategy", "type") === "OnDelete") return healthy(`daemon set ${String(updated)} out of ${String(desired)} new pods have been updated`);
  if (updated < desired) return progressing(`Waiting for daemon set ${quote(name(obj))} rollout to finish: ${String(updated)} out of ${String(desired)} new pods have been updated...`);
  if (available < desired) return progressing(`Waiting for daemon set ${quote(name(obj))} rollout to finish: ${String(available)} of ${String(desired)} updated pods are available...`);
  return healthy();
}

export const daemonSetCheck: BuiltinCheck = {
  name: "DaemonSet",
  versions: ["apps/v1"],
  shape: object(
    struct({ updateStrategy: struct({ type: string }) }),
    struct({ observedGeneration: int, desiredNumberScheduled: int, updatedNumberScheduled: int, numberAvailable: int }),
  ),
  rate: daemonSetHealth,
};
