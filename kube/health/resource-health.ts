import { groupOf, type KubeObject } from "../kube-object.js";
import { daemonSetHealth } from "./daemon-set.js";
import { deploymentHealth } from "./deployment.js";
import { HEALTH, progressing, type HealthStatus } from "./health-status.js";
import { jobHealth } from "./job.js";
import { applyHealthRule, HEALTH_RULE_ANNOTATION, parseHealthRule, type HealthRule } from "./jsonpath-rule.js";
import { podHealth } from "./pod.js";
import { pvcHealth } from "./pvc.js";
import { replicaSetHealth } from "./replica-set.js";
import { sealedSecretHealth } from "./sealed-secret.js";
import { ingressHealth, serviceHealth } from "./service.js";
import { statefulSetHealth } from "./stateful-set.js";

type HealthCheck = (obj: KubeObject) => HealthStatus;

/** Built-in checks by `group/Kind` (core group is empty), as gitops-engine `GetHealthCheckFunc`. */
const CHECKS: ReadonlyMap<string, HealthCheck> = new Map([
  ["apps/Deployment", deploymentHealth],
  ["apps/StatefulSet", statefulSetHealth],
  ["apps/DaemonSet", daemonSetHealth],
  ["apps/ReplicaSet", replicaSetHealth],
  ["batch/Job", jobHealth],
  ["/PersistentVolumeClaim", pvcHealth],
  ["/Service", serviceHealth],
  ["networking.k8s.io/Ingress", ingressHealth],
  ["extensions/Ingress", ingressHealth],
  ["/Pod", podHealth],
  ["bitnami.com/SealedSecret", sealedSecretHealth],
]);

export interface HealthOptions {
  /** Rules configured for whole kinds (`group/Kind`), checked before the built-ins (Argo's resource customizations). */
  readonly overrides?: ReadonlyMap<string, HealthRule>;
  /**
   * Checked after the object's own rule and before overrides and built-ins, as Argo checks its
   * Lua health overrides first; undefined means "no opinion" (the spoke's Lua scripts).
   */
  readonly custom?: ((obj: KubeObject) => HealthStatus | undefined) | undefined;
}

/**
 * One object's health, or undefined when its kind has no health notion (ConfigMaps, RBAC…),
 * which does not count toward app health. Order: deletion pending, the object's own
 * `flotilla.dev/health` rule, the custom hook (Lua scripts), a configured override, the built-in check.
 * A malformed rule reports Degraded with the parse error rather than throwing.
 */
export function resourceHealth(obj: KubeObject | undefined, options: HealthOptions = {}): HealthStatus | undefined {
  if (obj === undefined) return { status: HEALTH.missing };
  if (obj.metadata.deletionTimestamp !== undefined) return progressing("Pending deletion");
  const gk = `${groupOf(obj.apiVersion)}/${obj.kind}`;
  const own = obj.metadata.annotations?.[HEALTH_RULE_ANNOTATION];
  if (own !== undefined) {
    try {
      return applyHealthRule(obj, parseHealthRule(own));
    } catch (err) {
      return { status: HEALTH.degraded, message: err instanceof Error ? err.message : "invalid health rule" };
    }
  }
  const custom = options.custom?.(obj);
  if (custom !== undefined) return custom;
  const override = options.overrides?.get(gk);
  if (override !== undefined) return applyHealthRule(obj, override);
  return CHECKS.get(gk)?.(obj);
}
