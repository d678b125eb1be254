import type { KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { condition } from "./fields.js";
import { healthy, progressing, type HealthStatus } from "./health-status.js";
import { condition as conditionShape, list, object, struct } from "./typed-shape.js";

/** gitops-engine `pkg/health/health_apiservice.go` (v1 and v1beta1 read alike). */
export function apiServiceHealth(obj: KubeObject): HealthStatus {
  const available = condition(obj, "Available");
  if (available === undefined) return progressing("Waiting to be processed");
  const message = `${available.reason ?? ""}: ${available.message ?? ""}`;
  return available.status === "True" ? healthy(message) : progressing(message);
}

export const apiServiceCheck: BuiltinCheck = {
  name: "APIService",
  versions: ["apiregistration.k8s.io/v1", "apiregistration.k8s.io/v1beta1"],
  shape: object(struct({}), struct({ conditions: list(conditionShape) })),
  rate: apiServiceHealth,
};
