import type { KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { str } from "./fields.js";
import { degraded, healthy, progressing, unknown, type HealthStatus } from "./health-status.js";

/** gitops-engine `pkg/health/health_argo.go`: an Argo Workflow by its phase (read untyped, any version). */
export function argoWorkflowHealth(obj: KubeObject): HealthStatus {
  const message = str(obj, "status", "message");
  switch (str(obj, "status", "phase") ?? "") {
    case "":
    case "Pending":
    case "Running":
      return progressing(message);
    case "Succeeded":
      return healthy(message);
    case "Failed":
    case "Error":
      return degraded(message);
    default:
      return unknown(message);
  }
}

export const argoWorkflowCheck: BuiltinCheck = { name: "Workflow", rate: argoWorkflowHealth };
