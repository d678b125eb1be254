import type { KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { at, generation, num, str } from "./fields.js";
import { healthy, progressing, type HealthStatus } from "./health-status.js";
import { int, intOrString, object, string, struct } from "./typed-shape.js";

/** gitops-engine `pkg/health/health_statefulset.go`. */
export function statefulSetHealth(obj: KubeObject): HealthStatus {
  const observed = num(obj, "status", "observedGeneration") ?? 0;
  if (observed === 0 || generation(obj) > observed) return progressing("Waiting for statefulset spec update to be observed...");
  const replicas = num(obj, "spec", "replicas");
  const ready = num(obj, "status", "readyReplicas") ?? 0;
  if (replicas !== undefined && ready < replicas) return progressing(`Waiting for ${String(replicas - ready)} pods to be ready...`);
  const strategy = str(obj, "spec", "updateStrategy", "type") ?? "";
  const updated = num(obj, "status", "updatedReplicas") ?? 0;
  // Go tests the pointer: a `rollingUpdate: {}` without a partition still takes this branch.
  const rollingUpdate = at(obj, ["spec", "updateStrategy", "rollingUpdate"]);
  if (strategy === "RollingUpdate" && rollingUpdate !== undefined && rollingUpdate !== null) {
    const partition = num(obj, "spec", "updateStrategy", "rollingUpdate", "partition");
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return progressing(`Waiting for partitioned roll out to finish: ${String(updated)} out of ${String(replicas - partition)} new pods have been updated...`);
    }
    return healthy(`partitioned roll out complete: ${String(updated)} new pods have been updated...`);
  }
  if (strategy === "OnDelete") return healthy(`statefulset has ${String(ready)} ready pods`);
  const updateRevision = str(obj, "status", "updateRevision") ?? "";
  const currentRevision = str(obj, "status", "currentRevision") ?? "";
  if (updateRevision !== currentRevision) {
    return progressing(`waiting for statefulset rolling update to complete ${String(updated)} pods at revision ${updateRevision}...`);
  }
  return healthy(`statefulset rolling update complete ${String(num(obj, "status", "currentReplicas") ?? 0)} pods at revision ${currentRevision}...`);
}

export const statefulSetCheck: BuiltinCheck = {
  name: "StatefulSet",
  versions: ["apps/v1"],
  shape: object(
    struct({ replicas: int, updateStrategy: struct({ type: string, rollingUpdate: struct({ partition: int, maxUnavailable: intOrString }) }) }),
    struct({ observedGeneration: int, readyReplicas: int, updatedReplicas: int, currentReplicas: int, updateRevision: string, currentRevision: string }),
  ),
  rate: statefulSetHealth,
};
