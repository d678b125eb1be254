import { goPathMatch } from "../../helm/index.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";

// Argo CD expands glob value files with doublestar.FilepathGlob: `*`, `?` and `[...]` within one
// path element (Go's filepath.Match), `**` as zero or more whole elements; matches come back in
// lexical order, which is helm's merge order (a later file wins).

/** True when a value file path holds glob metacharacters (Argo's isGlobPath). */
export function isGlobPath(path: string): boolean {
  return /[*?[]/u.test(path);
}

/** The paths of `candidates` (repository-relative, `/`-separated) that `pattern` matches, sorted. */
export function expandGlob(pattern: string, candidates: Iterable<string>, where: { file?: string | undefined; field: string }): string[] {
  const parts = pattern.split("/").filter((p) => p !== "" && p !== ".");
  try {
    goPathMatch(parts.filter((p) => p !== "**").join("/"), ""); // a malformed pattern fails here, as doublestar's ErrBadPattern
  } catch {
    throw new GitOpsError(GITOPS_ERROR.invalid, `error expanding glob pattern ${JSON.stringify(pattern)}: syntax error in pattern`, where);
  }
  const out: string[] = [];
  for (const path of candidates) if (matchParts(parts, path.split("/"))) out.push(path);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function matchParts(pattern: readonly string[], path: readonly string[]): boolean {
  if (pattern.length === 0) return path.length === 0;
  const [head, ...rest] = pattern;
  if (head === "**") {
    for (let i = 0; i <= path.length; i++) if (matchParts(rest, path.slice(i))) return true;
    return false;
  }
  if (path.length === 0 || !goPathMatch(head, path[0])) return false;
  return matchParts(rest, path.slice(1));
}
