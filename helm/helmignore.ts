import { goPathMatch, goPathPattern } from "./go-path-match.js";

/**
 * `.helmignore` rules (Helm's pkg/ignore): one Go filepath pattern a line, `#` comments, `!`
 * negation, a trailing `/` for directories only, a leading `/` anchors at the chart root, a rule
 * without `/` matches the base name. `**` is refused, as Helm refuses it. Helm always adds
 * `templates/.?*` (dot files in templates/).
 */
interface Rule {
  readonly negate: boolean;
  readonly mustDir: boolean;
  readonly pattern: string;
  readonly baseName: boolean;
}

export interface HelmIgnore {
  /** True when the path (chart-relative, `/`-separated) is to be left out. */
  ignores(path: string, isDir: boolean): boolean;
}

export function parseHelmIgnore(text: string): HelmIgnore {
  const rules: Rule[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const raw of [...lines, "templates/.?*"]) {
    let rule = raw.trim();
    if (rule === "" || rule.startsWith("#")) continue;
    if (rule.includes("**")) throw new Error("double-star (**) syntax is not supported");
    goPathPattern(rule.replace(/^!/, "").replace(/^\//, ""));
    const negate = rule.startsWith("!");
    if (negate) rule = rule.slice(1);
    const mustDir = rule.endsWith("/");
    if (mustDir) rule = rule.slice(0, -1);
    const anchored = rule.startsWith("/");
    if (anchored) rule = rule.slice(1);
    rules.push({ negate, mustDir, pattern: rule, baseName: !anchored && !rule.includes("/") });
  }
  return {
    ignores(path: string, isDir: boolean): boolean {
      if (path === "" || path === "." || path === "./") return false;
      for (const r of rules) {
        const name = r.baseName ? path.slice(path.lastIndexOf("/") + 1) : path;
        let matched: boolean;
        try {
          matched = goPathMatch(r.pattern, name);
        } catch {
          matched = false;
        }
        if (r.negate) {
          if (r.mustDir && !isDir) return true;
          if (!matched) return true;
          continue;
        }
        if (r.mustDir && !isDir) continue;
        if (matched) return true;
      }
      return false;
    },
  };
}
