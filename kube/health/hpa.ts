import { isRecord, type KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { annotation, conditions } from "./fields.js";
import { HEALTH, degraded, healthy, type HealthStatus } from "./health-status.js";
import { condition as conditionShape, list, object, struct } from "./typed-shape.js";

/** Where autoscaling/v1 keeps the conditions v2 has in its status. */
export const HPA_CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";

interface HpaCondition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

const WAITING: HealthStatus = { status: HEALTH.progressing, message: "Waiting to Autoscale" };

const DEGRADED_REASONS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["AbleToScale", new Set(["FailedGetScale", "FailedUpdateScale"])],
  [
    "ScalingActive",
    // The first two are the standalone gitops-engine's; the rest Argo CD added later (all are metric failures).
    new Set(["FailedGetResourceMetric", "InvalidSelector", "FailedGetObjectMetric", "FailedGetPodsMetric", "FailedGetExternalMetric", "FailedComputeMetricsReplicas"]),
  ],
]);
const HEALTHY_TYPES = new Set(["AbleToScale", "ScalingLimited"]);

/**
 * gitops-engine's `checkConditions`: the first condition that is a known failure (Degraded) or a
 * True AbleToScale/ScalingLimited (Healthy) decides; none: waiting to autoscale. This is the
 * standalone gitops-engine order; Argo CD 3.x looks for failures in all conditions first (see docs/health.md).
 */
function checkConditions(list: readonly HpaCondition[]): HealthStatus {
  for (const c of list) {
    if (DEGRADED_REASONS.get(c.type)?.has(c.reason) === true) return degraded(c.message);
    if (HEALTHY_TYPES.has(c.type) && c.status === "True") return healthy(c.message);
  }
  return WAITING;
}

/** Go's encoding/json matches field names case-insensitively; a string field refuses any other type. */
function decodeCondition(value: unknown, index: number): HpaCondition {
  if (value === null) return { type: "", status: "", reason: "", message: "" };
  if (!isRecord(value)) throw new Error(`json: cannot unmarshal ${typeof value} into Go value of type health.hpaCondition`);
  const out: Record<string, string> = { type: "", status: "", reason: "", message: "" };
  for (const [key, v] of Object.entries(value)) {
    const field = key.toLowerCase();
    if (!(field in out) || v === null) continue;
    if (typeof v !== "string") throw new Error(`json: cannot unmarshal ${typeof v} into Go struct field hpaCondition.${field} of type string (condition ${String(index)})`);
    out[field] = v;
  }
  return out as unknown as HpaCondition;
}

function v1Health(obj: KubeObject): HealthStatus {
  const text = annotation(obj, HPA_CONDITIONS_ANNOTATION);
  if (text === undefined) return WAITING;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
    if (parsed !== null && !Array.isArray(parsed)) throw new Error(`json: cannot unmarshal ${typeof parsed} into Go value of type []health.hpaCondition`);
    const list = (parsed ?? []).map(decodeCondition);
    return list.length === 0 ? WAITING : checkConditions(list);
  } catch (err) {
    return { status: HEALTH.unknown, message: `failed to convert conditions annotation to typed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** gitops-engine `pkg/health/health_hpa.go`: v1 from its conditions annotation, v2/v2beta1/v2beta2 from status.conditions. */
export function hpaHealth(obj: KubeObject): HealthStatus {
  if (obj.apiVersion === "autoscaling/v1") return v1Health(obj);
  return checkConditions(conditions(obj).map((c) => ({ type: c.type, status: c.status, reason: c.reason ?? "", message: c.message ?? "" })));
}

export const hpaCheck: BuiltinCheck = {
  name: "HPA",
  versions: ["autoscaling/v1", "autoscaling/v2", "autoscaling/v2beta1", "autoscaling/v2beta2"],
  shape: object(struct({}), struct({ conditions: list(conditionShape) })),
  rate: hpaHealth,
};
