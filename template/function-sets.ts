import type { Clock } from "../core/index.js";
import { GO_BUILTINS } from "./go-builtins.js";
import { goFunc, type FuncMap, type GoFunction } from "./go-function.js";
import { CONVERSION_FUNCS } from "./sprig/conversion.js";
import { dateFuncs } from "./sprig/dates.js";
import { DICT_FUNCS } from "./sprig/dicts.js";
import { ENCODING_FUNCS } from "./sprig/encoding.js";
import { fromYaml, fromYamlArray, toYaml } from "./sprig/json.js";
import { LIST_FUNCS, withMustVariants } from "./sprig/lists.js";
import { MATH_FUNCS } from "./sprig/math.js";
import { PATH_FUNCS } from "./sprig/paths.js";
import { REGEX_FUNCS } from "./sprig/regex.js";
import { STRING_FUNCS } from "./sprig/strings.js";
import { cryptoFuncs } from "./sprig/crypto.js";
import { randomFuncs } from "./sprig/random.js";
import { SEMVER_FUNCS } from "./sprig/semver.js";
import { URL_FUNCS } from "./sprig/urls.js";
import { systemRandom, type RandomSource } from "./random-source.js";
import { FuncError, TEMPLATE_ERROR } from "./template-errors.js";

/**
 * - `sprig`: Sprig v3.3's whole `GenericFuncMap` except `env` and `expandenv` (no render reads the
 *   process environment); `getHostByName` is there but refuses (no network during a render).
 * - `helm`: what Helm 3 keeps of it (Helm deletes `env` and `expandenv`); the helm engine adds its
 *   own functions (`toYaml`, `include`, `tpl`, ...) on top through `funcs`.
 * - `argocd`: Argo CD's ApplicationSet map: Sprig without `env`, `expandenv`, `getHostByName`,
 *   plus `normalize`, `slugify`, `toYaml`, `fromYaml`, `fromYamlArray`.
 * - `sealed-secrets`: the SealedSecret template map: Sprig without `env`, `expandenv`, `getHostByName`.
 * - `none`: Go's builtins only.
 */
export type FunctionSet = "argocd" | "helm" | "sprig" | "sealed-secrets" | "none";

/** Sprig's `GenericFuncMap` without `env`, `expandenv` and `getHostByName` (added per set). */
function sprig(clock: Clock, random: RandomSource): Array<readonly [string, GoFunction]> {
  return [
    ["hello", goFunc([], () => "Hello!")],
    ...STRING_FUNCS,
    ...withMustVariants(LIST_FUNCS, ["push", "append", "prepend", "first", "last", "rest", "initial", "reverse", "uniq", "without", "has", "compact", "slice", "chunk"]),
    ...DICT_FUNCS,
    ...MATH_FUNCS,
    ...CONVERSION_FUNCS,
    ...ENCODING_FUNCS,
    ...REGEX_FUNCS,
    ...PATH_FUNCS,
    ...dateFuncs(clock),
    ...SEMVER_FUNCS,
    ...URL_FUNCS,
    ...randomFuncs(random),
    ...cryptoFuncs(clock, random),
  ];
}

/** Helm and plain Sprig keep `getHostByName`; a render has no network, so it refuses with its own code. */
const GET_HOST_BY_NAME: readonly [string, GoFunction] = [
  "getHostByName",
  goFunc(["string"], () => {
    throw new FuncError("network lookups are refused during a render (getHostByName)", TEMPLATE_ERROR.refused);
  }),
];

/** Argo CD's `SanitizeName`: lower case, `[^-a-z0-9.]` to `-`, at most 253 characters, trimmed of `-` and `.`. */
export function sanitizeName(name: string): string {
  let n = name.toLowerCase().replace(/[^-a-z0-9.]/g, "-");
  if (n.length > 253) n = n.slice(0, 253);
  return n.replace(/^[-.]+|[-.]+$/g, "");
}

/** Argo CD's `slugify [maxSize] [smartTruncate] name` (gosimple/slug over the sanitized name). */
function slugify(...args: unknown[]): string {
  let maxSize = 50;
  let smart = true;
  let name = "";
  args.forEach((a, i) => {
    if (i === args.length - 1) name = typeof a === "string" ? a : "";
    else if (i === 0 && typeof a === "bigint") maxSize = Number(a);
    else if (i === 1 && typeof a === "boolean") smart = a;
  });
  let slug = sanitizeName(name).replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (maxSize > 0 && slug.length > maxSize) {
    if (smart) {
      let cut = "";
      for (const word of slug.split("-")) {
        const next = cut === "" ? word : `${cut}-${word}`;
        if (next.length > maxSize) break;
        cut = next;
      }
      slug = cut === "" ? slug.slice(0, maxSize) : cut;
    } else slug = slug.slice(0, maxSize);
  }
  return slug;
}

const ARGOCD_EXTRAS: ReadonlyArray<readonly [string, GoFunction]> = [
  ["normalize", goFunc(["string"], sanitizeName)],
  ["slugify", goFunc([], slugify, "any")],
  ["toYaml", goFunc(["any"], toYaml)],
  ["fromYaml", goFunc(["string"], fromYaml)],
  ["fromYamlArray", goFunc(["string"], fromYamlArray)],
];

const cache = new WeakMap<Clock, WeakMap<RandomSource, Map<FunctionSet, FuncMap>>>();

/** The builtins plus the chosen set, built once per clock and random source. */
export function functionSet(set: FunctionSet, clock: Clock, random: RandomSource = systemRandom): FuncMap {
  let byClock = cache.get(clock);
  if (byClock === undefined) {
    byClock = new WeakMap();
    cache.set(clock, byClock);
  }
  let bySet = byClock.get(random);
  if (bySet === undefined) {
    bySet = new Map();
    byClock.set(random, bySet);
  }
  let map = bySet.get(set);
  if (map === undefined) {
    const entries: Array<readonly [string, GoFunction]> = [...GO_BUILTINS];
    if (set !== "none") entries.push(...sprig(clock, random));
    if (set === "helm" || set === "sprig") entries.push(GET_HOST_BY_NAME);
    if (set === "argocd") entries.push(...ARGOCD_EXTRAS);
    map = new Map(entries);
    bySet.set(set, map);
  }
  return map;
}

/** Caller-supplied functions: variadic `interface{}` parameters, errors thrown become "error calling". */
export function userFunction(fn: (...args: unknown[]) => unknown): GoFunction {
  return { params: [], variadic: "any", fn: fn };
}
