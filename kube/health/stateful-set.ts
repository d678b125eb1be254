import type { KubeObject } from "../kube-object.js";
import { generation, num, str } from "./fields.js";
import { healthy, progressing, type HealthStatus } from "./health-status.js";

/** gitops-engine `pkg/health/health_statefulset.go`. */
export function statefulSetHealth(obj: KubeObject): HealthStatus {
  const observed = num(obj, "status", "observedGeneration") ?? 0;
  if (observed === 0 || generation(obj) > observed) return progressing("Waiting for statefulset spec update to be observed...");
  const replicas = num(obj, "spec", "replicas");
  const ready = num(obj, "status", "readyReplicas") ?? 0;
  if (replicas !== undefined && ready < replicas) return progressing(`Waiting for ${replicas - ready} pods to be ready...`);
  const strategy = str(obj, "spec", "updateStrategy", "type");
  const partition = num(obj, "spec", "updateStrategy", "rollingUpdate", "partition");
  const updated = num(obj, "status", "updatedReplicas") ?? 0;
  if (strategy === "RollingUpdate" && partition !== undefined && replicas !== undefined) {
    if (updated < replicas - partition) {
      return progressing(`Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`);
    }
    return healthy(`partitioned roll out complete: ${updated} new pods have been updated...`);
  }
  if (strategy === "OnDelete") return healthy(`statefulset has ${ready} ready pods`);
  const updateRevision = str(obj, "status", "updateRevision");
  const currentRevision = str(obj, "status", "currentRevision");
  if (updateRevision !== currentRevision) {
    return progressing(`waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision ?? ""}...`);
  }
  return healthy(`statefulset rolling update complete ${num(obj, "status", "currentReplicas") ?? 0} pods at revision ${currentRevision ?? ""}...`);
}
