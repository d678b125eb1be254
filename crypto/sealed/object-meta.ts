import type { ObjectMeta } from "./manifests.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/** ObjectMeta fields in the order Go's apimachinery writes them, so JSON output matches kubeseal. */
const META_ORDER = [
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
] as const;

/** Server-side fields kubeseal strips before sealing; managedFields too (it only adds noise). */
const SERVER_FIELDS = ["selfLink", "uid", "resourceVersion", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields"];

/** Annotations holding a full copy of the object: sealing them would leak the plaintext (upstream #227). */
export const LAST_APPLIED_ANNOTATIONS = ["kubectl.kubernetes.io/last-applied-configuration", "kubecfg.ksonnet.io/last-applied-configuration"];

export function orderMeta(meta: ObjectMeta): ObjectMeta {
  const out: Record<string, unknown> = {};
  for (const key of META_ORDER) if (meta[key] !== undefined) out[key] = meta[key];
  for (const [key, value] of Object.entries(meta)) if (!(key in out) && value !== undefined) out[key] = value;
  return out;
}

/** The Secret's metadata as it goes into `spec.template.metadata`: no server fields, owners or last-applied copies. */
export function templateMetaFromSecret(meta: ObjectMeta): ObjectMeta {
  const out: ObjectMeta = { ...meta, creationTimestamp: null };
  for (const field of SERVER_FIELDS) delete out[field];
  delete out.ownerReferences;
  if (out.annotations !== undefined) {
    const annotations = { ...out.annotations };
    for (const key of LAST_APPLIED_ANNOTATIONS) delete annotations[key];
    out.annotations = annotations;
    if (Object.keys(annotations).length === 0) delete out.annotations;
  }
  return orderMeta(out);
}

export function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key]!;
  return out;
}

/** Checks a value is a map of strings, naming the field when it is not. */
export function stringMap(value: unknown, field: string, file: string | undefined): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new SealedSecretsError(SEALED_ERROR.invalidManifest, "must be a map of strings", { file, field });
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") {
      throw new SealedSecretsError(SEALED_ERROR.invalidManifest, "must be a string", { file, field: `${field}.${key}`, item: key });
    }
  }
  return value as Record<string, string>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
