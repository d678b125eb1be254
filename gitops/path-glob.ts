import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";

/**
 * Glob matching for the git generators. Directories follow Go's `path.Match` (what Argo's git
 * directory generator uses): `*` and `?` never cross `/`, `[...]` is a class, `\` escapes. Files also
 * accept `**` for any number of whole path segments (Argo's file globbing, doublestar style).
 */
export interface PathGlob {
  readonly pattern: string;
  matches(path: string): boolean;
}

const cache = new Map<string, PathGlob>();

export function compileGlob(pattern: string, options: { doubleStar: boolean; field?: string }): PathGlob {
  const key = `${options.doubleStar ? "**" : "*"}\0${pattern}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const regex = new RegExp(`^${translate(pattern, options.doubleStar, options.field)}$`, "u");
  // V8 compiles a regex when it first runs; a pattern too large for it fails there, not above.
  const glob: PathGlob = {
    pattern,
    matches: (path) => {
      try {
        return regex.test(path);
      } catch {
        throw new GitOpsError(GITOPS_ERROR.generator, `pattern too large to match (${String(pattern.length)} characters)`, { field: options.field });
      }
    },
  };
  if (cache.size > 1000) cache.clear();
  cache.set(key, glob);
  return glob;
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/u.test(ch) ? `\\${ch}` : ch;
}

function translate(pattern: string, doubleStar: boolean, field: string | undefined): string {
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern.charAt(i);
    if (ch === "*") {
      if (doubleStar && pattern[i + 1] === "*") {
        const atStart = i === 0 || pattern[i - 1] === "/";
        const atEnd = i + 2 === pattern.length || pattern[i + 2] === "/";
        if (atStart && atEnd) {
          // `**/` matches zero or more whole directories; a trailing `**` matches everything below.
          if (i + 2 === pattern.length) out += ".*";
          else out += "(?:[^/]*/)*";
          i += 3;
          continue;
        }
      }
      out += "[^/]*";
      i++;
    } else if (ch === "?") {
      out += "[^/]";
      i++;
    } else if (ch === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) throw badPattern(pattern, field);
      let body = pattern.slice(i + 1, close);
      let negate = false;
      if (body.startsWith("^")) {
        negate = true;
        body = body.slice(1);
      }
      const cls = body.replace(/\\(.)/gu, "$1").replace(/[\\\]^]/gu, (c) => `\\${c}`);
      out += negate ? `(?!/)[^${cls}]` : `[${cls}]`;
      i = close + 1;
    } else if (ch === "\\") {
      if (i + 1 >= pattern.length) throw badPattern(pattern, field);
      out += escapeRegex(pattern.charAt(i + 1));
      i += 2;
    } else {
      out += escapeRegex(ch);
      i++;
    }
  }
  return out;
}

function badPattern(pattern: string, field: string | undefined): GitOpsError {
  return new GitOpsError(GITOPS_ERROR.generator, `syntax error in pattern ${JSON.stringify(pattern)}`, { field });
}
