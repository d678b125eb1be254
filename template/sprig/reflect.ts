import type { GoStruct } from "../go-struct.js";
import type { GoTime } from "../go-time.js";
import { goJson } from "./json.js";
import { kindOf, mapGet, mapSet, sortedKeys, typeName } from "../go-values.js";

/** Go's `reflect.DeepEqual` over our value model (int and float64 are different types). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return (a === null || a === undefined) && (b === null || b === undefined);
  switch (ka) {
    case "slice": {
      const x = a as unknown[];
      const y = b as unknown[];
      return x.length === y.length && x.every((v, i) => deepEqual(v, y[i]));
    }
    case "map": {
      const kx = sortedKeys(a as object);
      const ky = sortedKeys(b as object);
      return kx.length === ky.length && kx.every((k, i) => k === ky[i] && deepEqual(mapGet(a as object, k), mapGet(b as object, k)));
    }
    case "time":
      return (a as GoTime).ms === (b as GoTime).ms;
    case "struct":
      return (a as GoStruct).goType === (b as GoStruct).goType && goJson(a) === goJson(b);
    case "bytes":
      return Buffer.from(a as Uint8Array).equals(Buffer.from(b as Uint8Array));
    case "float":
      return Number.isNaN(a) ? false : a === b;
    default:
      return false;
  }
}

/** Deep copy of JSON-like data (Sprig's `deepCopy`, copystructure). */
export function deepCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(deepCopy);
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v as Map<unknown, unknown>) mapSet(out, String(k), deepCopy(x));
    return out;
  }
  if (kindOf(v) === "map") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object)) mapSet(out, k, deepCopy(mapGet(v as object, k)));
    return out;
  }
  return v;
}

/** Sprig's `typeOf` (Go's `%T`). */
export function typeOf(v: unknown): string {
  return typeName(v);
}
