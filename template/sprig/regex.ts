import { goFunc, type GoFunction } from "../go-function.js";

/**
 * Go RE2 patterns run on JS RegExp: `(?P<name>` becomes `(?<name>`, a leading `(?flags)` group
 * becomes RegExp flags, `\A` and `\z` become anchors. Patterns JS cannot compile fail with
 * Go's "error parsing regexp" wording.
 */
export function goRegExp(pattern: string, global: boolean): RegExp {
  let src = pattern.replace(/\(\?P</g, "(?<").replace(/\\A/g, "^").replace(/\\z/g, "$(?![\\s\\S])");
  let flags = global ? "g" : "";
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead !== null) {
    const f = lead[1] ?? "";
    if (f.includes("U")) throw new Error(`error parsing regexp: ungreedy flag not supported: \`${pattern}\``);
    flags += f;
    src = src.slice(lead[0].length);
  }
  try {
    return new RegExp(src, flags);
  } catch (err) {
    throw new Error(`error parsing regexp: ${err instanceof Error ? err.message.replace(/^Invalid regular expression: /, "") : String(err)}`);
  }
}

/** Go's `Regexp.Expand` template syntax: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_all, tok: string, braced?: string, bare?: string) => {
    if (tok === "$") return "$";
    const name = braced ?? bare ?? "";
    if (/^\d+$/.test(name)) return match[Number(name)] ?? "";
    return match.groups?.[name] ?? "";
  });
}

function replaceAll(re: RegExp, s: string, repl: (m: RegExpExecArray) => string): string {
  let out = "";
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    out += s.slice(last, m.index) + repl(m);
    last = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
  return out + s.slice(last);
}

function findAll(regex: string, s: string, n: bigint): string[] {
  const re = goRegExp(regex, true);
  const out: string[] = [];
  for (let m = re.exec(s); m !== null && (n < 0n || out.length < Number(n)); m = re.exec(s)) {
    out.push(m[0]);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

function split(regex: string, s: string, n: bigint): string[] {
  if (n === 0n) return [];
  const re = goRegExp(regex, true);
  const parts: string[] = [];
  let last = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    if (n > 0n && parts.length === Number(n) - 1) break;
    if (m[0].length === 0) {
      if (m.index === 0 || m.index >= s.length) {
        re.lastIndex++;
        continue;
      }
      re.lastIndex++;
    }
    parts.push(s.slice(last, m.index));
    last = m.index + m[0].length;
  }
  parts.push(s.slice(last));
  return parts;
}

function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

const match = (regex: string, s: string): boolean => goRegExp(regex, false).test(s);
const find = (regex: string, s: string): string => goRegExp(regex, false).exec(s)?.[0] ?? "";
const replace = (regex: string, s: string, repl: string): string => replaceAll(goRegExp(regex, true), s, (m) => expand(repl, m));
const replaceLiteral = (regex: string, s: string, repl: string): string => replaceAll(goRegExp(regex, true), s, () => repl);

const safe = <A extends unknown[], R>(f: (...a: A) => R, fallback: R) => (...a: A): R => {
  try {
    return f(...a);
  } catch {
    return fallback;
  }
};

/** Sprig's regular-expression functions (`regex.go`). Plain forms panic on a bad pattern, `must*` forms return the error. */
export const REGEX_FUNCS: ReadonlyArray<readonly [string, GoFunction]> = [
  ["regexMatch", goFunc(["string", "string"], safe(match, false))],
  ["mustRegexMatch", goFunc(["string", "string"], match)],
  ["regexFind", goFunc(["string", "string"], find)],
  ["mustRegexFind", goFunc(["string", "string"], find)],
  ["regexFindAll", goFunc(["string", "string", "int"], findAll)],
  ["mustRegexFindAll", goFunc(["string", "string", "int"], findAll)],
  ["regexReplaceAll", goFunc(["string", "string", "string"], replace)],
  ["mustRegexReplaceAll", goFunc(["string", "string", "string"], replace)],
  ["regexReplaceAllLiteral", goFunc(["string", "string", "string"], replaceLiteral)],
  ["mustRegexReplaceAllLiteral", goFunc(["string", "string", "string"], replaceLiteral)],
  ["regexSplit", goFunc(["string", "string", "int"], split)],
  ["mustRegexSplit", goFunc(["string", "string", "int"], split)],
  ["regexQuoteMeta", goFunc(["string"], quoteMeta)],
];
