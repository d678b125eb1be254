import { goFunc, type GoFunction } from "../go-function.js";
import { compareStrings, isTrue, kindOf, mapGet } from "../go-values.js";
import { asList, kindName, strval, toInt64 } from "./cast.js";
import { strslice } from "./strings.js";
import { deepEqual } from "./reflect.js";
import { allocation } from "../exec-budget.js";

function need(v: unknown, what: string): readonly unknown[] {
  if (v === null || v === undefined) throw new Error(`Cannot ${what} on type invalid`);
  const list = asList(v);
  if (list === undefined) throw new Error(`Cannot ${what} on type ${kindName(v)}`);
  return list;
}

function first(v: unknown): unknown {
  const l = need(v, "find first");
  return l.length === 0 ? null : l[0];
}

function last(v: unknown): unknown {
  const l = need(v, "find last");
  return l.length === 0 ? null : l[l.length - 1];
}

function rest(v: unknown): unknown {
  const l = need(v, "find rest");
  // Go returns a nil []interface{}, which prints `[]`.
  return l.length === 0 ? [] : l.slice(1);
}

function initial(v: unknown): unknown {
  const l = need(v, "find initial");
  return l.length === 0 ? [] : l.slice(0, -1);
}

function uniq(v: unknown): unknown[] {
  const l = need(v, "find uniq");
  const out: unknown[] = [];
  for (const x of l) if (!out.some((y) => deepEqual(x, y))) out.push(x);
  return out;
}

function without(v: unknown, ...omit: unknown[]): unknown[] {
  const l = need(v, "find without");
  return l.filter((x) => !omit.some((o) => deepEqual(x, o)));
}

function has(needle: unknown, haystack: unknown): boolean {
  if (haystack === null || haystack === undefined) return false;
  const l = asList(haystack);
  if (l === undefined) throw new Error(`Cannot find has on type ${kindName(haystack)}`);
  return l.some((x) => deepEqual(x, needle));
}

function compact(v: unknown): unknown[] {
  const l = need(v, "compact");
  return l.filter((x) => isTrue(x));
}

function sortAlpha(v: unknown): string[] {
  const l = asList(v);
  if (l === undefined) return [strval(v)];
  return strslice(l).sort(compareStrings);
}

function concat(...lists: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const l of lists) {
    const arr = asList(l);
    if (arr === undefined) throw new Error(`Cannot concat type ${kindName(l)} as list`);
    out.push(...arr);
  }
  return out;
}

function reverse(v: unknown): unknown[] {
  return [...need(v, "find reverse")].reverse();
}

function sprigSlice(list: unknown, ...indices: unknown[]): unknown {
  const l = need(list, "slice");
  const len = l.length;
  if (len === 0) return null;
  const start = indices.length > 0 ? Number(toInt64(indices[0])) : 0;
  const end = indices.length > 1 ? Number(toInt64(indices[1])) : len;
  if (start < 0 || end > len || start > end) throw new Error(`runtime error: slice bounds out of range [${start}:${end}]`);
  return l.slice(start, end);
}

function chunk(size: bigint, list: unknown): unknown[][] {
  const l = need(list, "chunk");
  const n = Number(size);
  if (n <= 0) throw new Error("runtime error: integer divide by zero");
  const out: unknown[][] = [];
  for (let i = 0; i < l.length; i += n) out.push(l.slice(i, i + n));
  return out;
}

function until(count: bigint): bigint[] {
  return untilStep(0n, count, count < 0n ? -1n : 1n);
}

function untilStep(start: bigint, stop: bigint, step: bigint): bigint[] {
  const out: bigint[] = [];
  if (step === 0n) return out;
  const span = step > 0n ? stop - start : start - stop;
  const abs = step > 0n ? step : -step;
  if (span > 0n) allocation(Number((span + abs - 1n) / abs), "a list");
  if (step > 0n) for (let i = start; i < stop; i += step) out.push(i);
  else for (let i = start; i > stop; i += step) out.push(i);
  return out;
}

function seq(...params: unknown[]): string {
  const n = params.map((p) => Number(toInt64(p)));
  let [start, step, end] = [1, 1, 0];
  if (n.length === 1) end = n[0]!;
  else if (n.length === 2) [start, end] = [n[0], n[1]];
  else if (n.length === 3) [start, step, end] = [n[0], n[1], n[2]];
  else return "";
  if (n.length < 3) step = end < start ? -1 : 1;
  const out: number[] = [];
  if (step === 0) return "";
  allocation(Math.abs((end - start) / step) + 1, "a sequence");
  if (step > 0) for (let i = start; i <= end; i += step) out.push(i);
  else for (let i = start; i >= end; i += step) out.push(i);
  return out.join(" ");
}

function pluck(name: string, ...dicts: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const d of dicts) {
    if (kindOf(d) !== "map") continue;
    const v = mapGet(d as object, name);
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** Sprig's list functions (`list.go`). `must*` variants return the error instead of panicking: same text here. */
export const LIST_FUNCS: ReadonlyArray<readonly [string, GoFunction]> = [
  ["list", goFunc([], (...v: unknown[]) => v, "any")],
  ["tuple", goFunc([], (...v: unknown[]) => v, "any")],
  ["push", goFunc(["any", "any"], (l: unknown, v: unknown) => [...need(l, "push"), v])],
  ["append", goFunc(["any", "any"], (l: unknown, v: unknown) => [...need(l, "push"), v])],
  ["prepend", goFunc(["any", "any"], (l: unknown, v: unknown) => [v, ...need(l, "prepend")])],
  ["first", goFunc(["any"], first)],
  ["last", goFunc(["any"], last)],
  ["rest", goFunc(["any"], rest)],
  ["initial", goFunc(["any"], initial)],
  ["reverse", goFunc(["any"], reverse)],
  ["uniq", goFunc(["any"], uniq)],
  ["without", goFunc(["any"], without, "any")],
  ["has", goFunc(["any", "any"], has)],
  ["compact", goFunc(["any"], compact)],
  ["sortAlpha", goFunc(["any"], sortAlpha)],
  ["concat", goFunc([], concat, "any")],
  ["slice", goFunc(["any"], sprigSlice, "any")],
  ["chunk", goFunc(["int", "any"], chunk)],
  ["until", goFunc(["int"], until)],
  ["untilStep", goFunc(["int", "int", "int"], untilStep)],
  ["seq", goFunc([], seq, "any")],
  ["pluck", goFunc(["string"], pluck, "map")],
];

/** `mustFirst` and friends behave like their plain forms but return errors; ours already do. */
export function withMustVariants(entries: ReadonlyArray<readonly [string, GoFunction]>, names: readonly string[]): Array<readonly [string, GoFunction]> {
  const byName = new Map(entries);
  const out: Array<readonly [string, GoFunction]> = [...entries];
  for (const n of names) {
    const f = byName.get(n);
    if (f !== undefined) out.push([`must${n[0].toUpperCase()}${n.slice(1)}`, f]);
  }
  return out;
}

