import { goFunc, type GoFunction } from "../go-function.js";
import { toFloat64, toInt64 } from "./cast.js";

const wrap = (n: bigint): bigint => BigInt.asIntN(64, n);

function div(a: unknown, b: unknown): bigint {
  const d = toInt64(b);
  if (d === 0n) throw new Error("runtime error: integer divide by zero");
  return wrap(toInt64(a) / d);
}

function mod(a: unknown, b: unknown): bigint {
  const d = toInt64(b);
  if (d === 0n) throw new Error("runtime error: integer divide by zero");
  return wrap(toInt64(a) % d);
}

function round(a: unknown, p: bigint, ...rOpt: number[]): number {
  const roundOn = rOpt.length > 0 ? rOpt[0] : 0.5;
  const val = toFloat64(a);
  const pow = Math.pow(10, Number(p));
  const digit = pow * val;
  const frac = digit - Math.trunc(digit);
  const r = frac >= roundOn ? Math.ceil(digit) : Math.floor(digit);
  return r / pow;
}

/** Float arithmetic the way shopspring/decimal gives it back: no binary noise in the last digit. */
function decimal(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(15)) : x;
}

/** Sprig's math functions (`numeric.go`): integer forms convert with cast.ToInt64 and return int64. */
export const MATH_FUNCS: ReadonlyArray<readonly [string, GoFunction]> = [
  ["add1", goFunc(["any"], (i: unknown) => wrap(toInt64(i) + 1n))],
  ["add", goFunc([], (...i: unknown[]) => wrap(i.reduce<bigint>((s, x) => s + toInt64(x), 0n)), "any")],
  ["sub", goFunc(["any", "any"], (a: unknown, b: unknown) => wrap(toInt64(a) - toInt64(b)))],
  ["div", goFunc(["any", "any"], div)],
  ["mod", goFunc(["any", "any"], mod)],
  ["mul", goFunc(["any"], (a: unknown, ...v: unknown[]) => wrap(v.reduce<bigint>((s, x) => s * toInt64(x), toInt64(a))), "any")],
  ["max", goFunc(["any"], (a: unknown, ...v: unknown[]) => v.reduce<bigint>((m, x) => (toInt64(x) > m ? toInt64(x) : m), toInt64(a)), "any")],
  ["biggest", goFunc(["any"], (a: unknown, ...v: unknown[]) => v.reduce<bigint>((m, x) => (toInt64(x) > m ? toInt64(x) : m), toInt64(a)), "any")],
  ["min", goFunc(["any"], (a: unknown, ...v: unknown[]) => v.reduce<bigint>((m, x) => (toInt64(x) < m ? toInt64(x) : m), toInt64(a)), "any")],
  ["add1f", goFunc(["any"], (i: unknown) => decimal(toFloat64(i) + 1))],
  ["addf", goFunc([], (...i: unknown[]) => decimal(i.reduce<number>((s, x) => s + toFloat64(x), 0)), "any")],
  ["subf", goFunc(["any"], (a: unknown, ...v: unknown[]) => decimal(v.reduce<number>((s, x) => s - toFloat64(x), toFloat64(a))), "any")],
  ["mulf", goFunc(["any"], (a: unknown, ...v: unknown[]) => decimal(v.reduce<number>((s, x) => s * toFloat64(x), toFloat64(a))), "any")],
  ["divf", goFunc(["any"], (a: unknown, ...v: unknown[]) => decimal(v.reduce<number>((s, x) => {
    const d = toFloat64(x);
    if (d === 0) throw new Error("decimal division by 0");
    return s / d;
  }, toFloat64(a))), "any")],
  ["maxf", goFunc(["any"], (a: unknown, ...v: unknown[]) => Math.max(toFloat64(a), ...v.map(toFloat64)), "any")],
  ["minf", goFunc(["any"], (a: unknown, ...v: unknown[]) => Math.min(toFloat64(a), ...v.map(toFloat64)), "any")],
  ["floor", goFunc(["any"], (a: unknown) => Math.floor(toFloat64(a)))],
  ["ceil", goFunc(["any"], (a: unknown) => Math.ceil(toFloat64(a)))],
  ["round", goFunc(["any", "int"], round, "float")],
];
