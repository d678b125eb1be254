import type { KubeObject } from "../kube/index.js";

/** Upstream's annotations on a live Secret (`sealedsecrets.bitnami.com/...`). */
export const MANAGED_ANNOTATION = "sealedsecrets.bitnami.com/managed";
export const PATCH_ANNOTATION = "sealedsecrets.bitnami.com/patch";

/** The controller's condition reasons and event reasons (pkg/controller/controller.go). */
export const SEALED_REASON = {
  unsealed: "Unsealed",
  unsealFailed: "ErrUnsealFailed",
  updateFailed: "ErrUpdateFailed",
} as const;

export const UNSEALED_MESSAGE = "SealedSecret unsealed successfully";

/** What to do with the Secret a SealedSecret stands for. */
export type SecretPlan =
  | { readonly kind: "create"; readonly secret: KubeObject }
  | { readonly kind: "update"; readonly secret: KubeObject }
  | { readonly kind: "unchanged" }
  | { readonly kind: "refuse"; readonly message: string };

type Meta = KubeObject["metadata"];

function record(value: unknown): Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, string>) : {};
}

function ownerRefs(meta: Meta): Array<Record<string, unknown>> {
  const refs = (meta as { ownerReferences?: unknown }).ownerReferences;
  return Array.isArray(refs) ? (refs as Array<Record<string, unknown>>) : [];
}

/** `metav1.IsControlledBy`: the Secret's controller reference is this SealedSecret (by uid). */
export function isControlledBy(secret: KubeObject, ownerUid: string): boolean {
  return ownerRefs(secret.metadata).some((r) => r.controller === true && r.uid === ownerUid);
}

/** Stable JSON for comparing maps and lists whatever their key order (semantic DeepEqual). */
function same(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(
        Object.entries(v)
          .filter(([, x]) => x !== undefined)
          .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
          .map(([k, x]) => [k, norm(x)]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

function emptyToUndefined<T extends object>(v: T | undefined): T | undefined {
  return v === undefined || Object.keys(v).length === 0 ? undefined : v;
}

/**
 * The controller's update rule (`Controller.unseal`), as data: a missing Secret is created; an
 * existing one is changed only when this SealedSecret controls it or it says `managed: "true"` or
 * `patch: "true"`; `patch` merges data, labels and annotations into it (owner references only when
 * also managed), otherwise data, labels, annotations and owner references are replaced; the type
 * always follows the template. Nothing is written when the result equals the live Secret, so a
 * cluster moved from the controller sees no write at all.
 */
export function planSecret(unsealed: KubeObject, live: KubeObject | undefined, ownerUid: string): SecretPlan {
  if (live === undefined) return { kind: "create", secret: unsealed };
  const liveAnnotations = record(live.metadata.annotations);
  const managed = liveAnnotations[MANAGED_ANNOTATION] === "true";
  const patch = liveAnnotations[PATCH_ANNOTATION] === "true";
  if (!isControlledBy(live, ownerUid) && !managed && !patch) {
    return { kind: "refuse", message: `Resource "${live.metadata.name ?? ""}" already exists and is not managed by SealedSecret` };
  }
  const next = structuredClone(live);
  const meta = next.metadata as Meta & { ownerReferences?: unknown };
  const newData = record(unsealed.data);
  const newLabels = record(unsealed.metadata.labels);
  const newAnnotations = record(unsealed.metadata.annotations);
  if (patch) {
    next.data = { ...record(live.data), ...newData };
    meta.labels = { ...record(live.metadata.labels), ...newLabels };
    meta.annotations = { ...liveAnnotations, ...newAnnotations };
    if (managed) meta.ownerReferences = ownerRefs(unsealed.metadata).length === 0 ? undefined : ownerRefs(unsealed.metadata);
  } else {
    next.data = newData;
    meta.labels = emptyToUndefined(newLabels);
    meta.annotations = emptyToUndefined(newAnnotations);
    meta.ownerReferences = ownerRefs(unsealed.metadata).length === 0 ? undefined : ownerRefs(unsealed.metadata);
  }
  // The API server stores an empty type as Opaque.
  next.type = typeof unsealed.type === "string" && unsealed.type !== "" ? unsealed.type : "Opaque";
  const unchanged =
    same(record(live.data), record(next.data)) &&
    same(emptyToUndefined(record(live.metadata.labels)), emptyToUndefined(record(meta.labels))) &&
    same(emptyToUndefined(liveAnnotations), emptyToUndefined(record(meta.annotations))) &&
    same(ownerRefs(live.metadata), ownerRefs(meta)) &&
    (live.type ?? "Opaque") === next.type;
  if (unchanged) return { kind: "unchanged" };
  for (const key of ["labels", "annotations", "ownerReferences"] as const) if (meta[key] === undefined) delete meta[key];
  return { kind: "update", secret: next };
}

export interface SyncedCondition {
  readonly type: "Synced";
  readonly status: "True" | "False";
  readonly message?: string;
  readonly reason?: string;
  readonly lastUpdateTime: string;
  readonly lastTransitionTime: string;
}

/**
 * `updateSealedSecretsStatusConditions` plus the observedGeneration rule: the new status, or
 * undefined when neither the condition's status nor the observed generation changed (the controller
 * writes nothing then). The message is the error's (codes, items and fields, never a value).
 */
export function nextStatus(sealed: KubeObject, failure: { readonly reason: string; readonly message: string } | undefined, now: string): Record<string, unknown> | undefined {
  const status = record(sealed.status) as unknown as { conditions?: unknown; observedGeneration?: unknown };
  const conditions = Array.isArray(status.conditions) ? (status.conditions as Array<Record<string, unknown>>) : [];
  const current = conditions.find((c) => c.type === "Synced");
  const wanted: "True" | "False" = failure === undefined ? "True" : "False";
  const generation = sealed.metadata.generation ?? 1;
  const transition = current?.status !== wanted;
  const messageChanged = (failure?.message ?? "") !== (typeof current?.message === "string" ? current.message : "");
  if (!transition && !messageChanged && status.observedGeneration === generation) return undefined;
  const condition: SyncedCondition = {
    type: "Synced",
    status: wanted,
    ...(failure === undefined ? {} : { message: failure.message, reason: failure.reason }),
    lastUpdateTime: now,
    lastTransitionTime: transition ? now : typeof current?.lastTransitionTime === "string" ? current.lastTransitionTime : now,
  };
  return { observedGeneration: generation, conditions: [...conditions.filter((c) => c.type !== "Synced"), condition] };
}
