import { formatValue, isMap, typeName } from "../go-values.js";
import { GoStruct } from "../go-struct.js";
import { GoTime } from "../go-time.js";

/** Sprig's `strval`: strings as they are, everything else as Go's `%v` prints it. */
export function strval(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  if (v instanceof GoTime) return v.toGoString();
  if (v instanceof Error) return v.message;
  return formatValue(v === undefined ? null : v);
}

/** spf13/cast `ToInt64` as Sprig uses it: conversion errors become 0. */
export function toInt64(v: unknown): bigint {
  switch (typeof v) {
    case "bigint":
      return BigInt.asIntN(64, v);
    case "number":
      return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
    case "boolean":
      return v ? 1n : 0n;
    case "string": {
      const s = v.replace(/\.0*$/, "");
      const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[1-9][0-9_]*|0)$/.exec(s);
      if (m === null) return 0n;
      let body = (m[2] ?? "0").replace(/_/g, "");
      if (/^0[0-7]+$/.test(body)) body = "0o" + body.slice(1);
      try {
        const n = BigInt(body);
        const r = m[1] === "-" ? -n : n;
        return r >= -(2n ** 63n) && r < 2n ** 63n ? r : 0n;
      } catch {
        return 0n;
      }
    }
    default:
      return 0n;
  }
}

/** spf13/cast `ToFloat64`: conversion errors become 0. */
export function toFloat64(v: unknown): number {
  switch (typeof v) {
    case "number":
      return v;
    case "bigint":
      return Number(v);
    case "boolean":
      return v ? 1 : 0;
    case "string": {
      const s = v.trim() === v ? v.replace(/_/g, "") : "";
      if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
      if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
      if (/^nan$/i.test(s)) return NaN;
      return 0;
    }
    default:
      return 0;
  }
}

/** The Go kind name Sprig puts in its panics ("Cannot find first on type string"). */
export function kindName(v: unknown): string {
  if (v === undefined || v === null) return "invalid";
  if (isMap(v) || v instanceof Map) return "map";
  if (Array.isArray(v)) return "slice";
  if (v instanceof GoTime) return "struct";
  if (v instanceof GoStruct) return v.goKind;
  if (typeof v === "bigint") return "int";
  const t = typeName(v);
  return t.startsWith("[]") ? "slice" : t;
}

/** A Go list (slice or array) as a JS array, or undefined when the value is not one. */
export function asList(v: unknown): readonly unknown[] | undefined {
  if (Array.isArray(v)) return v as unknown[];
  if (v instanceof Uint8Array) return Array.from(v, (b) => BigInt(b));
  return undefined;
}
