import semver from "semver";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";

// Helm resolves a chart version with Masterminds/semver v3 (repo/index.go IndexFile.Get): an exact
// version string wins first, then the highest version that satisfies the constraint. Versions are
// read leniently ("v1.2", "1.2" → 1.2.0), a comma means AND, `||` means OR, and prereleases are
// considered only when the constraint itself names one. node-semver evaluates the comparators once
// they are written in its syntax; `!=` (which it lacks) is checked here.

/** A parsed version constraint: `test` tells whether a version satisfies it. */
export interface ChartVersionConstraint {
  readonly text: string;
  test(version: string): boolean;
}

interface Group {
  readonly range: semver.Range | undefined;
  readonly excluded: readonly semver.SemVer[];
}

/** Masterminds' lenient version: optional `v`, missing minor/patch are 0. */
export function parseChartVersion(text: string): semver.SemVer | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/u.exec(text.trim());
  if (m === null) return undefined;
  const full = `${m[1]}.${m[2] ?? "0"}.${m[3] ?? "0"}${m[4] ?? ""}${m[5] ?? ""}`;
  return semver.parse(full) ?? undefined;
}

/** Parses a Helm (Masterminds) version constraint; throws GITOPS_CHART_VERSION naming `where`. */
export function parseChartConstraint(text: string, where: { file?: string | undefined; field: string }): ChartVersionConstraint {
  const source = text.trim() === "" ? "*" : text.trim();
  const bad = (why: string): GitOpsError => new GitOpsError(GITOPS_ERROR.chartVersion, `version constraint ${JSON.stringify(text)} is not valid: ${why}`, where);
  const includePrerelease = /\d-[0-9A-Za-z]/u.test(source);
  const groups: Group[] = source.split("||").map((part) => {
    // ">= 1.2, < 2" → [">=1.2", "<2"]
    const comparators = part.replace(/(>=|<=|!=|>|<|=|~|\^)\s+/gu, "$1").split(/[\s,]+/u).filter((c) => c !== "");
    if (comparators.length === 0) throw bad("an empty alternative");
    const excluded: semver.SemVer[] = [];
    const kept: string[] = [];
    for (const c of comparators) {
      if (c.startsWith("!=")) {
        const v = parseChartVersion(c.slice(2));
        if (v === undefined) throw bad(`${JSON.stringify(c)} names no version`);
        excluded.push(v);
      } else kept.push(c.replace(/^(=?)v(\d)/u, "$1$2"));
    }
    if (kept.length === 0) return { range: undefined, excluded };
    let range: semver.Range;
    try {
      range = new semver.Range(kept.join(" "), { includePrerelease });
    } catch {
      throw bad(`${JSON.stringify(kept.join(" "))} is not a comparator list`);
    }
    return { range, excluded };
  });
  return {
    text: source,
    test(version) {
      const v = parseChartVersion(version);
      if (v === undefined) return false;
      if (!includePrerelease && v.prerelease.length > 0) return false;
      return groups.some((g) => !g.excluded.some((e) => semver.eq(e, v)) && (g.range === undefined || g.range.test(v)));
    },
  };
}

/**
 * Picks the version Helm would: the exact string if listed, else the highest satisfying version.
 * Unparsable versions in the list are skipped (as Helm does). Undefined when none matches.
 */
export function resolveChartVersion(constraintText: string, versions: readonly string[], where: { file?: string | undefined; field: string }): string | undefined {
  const wanted = constraintText.trim();
  if (wanted !== "" && versions.includes(wanted)) return wanted;
  const constraint = parseChartConstraint(wanted, where);
  let best: { text: string; v: semver.SemVer } | undefined;
  for (const text of versions) {
    const v = parseChartVersion(text);
    if (v === undefined || !constraint.test(text)) continue;
    if (best === undefined || semver.compareBuild(v, best.v) > 0) best = { text, v };
  }
  return best?.text;
}
