import { isRecord, type KubeObject } from "../kube-object.js";
import { at, condition, str } from "./fields.js";
import { degraded, healthy, progressing, unknown, type HealthStatus } from "./health-status.js";

function waitingError(obj: KubeObject): string | undefined {
  for (const list of ["initContainerStatuses", "containerStatuses"]) {
    const statuses = at(obj, ["status", list]);
    if (!Array.isArray(statuses)) continue;
    for (const s of statuses) {
      const waiting = isRecord(s) ? at(s, ["state", "waiting"]) : undefined;
      if (!isRecord(waiting) || typeof waiting.reason !== "string") continue;
      const reason = waiting.reason;
      if (reason.startsWith("Err") || reason.endsWith("Error") || reason.endsWith("BackOff")) {
        return typeof waiting.message === "string" ? waiting.message : reason;
      }
    }
  }
  return undefined;
}

/** gitops-engine `pkg/health/health_pod.go` (the parts that do not need the pod's events). */
export function podHealth(obj: KubeObject): HealthStatus {
  const restartPolicy = str(obj, "spec", "restartPolicy") ?? "Always";
  if (restartPolicy === "Always") {
    const err = waitingError(obj);
    if (err !== undefined) return degraded(err);
  }
  const message = str(obj, "status", "message");
  switch (str(obj, "status", "phase")) {
    case "Pending":
      return progressing(message);
    case "Succeeded":
      return healthy(message);
    case "Failed":
      return degraded(message ?? "pod failed");
    case "Running":
      if (restartPolicy === "Always") return condition(obj, "Ready")?.status === "True" ? healthy(message) : progressing(message);
      return progressing(message);
    default:
      return unknown(message);
  }
}
