import type { KubeObject } from "../kube-object.js";
import { at, conditions, str } from "./fields.js";
import { HEALTH, type HealthResult, type HealthStatusCode } from "./health-status.js";
import { condition, list, struct } from "./typed-shape.js";

/** API groups Kubernetes itself serves; any other group is a custom resource (Gateway API's included). */
const KUBERNETES_GROUPS = new Set([
  "",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
  "apps",
  "authentication.k8s.io",
  "authorization.k8s.io",
  "autoscaling",
  "batch",
  "certificates.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "events.k8s.io",
  "extensions",
  "flowcontrol.apiserver.k8s.io",
  "internal.apiserver.k8s.io",
  "networking.k8s.io",
  "node.k8s.io",
  "policy",
  "rbac.authorization.k8s.io",
  "resource.k8s.io",
  "scheduling.k8s.io",
  "storage.k8s.io",
  "storagemigration.k8s.io",
]);

export function isCustomResource(group: string, kind: string): boolean {
  return kind !== "" && !KUBERNETES_GROUPS.has(group);
}

/** kstatus results (sigs.k8s.io/cli-utils `pkg/kstatus/status`). */
export const KSTATUS = {
  current: "Current",
  inProgress: "InProgress",
  failed: "Failed",
  terminating: "Terminating",
  notFound: "NotFound",
  unknown: "Unknown",
} as const;
export type KStatus = (typeof KSTATUS)[keyof typeof KSTATUS];

/** How a kstatus result reads as an Argo health status (docs/health.md). */
export const KSTATUS_HEALTH: Readonly<Record<KStatus, HealthStatusCode>> = {
  Current: HEALTH.healthy,
  InProgress: HEALTH.progressing,
  Failed: HEALTH.degraded,
  Terminating: HEALTH.progressing,
  NotFound: HEALTH.missing,
  Unknown: HEALTH.unknown,
};

export interface KStatusResult {
  readonly status: KStatus;
  readonly message: string;
}

const withConditions = struct({ status: struct({ conditions: list(condition) }) });

/** NestedInt64: absent is fine, anything but an integer is an error (Go's accessor error). */
function int64(obj: KubeObject, path: readonly string[]): { found: boolean; value: number } {
  const v = at(obj, path);
  if (v === undefined) return { found: false, value: 0 };
  if (typeof v !== "number" || !Number.isSafeInteger(v)) {
    throw new Error(`looking up ${path.join(".")} from resource: .${path.join(".")} accessor error: ${JSON.stringify(v) ?? "?"} is of the wrong type, expected int64`);
  }
  return { found: true, value: v };
}

/**
 * kstatus `Compute` for a resource with no kind-specific rule: deletion, then `observedGeneration`
 * against `metadata.generation`, then `Reconciling`/`Stalled` conditions, then `Ready`; an object
 * saying none of these is Current. Throws where kstatus returns an error (fields of the wrong type).
 */
export function computeKStatus(obj: KubeObject): KStatusResult {
  const deletion = at(obj, ["metadata", "deletionTimestamp"]);
  if (deletion !== undefined && deletion !== null && typeof deletion !== "string") throw new Error("looking up metadata.deletionTimestamp from resource: expected string");
  if (typeof deletion === "string" && deletion !== "") return { status: KSTATUS.terminating, message: "Resource scheduled for deletion" };
  const gen = int64(obj, ["metadata", "generation"]);
  if (gen.found) {
    const observed = int64(obj, ["status", "observedGeneration"]);
    if (observed.found && observed.value !== gen.value) {
      return {
        status: KSTATUS.inProgress,
        message: `${str(obj, "kind") ?? ""} generation is ${String(gen.value)}, but latest observed generation is ${String(observed.value)}`,
      };
    }
  }
  const bad = withConditions(obj, "");
  if (bad !== undefined) throw new Error(bad);
  const conds = conditions(obj);
  for (const c of conds) {
    if (c.type === "Reconciling" && c.status === "True") return { status: KSTATUS.inProgress, message: c.message ?? "" };
    if (c.type === "Stalled" && c.status === "True") return { status: KSTATUS.failed, message: c.message ?? "" };
  }
  for (const c of conds) {
    if (c.type !== "Ready") continue;
    if (c.status === "True") return { status: KSTATUS.current, message: "Resource is Ready" };
    if (c.status === "False" || c.status === "Unknown") return { status: KSTATUS.inProgress, message: c.message ?? "" };
  }
  return { status: KSTATUS.current, message: "Resource is current" };
}

/** The `kstatus` rule: kstatus's verdict in Argo's health terms; an error is Unknown with its text. */
export function kstatusHealth(obj: KubeObject): HealthResult {
  let result: KStatusResult;
  try {
    result = computeKStatus(obj);
  } catch (err) {
    result = { status: KSTATUS.unknown, message: err instanceof Error ? err.message : String(err) };
  }
  const status = KSTATUS_HEALTH[result.status];
  return result.message === "" ? { status, rule: "kstatus" } : { status, message: result.message, rule: "kstatus" };
}
