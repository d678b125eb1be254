import type { KubeObject } from "../kube-object.js";
import { conditions } from "./fields.js";
import { degraded, healthy, progressing, suspended, type HealthStatus } from "./health-status.js";

/** gitops-engine `pkg/health/health_job.go`. */
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
  if (isSuspended) return suspended(failMsg);
  return healthy(message);
}
