import { ApiStatusError } from "./api-status.js";
import { deepClone, isPlainObject, jsonEqual } from "./kube-object.js";
import { listStrategy } from "./merge-keys.js";

const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !(isPlainObject(v) && v.$patch !== undefined && Object.keys(v).length === 1)).map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith("$")) out[k] = stripDirectives(v);
  return out;
}

/** The strategic-merge-patch merge key of a list: the first of its keys (the Go `patchMergeKey`). */
function mergeKey(path: readonly string[]): { key: string } | "set" | undefined {
  const s = listStrategy(path);
  if (s.kind === "keys") return { key: s.keys[0] ?? "name" };
  if (s.kind === "set") return "set";
  return undefined;
}

function order<T>(items: T[], wanted: unknown[], same: (item: T, w: unknown) => boolean): T[] {
  const listed: T[] = [];
  for (const w of wanted) {
    const found = items.find((item) => same(item, w));
    if (found !== undefined && !listed.includes(found)) listed.push(found);
  }
  return [...listed, ...items.filter((i) => !listed.includes(i))];
}

function mergeList(original: unknown, patch: unknown[], path: readonly string[]): unknown[] {
  const key = mergeKey(path);
  const base = Array.isArray(original) ? deepClone(original) : [];
  if (key === undefined) return patch.map(stripDirectives);
  if (key === "set") {
    const out: unknown[] = [...(base as unknown[])];
    for (const v of patch) if (!out.some((o) => jsonEqual(o, v))) out.push(v);
    return out;
  }
  if (patch.some((p) => isPlainObject(p) && p.$patch === "replace")) {
    return patch.filter((p) => !(isPlainObject(p) && p.$patch === "replace")).map(stripDirectives);
  }
  const { key: k } = key;
  let out = base as unknown[];
  for (const item of patch) {
    if (!isPlainObject(item)) throw new ApiStatusError("BadRequest", `strategic merge patch: list ${path.join(".")} items must be objects`);
    const keyValue = item[k];
    const index = out.findIndex((o) => isPlainObject(o) && jsonEqual(o[k], keyValue));
    if (item.$patch === "delete") {
      out = out.filter((o) => !(isPlainObject(o) && jsonEqual(o[k], keyValue)));
    } else if (index >= 0) {
      out[index] = mergeObject(out[index], item, path);
    } else {
      out.push(stripDirectives(item));
    }
  }
  return out;
}

function mergeObject(original: unknown, patch: Record<string, unknown>, path: readonly string[]): unknown {
  if (patch.$patch === "replace") return stripDirectives(patch);
  const result: Record<string, unknown> = isPlainObject(original) ? deepClone(original) : {};
  const orders: [string, unknown[]][] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (field === "$patch" || field === "$retainKeys") continue;
    if (field.startsWith(SET_ORDER)) {
      if (Array.isArray(value)) orders.push([field.slice(SET_ORDER.length), value]);
      continue;
    }
    if (field.startsWith(DELETE_PRIMITIVE)) {
      const list = field.slice(DELETE_PRIMITIVE.length);
      const current = result[list];
      if (Array.isArray(current) && Array.isArray(value)) result[list] = current.filter((c) => !value.some((v) => jsonEqual(c, v)));
      continue;
    }
    const childPath = [...path, field];
    if (value === null) delete result[field];
    else if (Array.isArray(value)) result[field] = mergeList(result[field], value, childPath);
    else if (isPlainObject(value)) {
      if (value.$patch === "delete") delete result[field];
      else result[field] = mergeObject(result[field], value, childPath);
    } else result[field] = value;
  }
  for (const [list, wanted] of orders) {
    const current = result[list];
    if (!Array.isArray(current)) continue;
    const key = mergeKey([...path, list]);
    result[list] = order(current, wanted, (item, w) =>
      key === undefined || key === "set" ? jsonEqual(item, w) : isPlainObject(item) && isPlainObject(w) && jsonEqual(item[key.key], w[key.key]),
    );
  }
  if (Array.isArray(patch.$retainKeys)) {
    const retain = patch.$retainKeys.filter((k): k is string => typeof k === "string");
    for (const k of Object.keys(result)) if (!retain.includes(k)) delete result[k];
  }
  return result;
}

/**
 * Applies a strategic merge patch (the format `kubectl apply` and `kubectl patch` send for built-in
 * kinds): maps merge, lists with a merge key merge item by item, `null` deletes, and the directives
 * `$patch` (merge/replace/delete), `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>` and
 * `$retainKeys` are honoured.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) throw new ApiStatusError("BadRequest", "strategic merge patch must be a JSON object");
  return mergeObject(original, patch, []);
}
