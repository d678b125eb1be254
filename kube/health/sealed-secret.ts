import type { KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { condition, generation, num } from "./fields.js";
import { degraded, healthy, progressing, type HealthStatus } from "./health-status.js";

/**
 * Argo CD's `bitnami.com/SealedSecret` health script: the controller's `Synced` condition decides;
 * an unobserved generation is still progressing.
 */
export function sealedSecretHealth(obj: KubeObject): HealthStatus {
  const observed = num(obj, "status", "observedGeneration");
  if (observed !== undefined && observed < generation(obj)) return progressing("Waiting for the SealedSecret to be unsealed");
  const synced = condition(obj, "Synced");
  if (synced === undefined) return progressing("Waiting for the SealedSecret to be unsealed");
  if (synced.status === "True") return healthy(synced.message);
  return degraded(synced.message ?? "Failed to unseal");
}

export const sealedSecretCheck: BuiltinCheck = { name: "SealedSecret", rate: sealedSecretHealth };
