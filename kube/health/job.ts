import type { KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { conditions } from "./fields.js";
import { degraded, healthy, progressing, suspended, type HealthStatus } from "./health-status.js";
import { condition, list, object, struct } from "./typed-shape.js";

/**
 * gitops-engine `pkg/health/health_job.go`. A suspended Job carries its Suspended condition's
 * message, as Argo CD's current gitops-engine does (the standalone repository left it empty).
 */
export function jobHealth(obj: KubeObject): HealthStatus {
  let failed = false;
  let complete = false;
  let isSuspended = false;
  let failMsg: string | undefined;
  let message: string | undefined;
  for (const c of conditions(obj)) {
    switch (c.type) {
      case "Failed":
        failed = true;
        complete = true;
        failMsg = c.message;
        break;
      case "Complete":
        complete = true;
        message = c.message;
        break;
      case "Suspended":
        complete = true;
        message = c.message;
        if (c.status === "True") isSuspended = true;
        break;
      default:
        break;
    }
  }
  if (!complete) return progressing(message);
  if (failed) return degraded(failMsg);
  if (isSuspended) return suspended(message);
  return healthy(message);
}

export const jobCheck: BuiltinCheck = {
  name: "Job",
  versions: ["batch/v1"],
  shape: object(struct({}), struct({ conditions: list(condition) })),
  rate: jobHealth,
};
