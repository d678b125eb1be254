import type { Values } from "./chart.js";
import { define } from "./helm-yaml.js";

/**
 * Helm's values coalescing (pkg/chartutil/coalesce.go), ported rule for rule: user values win over
 * chart defaults, tables merge deeply, a `null` user value deletes a default (unless `merge`, as
 * when import-values are computed), `global` is copied down into every subchart's table, and each
 * subchart's defaults fill the table named after it.
 */
export interface CoalesceChart {
  readonly name: string;
  readonly values: Values;
  readonly dependencies: readonly CoalesceChart[];
}

/** Warnings Helm prints with log.Printf ("warning: skipped value for ..."); we collect them. */
export type Warn = (message: string) => void;

export function isTable(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isTable(v)) {
    const out: Values = {};
    for (const [k, val] of Object.entries(v)) define(out, k, deepCopy(val));
    return out as T;
  }
  return v;
}

/** `CoalesceValues` (merge false) or `MergeValues` (merge true) over a copy of `vals`. */
export function coalesceValues(chart: CoalesceChart, vals: Values | undefined, merge: boolean, warn: Warn = () => {}): Values {
  const copy = vals === undefined ? {} : deepCopy(vals);
  return coalesce(chart, copy, "", merge, warn);
}

function concatPrefix(a: string, b: string): string {
  return a === "" ? b : `${a}.${b}`;
}

function coalesce(ch: CoalesceChart, dest: Values, prefix: string, merge: boolean, warn: Warn): Values {
  coalesceChartValues(ch, dest, prefix, merge, warn);
  return coalesceDeps(ch, dest, prefix, merge, warn);
}

function coalesceDeps(chart: CoalesceChart, dest: Values, prefix: string, merge: boolean, warn: Warn): Values {
  for (const sub of chart.dependencies) {
    const c = dest[sub.name];
    if (c === undefined) define(dest, sub.name, {});
    else if (!isTable(c)) // Helm prints the value; values may be secret, so we name its type.
      throw new Error(`type mismatch on ${sub.name}: %!t(${typeof c === "string" ? "string" : Array.isArray(c) ? "[]interface {}" : typeof c})`);
    const dv = dest[sub.name] as Values;
    const subPrefix = concatPrefix(prefix, chart.name);
    coalesceGlobals(dv, dest, subPrefix, warn);
    define(dest, sub.name, coalesce(sub, dv, subPrefix, merge, warn));
  }
  return dest;
}

function coalesceGlobals(dest: Values, src: Values, prefix: string, warn: Warn): void {
  let dg: Values;
  let sg: Values;
  const destglob = dest["global"];
  if (destglob === undefined) dg = {};
  else if (isTable(destglob)) dg = destglob;
  else {
    warn("warning: skipping globals because destination global is not a table.");
    return;
  }
  const srcglob = src["global"];
  if (srcglob === undefined) sg = {};
  else if (isTable(srcglob)) sg = srcglob;
  else {
    warn("warning: skipping globals because source global is not a table.");
    return;
  }
  for (const [key, val] of Object.entries(sg)) {
    if (isTable(val)) {
      const vv: Values = { ...val };
      const destv = dg[key];
      if (destv === undefined) define(dg, key, vv);
      else if (!isTable(destv)) warn(`Conflict: cannot merge map onto non-map for ${JSON.stringify(key)}. Skipping.`);
      else {
        coalesceTablesFullKey(vv, destv, concatPrefix(prefix, key), true, warn);
        define(dg, key, vv);
      }
    } else if (isTable(dg[key])) warn(`key ${key} is table. Skipping`);
    else define(dg, key, val);
  }
  define(dest, "global", dg);
}

function coalesceChartValues(c: CoalesceChart, v: Values, prefix: string, merge: boolean, warn: Warn): void {
  const subPrefix = concatPrefix(prefix, c.name);
  const vc = deepCopy(c.values);
  for (const [key, val] of Object.entries(vc)) {
    if (Object.prototype.hasOwnProperty.call(v, key)) {
      const value = v[key];
      if (value === null && !merge) delete v[key];
      else if (isTable(value)) {
        if (!isTable(val)) {
          if (val !== null) warn(`warning: skipped value for ${subPrefix}.${key}: Not a table.`);
        } else {
          const childMerge = c.dependencies.some((d) => d.name === key) ? true : merge;
          coalesceTablesFullKey(value, val, concatPrefix(subPrefix, key), childMerge, warn);
        }
      }
    } else define(v, key, val);
  }
}

/** `CoalesceTables` (merge false) / `MergeTables` (merge true): fills `dst` from `src`; `dst` wins. */
export function coalesceTables(dst: Values, src: Values, merge: boolean, warn: Warn = () => {}): Values {
  return coalesceTablesFullKey(dst, src, "", merge, warn);
}

function coalesceTablesFullKey(dst: Values, src: Values, prefix: string, merge: boolean, warn: Warn): Values {
  for (const [key, val] of Object.entries(src)) {
    const fullkey = concatPrefix(prefix, key);
    const has = Object.prototype.hasOwnProperty.call(dst, key);
    const dv = dst[key];
    if (has && !merge && dv === null) delete dst[key];
    else if (!has) define(dst, key, val);
    else if (isTable(val)) {
      if (isTable(dv)) coalesceTablesFullKey(dv, val, fullkey, merge, warn);
      else warn(`warning: cannot overwrite table with non table for ${fullkey} (map)`);
    } else if (isTable(dv) && val !== null) warn(`warning: destination for ${fullkey} is a table. Ignoring non-table value (a ${Array.isArray(val) ? "list" : typeof val})`);
  }
  return dst;
}

/** `Values.Table("a.b")`: the table at a dotted path, or undefined. */
export function valuesTable(v: Values, path: string): Values | undefined {
  let table: Values = v;
  for (const n of path.split(".")) {
    const next = Object.prototype.hasOwnProperty.call(table, n) ? table[n] : undefined;
    if (!isTable(next)) return undefined;
    table = next;
  }
  return table;
}

/** `Values.PathValue("a.b")`: a non-table value at a dotted path, or undefined. */
export function valuesPathValue(v: Values, path: string): unknown {
  const parts = path.split(".");
  const key = parts.pop() ?? "";
  const table = parts.length === 0 ? v : valuesTable(v, parts.join("."));
  if (table === undefined || !Object.prototype.hasOwnProperty.call(table, key)) return undefined;
  const val = table[key];
  return isTable(val) ? undefined : val;
}
