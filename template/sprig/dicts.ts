import { goFunc, type GoFunction } from "../go-function.js";
import { isMap, isTrue, kindOf, mapGet, mapHas, mapSet, sortedKeys, type GoMap } from "../go-values.js";
import { strval } from "./cast.js";
import { deepCopy } from "./reflect.js";

type Dict = GoMap | Map<string, unknown>;

function set(d: Dict | null, key: string, value: unknown): Dict {
  if (d === null) throw new Error("assignment to entry in nil map");
  mapSet(d, key, value);
  return d;
}

function unset(d: Dict | null, key: string): Dict | null {
  if (d === null) return d;
  if (d instanceof Map) d.delete(key);
  else delete d[key];
  return d;
}

function dict(...v: unknown[]): GoMap {
  const out: GoMap = {};
  for (let i = 0; i < v.length; i += 2) mapSet(out, strval(v[i]), i + 1 < v.length ? v[i + 1] : "");
  return out;
}

function get(d: Dict | null, key: string): unknown {
  if (d === null) return "";
  const v = mapGet(d, key);
  return v === undefined ? "" : v;
}

function keys(...dicts: Array<Dict | null>): string[] {
  const out: string[] = [];
  for (const d of dicts) if (d !== null) out.push(...sortedKeys(d));
  return out;
}

function values(d: Dict | null): unknown[] {
  if (d === null) return [];
  return sortedKeys(d).map((k) => mapGet(d, k));
}

function pick(d: Dict | null, ...ks: string[]): GoMap {
  const out: GoMap = {};
  if (d === null) return out;
  for (const k of ks) if (mapHas(d, k)) mapSet(out, k, mapGet(d, k));
  return out;
}

function omit(d: Dict | null, ...ks: string[]): GoMap {
  const out: GoMap = {};
  if (d === null) return out;
  const drop = new Set(ks);
  for (const k of sortedKeys(d)) if (!drop.has(k)) mapSet(out, k, mapGet(d, k));
  return out;
}

/** mergo.Merge (fill empty) or mergo.Merge WithOverride, deep through nested maps, into `dst`. */
function mergeInto(dst: Dict, src: Dict, overwrite: boolean): void {
  for (const k of sortedKeys(src)) {
    const s = mapGet(src, k);
    const d = mapGet(dst, k);
    if (kindOf(s) === "map" && kindOf(d) === "map") {
      mergeInto(d as Dict, s as Dict, overwrite);
      continue;
    }
    if (s === null && !overwrite) continue;
    if (overwrite || d === undefined || !isTrue(d)) mapSet(dst, k, s);
  }
}

function merge(overwrite: boolean): (dst: Dict | null, ...srcs: Array<Dict | null>) => Dict {
  return (dst, ...srcs) => {
    const target: Dict = dst ?? {};
    for (const s of srcs) if (s !== null) mergeInto(target, s, overwrite);
    return target;
  };
}

function dig(...ps: unknown[]): unknown {
  if (ps.length < 3) throw new Error("dig needs at least three arguments");
  let cur = ps[ps.length - 1];
  const def = ps[ps.length - 2];
  const ks = ps.slice(0, -2);
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i];
    if (typeof k !== "string") throw new Error(`interface conversion: interface {} is ${typeof k}, not string`);
    if (!isMap(cur) && !(cur instanceof Map)) throw new Error("interface conversion: interface {} is not map[string]interface {}");
    if (!mapHas(cur, k)) return def;
    cur = mapGet(cur, k);
  }
  return cur;
}

/** Sprig's dictionary functions (`dict.go`). `keys` and `values` come in sorted key order (Go's are random). */
export const DICT_FUNCS: ReadonlyArray<readonly [string, GoFunction]> = [
  ["dict", goFunc([], dict, "any")],
  ["get", goFunc(["map", "string"], get)],
  ["set", goFunc(["map", "string", "any"], set)],
  ["unset", goFunc(["map", "string"], unset)],
  ["hasKey", goFunc(["map", "string"], (d: Dict | null, k: string) => d !== null && mapHas(d, k))],
  ["keys", goFunc([], keys, "map")],
  ["values", goFunc(["map"], values)],
  ["pick", goFunc(["map"], pick, "string")],
  ["omit", goFunc(["map"], omit, "string")],
  ["merge", goFunc(["map"], merge(false), "map")],
  ["mergeOverwrite", goFunc(["map"], merge(true), "map")],
  ["mustMerge", goFunc(["map"], merge(false), "map")],
  ["mustMergeOverwrite", goFunc(["map"], merge(true), "map")],
  ["dig", goFunc([], dig, "any")],
  ["deepCopy", goFunc(["any"], deepCopy)],
  ["mustDeepCopy", goFunc(["any"], (v: unknown) => {
    if (v === null) throw new Error("copy: nil value");
    return deepCopy(v);
  })],
];
