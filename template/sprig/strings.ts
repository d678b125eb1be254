import { goFunc, type GoFunction } from "../go-function.js";
import { goQuote, isAscii, mapSet } from "../go-values.js";
import { strval } from "./cast.js";
import { allocation } from "../exec-budget.js";

const isSpace = (c: string): boolean => /\s/u.test(c);

/** Go's `strings.Title`: upper-cases the first letter of every word. */
export function title(s: string): string {
  let prev = " ";
  let out = "";
  for (const c of s) {
    out += isSeparator(prev) ? c.toUpperCase() : c;
    prev = c;
  }
  return out;
}

function isSeparator(c: string): boolean {
  if (/[\p{L}\p{Nd}_]/u.test(c)) return false;
  return true;
}

function untitle(s: string): string {
  let prev = " ";
  let out = "";
  for (const c of s) {
    out += isSpace(prev) ? c.toLowerCase() : c;
    prev = c;
  }
  return out;
}

/** Go's `strings.Trim(s, cutset)`. */
export function trimCutset(s: string, cutset: string): string {
  const set = new Set(cutset);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  while (a < b && set.has(chars[a])) a++;
  while (b > a && set.has(chars[b - 1])) b--;
  return chars.slice(a, b).join("");
}

/** Byte-indexed substring, like Go's `s[a:b]` (ASCII fast path). */
function byteSlice(s: string, a: number, b?: number): string {
  if (isAscii(s)) return s.slice(a, b);
  return Buffer.from(s, "utf8").subarray(a, b).toString("utf8");
}

function byteLen(s: string): number {
  return isAscii(s) ? s.length : Buffer.byteLength(s, "utf8");
}

function substr(start: bigint, end: bigint, s: string): string {
  const a = Number(start);
  const b = Number(end);
  if (a < 0) return byteSlice(s, 0, b);
  if (b < 0 || b > byteLen(s)) return byteSlice(s, a);
  if (a > b) throw new Error(`slice bounds out of range [${a}:${b}]`);
  return byteSlice(s, a, b);
}

function trunc(c: bigint, s: string): string {
  const n = Number(c);
  const len = byteLen(s);
  if (n < 0 && len + n > 0) return byteSlice(s, len + n);
  if (n >= 0 && len > n) return byteSlice(s, 0, n);
  return s;
}

function abbrev(width: bigint, s: string): string {
  const w = Number(width);
  if (w < 4) return s;
  if (byteLen(s) <= w) return s;
  return byteSlice(s, 0, w - 3) + "...";
}

function abbrevboth(left: bigint, right: bigint, s: string): string {
  const l = Number(left);
  const r = Number(right);
  if (r < 4 || (l > 0 && r < 7)) return s;
  const len = byteLen(s);
  if (len <= r) return s;
  let offset = l;
  if (offset > len) offset = len;
  if (len - offset < r - 3) offset = len - (r - 3);
  if (offset <= 4) return byteSlice(s, 0, r - 3) + "...";
  if (r < 7) return s;
  if (offset + r - 3 < len) return "..." + abbrev(BigInt(r - 3), byteSlice(s, offset));
  return "..." + byteSlice(s, len - (r - 3));
}

function indent(spaces: bigint, v: string): string {
  allocation(Number(spaces) * (1 + (v.match(/\n/g)?.length ?? 0)) + v.length, "an indented string");
  const pad = " ".repeat(Math.max(Number(spaces), 0));
  return pad + v.split("\n").join("\n" + pad);
}

function repeat(count: bigint, s: string): string {
  if (count < 0n) throw new Error("strings: negative Repeat count");
  allocation(Number(count) * s.length, "a repeated string");
  return s.repeat(Number(count));
}

function nonNil(args: readonly unknown[]): unknown[] {
  return args.filter((a) => a !== null && a !== undefined);
}

/**
 * xstrings.ToPascalCase (Sprig's `camelcase`): leading connectors (`_`, `-`, white space) are kept,
 * a connector is dropped before a letter it capitalises, runs of connectors keep all but the last,
 * and a trailing connector stays: `"_complex__case_"` gives `"_Complex_Case_"`.
 */
export function camelcase(s: string): string {
  const isConnector = (r: string): boolean => r === "-" || r === "_" || /^\s$/u.test(r);
  const runes = [...s];
  if (runes.length === 0) return "";
  let out = "";
  let k = 0;
  let r0 = "";
  while (k < runes.length) {
    r0 = runes[k++] ?? "";
    if (!isConnector(r0)) {
      r0 = r0.toUpperCase();
      break;
    }
    out += r0;
  }
  // Go writes the last rune again here, so "_" gives "__" (kept: it is what charts get).
  if (k >= runes.length) return out + r0;
  while (k < runes.length) {
    const r1 = r0;
    r0 = runes[k++] ?? "";
    if (isConnector(r0) && isConnector(r1)) {
      out += r1;
      continue;
    }
    if (isConnector(r1)) r0 = r0.toUpperCase();
    else out += r1;
  }
  return out + r0;
}

/** xstrings.ToSnakeCase / ToKebabCase: split at separators and case changes, lower-case, join. */
export function caseWords(s: string, sep: string): string {
  const words: string[] = [];
  let cur = "";
  const chars = [...s];
  chars.forEach((c, i) => {
    if (/[\s_\-.]/.test(c)) {
      if (cur !== "") words.push(cur);
      cur = "";
      return;
    }
    const prev = chars[i - 1] ?? "";
    const next = chars[i + 1] ?? "";
    const isUpper = /\p{Lu}/u.test(c);
    const boundary =
      cur !== "" &&
      ((isUpper && /[\p{Ll}\d]/u.test(prev)) || (isUpper && /\p{Lu}/u.test(prev) && /\p{Ll}/u.test(next)) || (/\d/.test(c) && /\p{Ll}/u.test(prev) && cur.length > 3));
    if (boundary) {
      words.push(cur);
      cur = "";
    }
    cur += c;
  });
  if (cur !== "") words.push(cur);
  return words.map((w) => w.toLowerCase()).join(sep);
}

function swapcase(s: string): string {
  let out = "";
  for (const c of s) {
    const u = c.toUpperCase();
    out += c === u ? c.toLowerCase() : u;
  }
  return out;
}

function initials(s: string): string {
  return s
    .split(/\s+/)
    .filter((w) => w !== "")
    .map((w) => [...w][0])
    .join("");
}

/** goutils.WrapCustom(str, width, newline, wrapLongWords=true) as Sprig's wrap uses it. */
function wrapWith(width: bigint, sep: string, s: string): string {
  const w = Math.max(Number(width), 1);
  const lines: string[] = [];
  for (const para of s.split("\n")) {
    let line = "";
    for (const word of para.split(" ").filter((x) => x !== "")) {
      let rest = word;
      while (rest.length > w && line === "") {
        lines.push(rest.slice(0, w));
        rest = rest.slice(w);
      }
      if (line === "") line = rest;
      else if (line.length + 1 + rest.length <= w) line += " " + rest;
      else {
        lines.push(line);
        line = rest;
        while (line.length > w) {
          lines.push(line.slice(0, w));
          line = line.slice(w);
        }
      }
    }
    lines.push(line);
  }
  return lines.join(sep);
}

function plural(one: string, many: string, count: bigint): string {
  return count === 1n ? one : many;
}

/** Sprig's string functions (Masterminds/sprig v3 `functions.go`, `strings.go`). */
export const STRING_FUNCS: ReadonlyArray<readonly [string, GoFunction]> = [
  ["upper", goFunc(["string"], (s: string) => s.toUpperCase())],
  ["lower", goFunc(["string"], (s: string) => s.toLowerCase())],
  ["title", goFunc(["string"], title)],
  ["untitle", goFunc(["string"], untitle)],
  ["substr", goFunc(["int", "int", "string"], substr)],
  ["repeat", goFunc(["int", "string"], repeat)],
  ["trim", goFunc(["string"], (s: string) => s.replace(/^\s+|\s+$/gu, ""))],
  ["trimAll", goFunc(["string", "string"], (cut: string, s: string) => trimCutset(s, cut))],
  ["trimall", goFunc(["string", "string"], (cut: string, s: string) => trimCutset(s, cut))],
  ["trimSuffix", goFunc(["string", "string"], (suf: string, s: string) => (suf !== "" && s.endsWith(suf) ? s.slice(0, s.length - suf.length) : s))],
  ["trimPrefix", goFunc(["string", "string"], (pre: string, s: string) => (s.startsWith(pre) ? s.slice(pre.length) : s))],
  ["nospace", goFunc(["string"], (s: string) => s.replace(/\s/gu, ""))],
  ["initials", goFunc(["string"], initials)],
  ["swapcase", goFunc(["string"], swapcase)],
  ["snakecase", goFunc(["string"], (s: string) => caseWords(s, "_"))],
  ["camelcase", goFunc(["string"], camelcase)],
  ["kebabcase", goFunc(["string"], (s: string) => caseWords(s, "-"))],
  ["wrap", goFunc(["int", "string"], (w: bigint, s: string) => wrapWith(w, "\n", s))],
  ["wrapWith", goFunc(["int", "string", "string"], wrapWith)],
  ["contains", goFunc(["string", "string"], (sub: string, s: string) => s.includes(sub))],
  ["hasPrefix", goFunc(["string", "string"], (pre: string, s: string) => s.startsWith(pre))],
  ["hasSuffix", goFunc(["string", "string"], (suf: string, s: string) => s.endsWith(suf))],
  ["quote", goFunc([], (...args: unknown[]) => nonNil(args).map((a) => goQuote(strval(a))).join(" "), "any")],
  ["squote", goFunc([], (...args: unknown[]) => nonNil(args).map((a) => `'${strval(a)}'`).join(" "), "any")],
  ["cat", goFunc([], (...args: unknown[]) => nonNil(args).map(strval).join(" "), "any")],
  ["indent", goFunc(["int", "string"], indent)],
  ["nindent", goFunc(["int", "string"], (n: bigint, v: string) => "\n" + indent(n, v))],
  ["replace", goFunc(["string", "string", "string"], (o: string, n: string, s: string) => (o === "" ? goReplaceEmpty(s, n) : s.split(o).join(n)))],
  ["plural", goFunc(["string", "string", "int"], plural)],
  ["trunc", goFunc(["int", "string"], trunc)],
  ["abbrev", goFunc(["int", "string"], abbrev)],
  ["abbrevboth", goFunc(["int", "int", "string"], abbrevboth)],
  ["join", goFunc(["string", "any"], (sep: string, v: unknown) => strslice(v).join(sep))],
  ["splitList", goFunc(["string", "string"], (sep: string, s: string) => goSplit(s, sep))],
  ["split", goFunc(["string", "string"], (sep: string, s: string) => indexMap(goSplit(s, sep)))],
  ["splitn", goFunc(["string", "int", "string"], (sep: string, n: bigint, s: string) => indexMap(goSplitN(s, sep, Number(n))))],
  ["toStrings", goFunc(["any"], (v: unknown) => strslice(v))],
];

/** Go's `strings.Replace(s, "", new, -1)`: inserts `new` around every rune. */
function goReplaceEmpty(s: string, n: string): string {
  return n + [...s].join(n) + (s === "" ? "" : n);
}

/** Go's `strings.Split`: an empty separator splits into runes. */
export function goSplit(s: string, sep: string): string[] {
  if (sep === "") return [...s];
  return s.split(sep);
}

function goSplitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (n < 0) return goSplit(s, sep);
  const parts = goSplit(s, sep);
  if (parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function indexMap(parts: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  parts.forEach((p, i) => mapSet(out, `_${i}`, p));
  return out;
}

/** Sprig's `strslice`: a list becomes its elements' strings (nils dropped); anything else a one-element list. */
export function strslice(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}
