import type { KubeObject } from "../kube-object.js";
import { apiServiceCheck } from "./api-service.js";
import { argoWorkflowCheck } from "./argo-workflow.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { daemonSetCheck } from "./daemon-set.js";
import { deploymentCheck } from "./deployment.js";
import { str } from "./fields.js";
import { HEALTH, type HealthResult } from "./health-status.js";
import { hpaCheck } from "./hpa.js";
import { jobCheck } from "./job.js";
import { podCheck } from "./pod.js";
import { pvcCheck } from "./pvc.js";
import { replicaSetCheck } from "./replica-set.js";
import { sealedSecretCheck } from "./sealed-secret.js";
import { ingressCheck, serviceCheck } from "./service.js";
import { statefulSetCheck } from "./stateful-set.js";

/**
 * Built-in checks by `group/Kind` (core group is empty), as gitops-engine `GetHealthCheckFunc`,
 * plus SealedSecret (an Argo CD resource customization we ship as code, Flotilla being its controller's peer).
 */
const CHECKS: ReadonlyMap<string, BuiltinCheck> = new Map([
  ["apps/Deployment", deploymentCheck],
  ["apps/StatefulSet", statefulSetCheck],
  ["apps/ReplicaSet", replicaSetCheck],
  ["apps/DaemonSet", daemonSetCheck],
  ["extensions/Ingress", ingressCheck],
  ["networking.k8s.io/Ingress", ingressCheck],
  ["argoproj.io/Workflow", argoWorkflowCheck],
  ["apiregistration.k8s.io/APIService", apiServiceCheck],
  ["/Service", serviceCheck],
  ["/PersistentVolumeClaim", pvcCheck],
  ["/Pod", podCheck],
  ["batch/Job", jobCheck],
  ["autoscaling/HorizontalPodAutoscaler", hpaCheck],
  ["bitnami.com/SealedSecret", sealedSecretCheck],
]);

export function hasBuiltinCheck(group: string, kind: string): boolean {
  return CHECKS.has(`${group}/${kind}`);
}

/**
 * The built-in rating, or undefined when the kind has none. Like gitops-engine, a version the Go
 * check does not convert, or a field of the wrong type, is Unknown with the reason.
 */
export function builtinHealth(obj: KubeObject, group: string, kind: string): HealthResult | undefined {
  const check = CHECKS.get(`${group}/${kind}`);
  if (check === undefined) return undefined;
  const rule = `builtin:${kind}`;
  const apiVersion = str(obj, "apiVersion") ?? "";
  if (check.versions !== undefined && !check.versions.includes(apiVersion)) {
    const version = apiVersion.slice(apiVersion.indexOf("/") + 1);
    return { status: HEALTH.unknown, message: `unsupported ${check.name} GVK: ${group}/${version}, Kind=${kind}`, rule };
  }
  const bad = check.shape?.(obj, "");
  if (bad !== undefined) return { status: HEALTH.unknown, message: `failed to convert unstructured ${check.name} to typed: ${bad}`, rule };
  try {
    return { ...check.rate(obj), rule };
  } catch (err) {
    // The shapes should make this unreachable; if a check still trips, the object is Unknown, never a crash.
    return { status: HEALTH.unknown, message: err instanceof Error ? err.message : String(err), rule };
  }
}
