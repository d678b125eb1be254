import type { KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { str } from "./fields.js";
import { degraded, healthy, progressing, unknown, type HealthStatus } from "./health-status.js";
import { object, string, struct } from "./typed-shape.js";

/** gitops-engine `pkg/health/health_pvc.go`. */
export function pvcHealth(obj: KubeObject): HealthStatus {
  switch (str(obj, "status", "phase")) {
    case "Lost":
      return degraded();
    case "Pending":
      return progressing();
    case "Bound":
      return healthy();
    default:
      return unknown();
  }
}

export const pvcCheck: BuiltinCheck = {
  name: "PersistentVolumeClaim",
  versions: ["v1"],
  shape: object(struct({}), struct({ phase: string })),
  rate: pvcHealth,
};
