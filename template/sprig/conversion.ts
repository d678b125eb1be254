import { goFunc, type GoFunction } from "../go-function.js";
import { formatValue, isTrue, typeName } from "../go-values.js";
import { kindName, strval, toFloat64, toInt64 } from "./cast.js";
import { fromJson, goJson, toYaml } from "./json.js";
import { deepEqual, typeOf } from "./reflect.js";

function atoi(s: string): bigint {
  return /^[+-]?\d+$/.test(s) ? BigInt.asIntN(64, BigInt(s)) : 0n;
}

function orEmpty(f: () => string): string {
  try {
    return f();
  } catch {
    return "";
  }
}

function ternary(vt: unknown, vf: unknown, v: boolean): unknown {
  return v ? vt : vf;
}

function defaultFn(d: unknown, ...given: unknown[]): unknown {
  if (given.length === 0 || !isTrue(given[0])) return d;
  return given[0];
}

function required(warn: string, val: unknown): unknown {
  if (val === null || val === undefined || val === "") throw new Error(warn);
  return val;
}

function fail(msg: string): string {
  throw new Error(msg);
}

function toDecimal(v: unknown): bigint {
  const s = strval(v);
  return /^[0-7]+$/.test(s) ? BigInt("0o" + s) : 0n;
}

/** Sprig's defaults, conversion, JSON and type functions (`defaults.go`, `conversion.go`, `reflect.go`). */
export const CONVERSION_FUNCS: ReadonlyArray<readonly [string, GoFunction]> = [
  ["default", goFunc(["any"], defaultFn, "any")],
  ["empty", goFunc(["any"], (v: unknown) => !isTrue(v))],
  ["coalesce", goFunc([], (...v: unknown[]) => v.find((x) => isTrue(x)) ?? null, "any")],
  ["all", goFunc([], (...v: unknown[]) => v.every((x) => isTrue(x)), "any")],
  ["any", goFunc([], (...v: unknown[]) => v.some((x) => isTrue(x)), "any")],
  ["ternary", goFunc(["any", "any", "bool"], ternary)],
  ["required", goFunc(["string", "any"], required)],
  ["fail", goFunc(["string"], fail)],
  ["toString", goFunc(["any"], strval)],
  ["atoi", goFunc(["string"], atoi)],
  ["int", goFunc(["any"], toInt64)],
  ["int64", goFunc(["any"], toInt64)],
  ["float64", goFunc(["any"], toFloat64)],
  ["toDecimal", goFunc(["any"], toDecimal)],
  ["toJson", goFunc(["any"], (v: unknown) => orEmpty(() => goJson(v)))],
  ["toPrettyJson", goFunc(["any"], (v: unknown) => orEmpty(() => goJson(v, { indent: "  " })))],
  ["toRawJson", goFunc(["any"], (v: unknown) => orEmpty(() => goJson(v, { escapeHTML: false })))],
  ["mustToJson", goFunc(["any"], (v: unknown) => goJson(v))],
  ["mustToPrettyJson", goFunc(["any"], (v: unknown) => goJson(v, { indent: "  " }))],
  ["mustToRawJson", goFunc(["any"], (v: unknown) => goJson(v, { escapeHTML: false }))],
  ["fromJson", goFunc(["string"], (s: string) => {
    try {
      return fromJson(s);
    } catch {
      return null;
    }
  })],
  ["mustFromJson", goFunc(["string"], (s: string) => {
    try {
      return fromJson(s);
    } catch {
      // JSON.parse quotes the input in its message; the input may be secret.
      throw new Error("invalid JSON input");
    }
  })],
  ["typeOf", goFunc(["any"], typeOf)],
  ["typeIs", goFunc(["string", "any"], (t: string, v: unknown) => t === typeName(v))],
  ["typeIsLike", goFunc(["string", "any"], (t: string, v: unknown) => t === typeName(v) || t === "*" + typeName(v))],
  ["kindOf", goFunc(["any"], kindName)],
  ["kindIs", goFunc(["string", "any"], (k: string, v: unknown) => k === kindName(v))],
  ["deepEqual", goFunc(["any", "any"], deepEqual)],
];

/** Argo CD's additions (`applicationset/utils`): toYaml, fromYaml, fromYamlArray, normalize, slugify. */
export { toYaml, formatValue };
