import { isRecord } from "../kube-object.js";

/**
 * gitops-engine converts each object to its typed Go struct before rating it, and a field of the
 * wrong type fails that conversion: the object is then rated Unknown with
 * "failed to convert unstructured <Kind> to typed: …". A shape lists the fields a check reads
 * with their Go types, so we fail the same objects instead of guessing (or throwing) on them.
 * A shape returns the first mismatch as `.path: expected <type>`, or undefined.
 */
export type Shape = (value: unknown, path: string) => string | undefined;

const mismatch = (path: string, type: string, value: unknown): string =>
  `${path === "" ? "." : path}: expected ${type}, got ${value === null ? "null" : Array.isArray(value) ? "array" : typeof value}`;

/** Go's JSON decoding leaves null as the zero value, so null passes every shape. */
const scalar =
  (type: string, ok: (v: unknown) => boolean): Shape =>
  (v, path) =>
    v === undefined || v === null || ok(v) ? undefined : mismatch(path, type, v);

export const string = scalar("string", (v) => typeof v === "string");
export const bool = scalar("bool", (v) => typeof v === "boolean");
/** int32/int64: JSON integers only (Go refuses 1.5 for an int field). */
export const int = scalar("integer", (v) => typeof v === "number" && Number.isSafeInteger(v));
export const intOrString = scalar("int or string", (v) => typeof v === "string" || (typeof v === "number" && Number.isSafeInteger(v)));
export const any: Shape = () => undefined;

export function struct(fields: Readonly<Record<string, Shape>>): Shape {
  return (v, path) => {
    if (v === undefined || v === null) return undefined;
    if (!isRecord(v)) return mismatch(path, "object", v);
    for (const [key, shape] of Object.entries(fields)) {
      const err = shape(v[key], `${path}.${key}`);
      if (err !== undefined) return err;
    }
    return undefined;
  };
}

export function list(item: Shape): Shape {
  return (v, path) => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return mismatch(path, "array", v);
    for (let i = 0; i < v.length; i++) {
      const err = item(v[i], `${path}[${String(i)}]`);
      if (err !== undefined) return err;
    }
    return undefined;
  };
}

export function map(value: Shape): Shape {
  return (v, path) => {
    if (v === undefined || v === null) return undefined;
    if (!isRecord(v)) return mismatch(path, "object", v);
    for (const [key, item] of Object.entries(v)) {
      const err = value(item, `${path}.${key}`);
      if (err !== undefined) return err;
    }
    return undefined;
  };
}

/** The ObjectMeta fields any check (or the dispatcher) reads. */
export const objectMeta = struct({
  name: string,
  generateName: string,
  namespace: string,
  generation: int,
  labels: map(string),
  annotations: map(string),
  finalizers: list(string),
  deletionTimestamp: string,
});

/** A condition as most `status.conditions` lists type it. */
export const condition = struct({ type: string, status: string, reason: string, message: string });

/** A whole object: metadata plus the given spec and status shapes. */
export function object(spec: Shape, status: Shape): Shape {
  return struct({ metadata: objectMeta, spec, status });
}
