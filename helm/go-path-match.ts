/**
 * Go's `path/filepath.Match` (on `/`-separated names): `*` is any run of non-`/` characters,
 * `?` one non-`/` character, `[...]` a class (`^` negates, `a-z` ranges), `\` escapes.
 * Helm uses it for `.helmignore` rules and `helm template --show-only`.
 */
export function goPathMatch(pattern: string, name: string): boolean {
  return goPathPattern(pattern).test(name);
}

const cache = new Map<string, RegExp>();

/** The pattern as an anchored RegExp; throws `syntax error in pattern` for a malformed one, as Go does. */
export function goPathPattern(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re !== undefined) return re;
  let src = "";
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? "";
    if (c === "*") src += "[^/]*";
    else if (c === "?") src += "[^/]";
    else if (c === "\\") {
      i++;
      if (i >= chars.length) throw new Error("syntax error in pattern");
      src += escapeRe(chars[i] ?? "");
    } else if (c === "[") {
      i++;
      let cls = "";
      if (chars[i] === "^") {
        cls += "^";
        i++;
      }
      let n = 0;
      while (i < chars.length && (chars[i] !== "]" || n === 0)) {
        let lo = chars[i] ?? "";
        if (lo === "\\") lo = chars[++i] ?? "";
        if (lo === "" || lo === "-" && n === 0) throw new Error("syntax error in pattern");
        i++;
        let item = escapeClass(lo);
        if (chars[i] === "-" && chars[i + 1] !== "]") {
          let hi = chars[i + 1] ?? "";
          i += 2;
          if (hi === "\\") hi = chars[i++] ?? "";
          if (hi === "") throw new Error("syntax error in pattern");
          item += "-" + escapeClass(hi);
        }
        cls += item;
        n++;
      }
      if (chars[i] !== "]" || n === 0) throw new Error("syntax error in pattern");
      // Go's classes never match the separator.
      src += cls.startsWith("^") ? `[${cls}/]` : `(?!/)[${cls}]`;
    } else src += escapeRe(c);
  }
  re = new RegExp(`^${src}$`, "su");
  cache.set(pattern, re);
  return re;
}

function escapeRe(c: string): string {
  // Not `-`: outside a class `\-` is a syntax error under the `u` flag.
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function escapeClass(c: string): string {
  return c.replace(/[\]\\^-]/g, "\\$&");
}

/**
 * gobwas/glob with `/` as separator, as Helm's `.Files.Glob` uses it: like `goPathMatch`, plus
 * `**` (any run, `/` included) and `{a,b}` alternatives.
 */
export function filesGlobPattern(pattern: string): RegExp {
  let src = "";
  let depth = 0;
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? "";
    if (c === "*") {
      if (chars[i + 1] === "*") {
        src += ".*";
        i++;
      } else src += "[^/]*";
    } else if (c === "?") src += "[^/]";
    else if (c === "\\") src += escapeRe(chars[++i] ?? "\\");
    else if (c === "{") {
      src += "(?:";
      depth++;
    } else if (c === "}" && depth > 0) {
      src += ")";
      depth--;
    } else if (c === "," && depth > 0) src += "|";
    else if (c === "[") {
      const end = chars.indexOf("]", i + 1);
      if (end < 0) throw new Error(`unexpected end of input in glob ${JSON.stringify(pattern)}`);
      let body = chars.slice(i + 1, end).join("");
      if (body.startsWith("!")) body = "^" + body.slice(1);
      src += `[${body.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else src += escapeRe(c);
  }
  if (depth > 0) throw new Error(`unexpected end of input in glob ${JSON.stringify(pattern)}`);
  return new RegExp(`^${src}$`, "su");
}
