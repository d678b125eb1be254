import { isRecord, type KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { annotation, at, condition, list, num, str } from "./fields.js";
import { degraded, healthy, progressing, unknown, type HealthStatus } from "./health-status.js";
import { condition as conditionShape, int, list as listOf, object, string, struct } from "./typed-shape.js";

/** Argo CD annotation: rate a Never/OnFailure pod like a long-running one (not honoured on hooks). */
export const IGNORE_RESTART_POLICY_ANNOTATION = "argocd.argoproj.io/ignore-restart-policy";
const HOOK_ANNOTATION = "argocd.argoproj.io/hook";
const HOOK_TYPES = new Set(["PreSync", "Sync", "PostSync", "SyncFail", "Skip"]);

/** gitops-engine `hook.IsHook`: an Argo hook annotation that is not `Skip` alone, or a Helm hook (not `crd-install`). */
function isHook(obj: KubeObject): boolean {
  const argo = annotation(obj, HOOK_ANNOTATION);
  const helm = annotation(obj, "helm.sh/hook");
  if (argo !== undefined) {
    let types = [...new Set(argo.split(",").map((t) => t.trim()))].filter((t) => HOOK_TYPES.has(t));
    // Helm's types count only when the Argo annotation names none we know.
    if (types.length === 0 && helm !== undefined) types = [...new Set(helm.split(",").map((t) => t.trim()))].filter((t) => t !== "");
    return !(types.includes("Skip") && types.length === 1);
  }
  return helm !== undefined && helm !== "crd-install";
}

/** gitops-engine's `getFailMessage`: what a terminated container says about the failure. */
function failMessage(ctr: unknown): string {
  const terminated = at(ctr, ["state", "terminated"]);
  if (!isRecord(terminated)) return "";
  const message = str(terminated, "message") ?? "";
  if (message !== "") return message;
  if (str(terminated, "reason") === "OOMKilled") return "OOMKilled";
  const exitCode = num(terminated, "exitCode") ?? 0;
  if (exitCode !== 0) return `container ${JSON.stringify(str(ctr, "name") ?? "")} failed with exit code ${String(exitCode)}`;
  return "";
}

const WAITING_ERROR = (reason: string): boolean => reason.startsWith("Err") || reason.endsWith("Error") || reason.endsWith("BackOff");

/**
 * gitops-engine `pkg/health/health_pod.go`. Waiting errors count only for pods that restart for
 * ever (Degrading a Never/OnFailure hook pod on ImagePullBackOff would fail the sync too early).
 */
export function podHealth(obj: KubeObject): HealthStatus {
  const policy = str(obj, "spec", "restartPolicy") ?? "";
  const longRunning = policy === "Always" || (annotation(obj, IGNORE_RESTART_POLICY_ANNOTATION) === "true" && !isHook(obj));
  const containers = list(obj, "status", "containerStatuses");
  if (longRunning) {
    const messages: string[] = [];
    for (const c of containers) {
      const reason = str(c, "state", "waiting", "reason");
      if (reason !== undefined && WAITING_ERROR(reason)) messages.push(str(c, "state", "waiting", "message") ?? "");
    }
    if (messages.length > 0) return degraded(messages.join(", "));
  }
  const message = str(obj, "status", "message");
  switch (str(obj, "status", "phase")) {
    case "Pending":
      return progressing(message);
    case "Succeeded":
      return healthy(message);
    case "Failed": {
      if (message !== undefined && message !== "") return degraded(message);
      for (const c of [...list(obj, "status", "initContainerStatuses"), ...containers]) {
        const msg = failMessage(c);
        if (msg !== "") return degraded(msg);
      }
      return degraded();
    }
    case "Running":
      if (longRunning) {
        if (condition(obj, "Ready")?.status === "True") return healthy(message);
        // Not ready after a container already died once: crash-looping between restarts.
        if (containers.some((c) => isRecord(at(c, ["lastState", "terminated"])))) return degraded(message);
        return progressing(message);
      }
      // Finite pods (usually hooks) are Progressing until they end.
      if (policy === "OnFailure" || policy === "Never") return progressing(message);
      return unknown(message);
    default:
      return unknown(message);
  }
}

const terminated = struct({ exitCode: int, reason: string, message: string });
const containerStatus = struct({
  name: string,
  state: struct({ waiting: struct({ reason: string, message: string }), terminated }),
  lastState: struct({ terminated }),
});

export const podCheck: BuiltinCheck = {
  name: "Pod",
  versions: ["v1"],
  shape: object(
    struct({ restartPolicy: string }),
    struct({ phase: string, message: string, conditions: listOf(conditionShape), containerStatuses: listOf(containerStatus), initContainerStatuses: listOf(containerStatus) }),
  ),
  rate: podHealth,
};
