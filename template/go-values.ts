import { goMethod } from "./go-methods.js";
import { GoStruct } from "./go-struct.js";
import { GoTime } from "./go-time.js";

/**
 * How JavaScript values stand in for Go values inside templates.
 *
 * Data reaches Go templates in Argo CD and Sealed Secrets through `encoding/json` or
 * `sigs.k8s.io/yaml`, so every number in data is a `float64`. We keep that model:
 * - `number` is a Go `float64` (prints `1e+06` for a million, like Go),
 * - `bigint` is a Go `int` (integer literals, `len`, Sprig's `add`, `atoi`, ...),
 * - `string`, `boolean`, arrays (`[]interface {}`), plain objects and `Map`s (`map[string]interface {}`),
 * - `null` is a nil interface, `undefined` is Go's invalid `reflect.Value` ("no value"),
 * - `GoTime` is `time.Time`, `Uint8Array` is `[]uint8`, functions are `func` values.
 */
export type GoKind =
  | "invalid"
  | "nil"
  | "bool"
  | "int"
  | "float"
  | "string"
  | "slice"
  | "map"
  | "bytes"
  | "time"
  | "struct"
  | "func"
  | "other";

export type GoMap = Record<string, unknown>;

export function kindOf(v: unknown): GoKind {
  switch (typeof v) {
    case "undefined":
      return "invalid";
    case "string":
      return "string";
    case "number":
      return "float";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    case "function":
      return "func";
    case "object":
      if (v === null) return "nil";
      if (Array.isArray(v)) return "slice";
      if (v instanceof GoTime) return "time";
      if (v instanceof GoStruct) return "struct";
      if (v instanceof Uint8Array) return "bytes";
      if (v instanceof Map) return "map";
      return "map";
    default:
      return "other";
  }
}

export function isMap(v: unknown): v is GoMap {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GoTime) && !(v instanceof GoStruct) && !(v instanceof Uint8Array) && !(v instanceof Map);
}

/** Reads a key of a map-like value (plain object or `Map`); `undefined` when absent. */
export function mapGet(m: object, key: string): unknown {
  if (m instanceof Map) return (m as Map<unknown, unknown>).get(key);
  return Object.prototype.hasOwnProperty.call(m, key) ? (m as GoMap)[key] : undefined;
}

/** Sets a key on a map-like value without ever touching a prototype (`__proto__` is an ordinary key here). */
export function mapSet(m: object, key: string, value: unknown): void {
  if (m instanceof Map) (m as Map<unknown, unknown>).set(key, value);
  else Object.defineProperty(m, key, { value, writable: true, enumerable: true, configurable: true });
}

export function mapHas(m: object, key: string): boolean {
  if (m instanceof Map) return (m as Map<unknown, unknown>).has(key);
  return Object.prototype.hasOwnProperty.call(m, key);
}

/** A map's keys in Go's `fmtsort` order (byte order for strings). */
export function sortedKeys(m: object): string[] {
  const keys = m instanceof Map ? [...(m as Map<unknown, unknown>).keys()].map(String) : Object.keys(m);
  return keys.sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The Go type name used in messages (`%T`, "wrong type for value; expected string; got int"). */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case "invalid":
    case "nil":
      return "<nil>";
    case "bool":
      return "bool";
    case "int":
      return "int";
    case "float":
      return "float64";
    case "string":
      return "string";
    case "slice":
      return "[]interface {}";
    case "map":
      return "map[string]interface {}";
    case "bytes":
      return "[]uint8";
    case "time":
      return "time.Time";
    case "struct":
      return (v as GoStruct).goType;
    case "func":
      return "func(...interface {}) interface {}";
    default:
      return "interface {}";
  }
}

/** Go's `isTrue`: the truth of a value for `if`, `with`, `and`, `or`, `not`. */
export function isTrue(v: unknown): boolean {
  switch (typeof v) {
    case "undefined":
      return false;
    case "boolean":
      return v;
    case "string":
      return v.length > 0;
    case "number":
      return v !== 0;
    case "bigint":
      return v !== 0n;
    case "function":
      return true;
    case "object":
      if (v === null) return false;
      if (Array.isArray(v)) return v.length > 0;
      if (v instanceof Uint8Array) return v.length > 0;
      if (v instanceof GoTime || v instanceof GoStruct) return true;
      if (v instanceof Map) return v.size > 0;
      for (const _ in v) return true;
      return false;
    default:
      return true;
  }
}

/** The length in bytes of a Go string holding this text (UTF-8). */
export function byteLength(s: string): number {
  // Fast path: pure ASCII strings are the common case.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, "utf8");
  return s.length;
}

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Go's `strconv.FormatFloat(x, fmt, prec, 64)` for the `e`, `f` and `g` formats. */
export function formatFloat(x: number, fmt: "e" | "f" | "g" | "E" | "G", prec: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  const sign = neg ? "-" : "";
  const upper = fmt === "E" || fmt === "G";
  const lower = fmt.toLowerCase() as "e" | "f" | "g";
  if (lower === "f") {
    if (prec < 0) {
      const { digits, exp } = decimalDigits(ax, -1);
      return sign + fixedFromDigits(digits, exp, Math.max(digits.length - exp - 1, 0));
    }
    return sign + toFixedExact(ax, prec);
  }
  if (lower === "e") {
    const { digits, exp } = decimalDigits(ax, prec < 0 ? -1 : prec + 1);
    const p = prec < 0 ? digits.length - 1 : prec;
    return sign + expFromDigits(digits, exp, p, upper ? "E" : "e");
  }
  // %g
  const shortest = prec < 0;
  let p = prec === 0 ? 1 : prec;
  const d = decimalDigits(ax, shortest ? -1 : p);
  const digits = d.digits.replace(/0+$/, "") || "0";
  const exp = ax === 0 ? 0 : d.exp;
  const nd = digits.length;
  const dp = exp + 1;
  if (shortest) p = nd;
  let eprec = p;
  if (eprec > nd && nd >= dp) eprec = nd;
  if (shortest) eprec = 6;
  if (exp < -4 || exp >= eprec) {
    if (p > nd) p = nd;
    return sign + expFromDigits(digits, exp, p - 1, upper ? "E" : "e");
  }
  if (p > dp) p = nd;
  return sign + fixedFromDigits(digits, exp, Math.max(p - dp, 0));
}

/** Decimal digits (no dot) and exponent of |x|; `sig` significant digits, or the shortest round-trip form. */
function decimalDigits(ax: number, sig: number): { digits: string; exp: number } {
  if (ax === 0) return { digits: "0".repeat(Math.max(sig, 1)), exp: 0 };
  const s = sig < 0 ? ax.toExponential() : ax.toExponential(Math.min(sig - 1, 100));
  const e = s.indexOf("e");
  return { digits: s.slice(0, e).replace(".", ""), exp: Number(s.slice(e + 1)) };
}

function expFromDigits(digits: string, exp: number, prec: number, e: string): string {
  let mant = digits[0] ?? "0";
  if (prec > 0) mant += "." + digits.slice(1, prec + 1).padEnd(prec, "0");
  const ae = Math.abs(exp);
  return `${mant}${e}${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
}

function fixedFromDigits(digits: string, exp: number, prec: number): string {
  // digits d0 d1 ... with the decimal point after position exp+1.
  const dp = exp + 1;
  let intPart: string;
  let frac: string;
  if (dp <= 0) {
    intPart = "0";
    frac = "0".repeat(-dp) + digits;
  } else if (dp >= digits.length) {
    intPart = digits + "0".repeat(dp - digits.length);
    frac = "";
  } else {
    intPart = digits.slice(0, dp);
    frac = digits.slice(dp);
  }
  frac = frac.slice(0, prec).padEnd(prec, "0");
  return prec > 0 ? `${intPart}.${frac}` : intPart;
}

function toFixedExact(ax: number, prec: number): string {
  if (ax < 1e21 && prec <= 100) return ax.toFixed(prec);
  const intPart = ax >= 1e21 ? BigInt(ax).toString() : Math.trunc(ax).toString();
  return prec > 0 ? `${intPart}.${"0".repeat(prec)}` : intPart;
}

/** Go's `strconv.Quote`. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else if (c >= 0x80 && c < 0xa0) out += "\\u" + c.toString(16).padStart(4, "0");
    else if (c === 0xfffd && ch !== "\ufffd") out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}

/** Go's `fmt` `%v` of a value, as `print` and actions show it. `top` values print nil as `<nil>`. */
export function formatValue(v: unknown): string {
  switch (typeof v) {
    case "string":
      return v;
    case "number":
      return formatFloat(v, "g", -1);
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "true" : "false";
    case "undefined":
      return "<nil>";
    case "function":
      return "0x1";
    case "object": {
      if (v === null) return "<nil>";
      const stringer = goMethod(v, "String");
      if (stringer !== undefined) return String(stringer());
      if (Array.isArray(v)) return "[" + v.map(formatValue).join(" ") + "]";
      if (v instanceof GoTime) return v.toGoString();
      if (v instanceof GoStruct) return v.formatGo();
      if (v instanceof Uint8Array) return "[" + Array.from(v).join(" ") + "]";
      return "map[" + sortedKeys(v).map((k) => `${k}:${formatValue(mapGet(v, k))}`).join(" ") + "]";
    }
    default:
      return String(v);
  }
}
