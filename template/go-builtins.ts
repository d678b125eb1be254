import { sprint, sprintf, sprintln } from "./go-fmt.js";
import { goFunc, type GoFunction } from "./go-function.js";
import { GoTime } from "./go-time.js";
import { byteLength, isAscii, isTrue, kindOf, mapGet, typeName, type GoKind } from "./go-values.js";
import { FuncError } from "./template-errors.js";

/** The functions every Go template has (text/template/funcs.go), with Go's semantics and errors. */
export const GO_BUILTINS: ReadonlyMap<string, GoFunction> = new Map<string, GoFunction>([
  ["and", { params: ["value"], variadic: "value", fn: () => undefined, special: "and" }],
  ["or", { params: ["value"], variadic: "value", fn: () => undefined, special: "or" }],
  ["not", goFunc(["value"], (v: unknown) => !isTrue(v))],
  ["len", goFunc(["value"], length)],
  ["index", goFunc(["value"], index, "value")],
  ["slice", goFunc(["value"], slice, "value")],
  ["print", goFunc([], (...args: unknown[]) => sprint(args), "any")],
  ["println", goFunc([], (...args: unknown[]) => sprintln(args), "any")],
  ["printf", goFunc(["string"], (f: string, ...args: unknown[]) => sprintf(f, args), "any")],
  ["html", goFunc([], (...args: unknown[]) => htmlEscape(evalArgs(args)), "any")],
  ["js", goFunc([], (...args: unknown[]) => jsEscape(evalArgs(args)), "any")],
  ["urlquery", goFunc([], (...args: unknown[]) => queryEscape(evalArgs(args)), "any")],
  ["call", goFunc(["value"], call, "value")],
  ["eq", goFunc(["value"], eq, "value")],
  ["ne", goFunc(["value", "value"], (a: unknown, b: unknown) => !eq(a, b))],
  ["lt", goFunc(["value", "value"], lt)],
  ["le", goFunc(["value", "value"], (a: unknown, b: unknown) => lt(a, b) || eq(a, b))],
  ["gt", goFunc(["value", "value"], (a: unknown, b: unknown) => !lt(a, b) && !eq(a, b))],
  ["ge", goFunc(["value", "value"], (a: unknown, b: unknown) => !lt(a, b))],
]);

/** Go's evalArgs for html/js/urlquery: a lone string as is, else Sprint with nil shown as "<no value>". */
function evalArgs(args: readonly unknown[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? "<no value>" : a)));
}

function length(v: unknown): bigint {
  switch (kindOf(v)) {
    case "string":
      return BigInt(byteLength(v as string));
    case "slice":
      return BigInt((v as unknown[]).length);
    case "bytes":
      return BigInt((v as Uint8Array).length);
    case "map":
      return BigInt(v instanceof Map ? v.size : Object.keys(v as object).length);
    case "invalid":
    case "nil":
      throw new FuncError("len of nil pointer");
    default:
      throw new FuncError(`len of type ${typeName(v)}`);
  }
}

function indexArg(i: unknown, cap: number): number {
  if (typeof i === "bigint") {
    if (i < 0n || i > BigInt(cap)) throw new FuncError(`index out of range: ${i}`);
    return Number(i);
  }
  if (i === undefined || i === null) throw new FuncError("cannot index slice/array with nil");
  throw new FuncError(`cannot index slice/array with type ${typeName(i)}`);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined) throw new FuncError("index of untyped nil");
  let cur: unknown = item;
  for (const i of indexes) {
    if (cur === null || cur === undefined) throw new FuncError("index of nil pointer");
    const k: GoKind = kindOf(cur);
    if (k === "slice" || k === "bytes") {
      const arr = cur as ArrayLike<unknown>;
      const x = indexArg(i, arr.length);
      if (x >= arr.length) throw new FuncError(`index out of range: ${x}`);
      const el = arr[x];
      cur = k === "bytes" ? BigInt(el as number) : el;
    } else if (k === "string") {
      const bytes = Buffer.from(cur as string, "utf8");
      const x = indexArg(i, bytes.length);
      if (x >= bytes.length) throw new FuncError(`index out of range: ${x}`);
      cur = BigInt(bytes[x] ?? 0);
    } else if (k === "map") {
      if (i === undefined || i === null) throw new FuncError("value is nil; should be of type string");
      else if (typeof i !== "string") throw new FuncError(`value has type ${typeName(i)}; should be string`);
      else {
        const x = mapGet(cur, i);
        cur = x === undefined ? null : x;
      }
    } else throw new FuncError(`can't index item of type ${typeName(cur)}`);
  }
  return cur;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new FuncError("slice of untyped nil");
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  const k = kindOf(item);
  if (k === "string") {
    if (indexes.length === 3) throw new FuncError("cannot 3-index slice a string");
    const s = item as string;
    const ascii = isAscii(s);
    const len = ascii ? s.length : Buffer.byteLength(s);
    const idx = [0, len];
    indexes.forEach((x, n) => (idx[n] = indexArg(x, len)));
    const [a = 0, b = len] = idx;
    if (a > b) throw new FuncError(`invalid slice index: ${a} > ${b}`);
    return ascii ? s.slice(a, b) : Buffer.from(s, "utf8").subarray(a, b).toString("utf8");
  }
  if (k !== "slice") throw new FuncError(`can't slice item of type ${typeName(item)}`);
  const arr = item as unknown[];
  const idx = [0, arr.length, arr.length];
  indexes.forEach((x, n) => (idx[n] = indexArg(x, arr.length)));
  const [a = 0, b = arr.length, c = arr.length] = idx;
  if (a > b) throw new FuncError(`invalid slice index: ${a} > ${b}`);
  if (indexes.length === 3 && b > c) throw new FuncError(`invalid slice index: ${b} > ${c}`);
  return arr.slice(a, b);
}

function call(fn: unknown, ...args: unknown[]): unknown {
  if (typeof fn !== "function") {
    if (fn === undefined || fn === null) throw new FuncError("call of nil");
    throw new FuncError(`non-function of type ${typeName(fn)}`);
  }
  return (fn as (...a: unknown[]) => unknown)(...args.map((a) => (a === undefined ? null : a)));
}

type BasicKind = "bool" | "int" | "float" | "string";

function basicKind(v: unknown): BasicKind | undefined {
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float";
    case "string":
      return "string";
    default:
      return undefined;
  }
}

const errBadComparisonType = "invalid type for comparison";
const errBadComparison = "incompatible types for comparison";

function eq(arg1: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new FuncError("missing argument for comparison");
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    const valid1 = arg1 !== undefined && arg1 !== null;
    const valid2 = arg !== undefined && arg !== null;
    let truth = false;
    if (k1 !== k2) {
      if (valid1 && valid2 && (k1 !== undefined || k2 !== undefined)) throw new FuncError(errBadComparison);
      if (k1 === undefined && k2 === undefined) truth = sameNonBasic(arg1, arg);
    } else if (k1 !== undefined) {
      truth = arg1 === arg;
    } else {
      truth = sameNonBasic(arg1, arg);
    }
    if (truth) return true;
  }
  return false;
}

function sameNonBasic(a: unknown, b: unknown): boolean {
  const na = a === undefined || a === null;
  const nb = b === undefined || b === null;
  if (na || nb) return na === nb;
  if (a instanceof GoTime && b instanceof GoTime) return a.ms === b.ms;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) throw new FuncError(errBadComparison);
  throw new FuncError(`non-comparable type ${typeName(b)}`);
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  if (k1 === undefined) throw new FuncError(errBadComparisonType);
  const k2 = basicKind(b);
  if (k2 === undefined) throw new FuncError(errBadComparisonType);
  if (k1 !== k2) throw new FuncError(errBadComparison);
  if (k1 === "bool") throw new FuncError(errBadComparisonType);
  return (a as string | number | bigint) < (b as string | number | bigint);
}

/** Go's `template.HTMLEscapeString`. */
export function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => HTML_ESCAPES[c] ?? c);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "'": "&#39;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&#34;",
  "\0": "\uFFFD",
};

/** Go's `template.JSEscapeString`. */
export function jsEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case "\\": out += "\\\\"; continue;
      case "'": out += "\\'"; continue;
      case '"': out += '\\"'; continue;
      case "<": out += "\\u003C"; continue;
      case ">": out += "\\u003E"; continue;
      case "&": out += "\\u0026"; continue;
      case "=": out += "\\u003D"; continue;
    }
    if (c < 0x20) out += "\\u00" + c.toString(16).toUpperCase().padStart(2, "0");
    else if (c === 0x7f || (c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029) out += "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
    else out += ch;
  }
  return out;
}

/** Go's `url.QueryEscape`. */
export function queryEscape(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}
