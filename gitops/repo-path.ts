import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";

/**
 * Normalises a path inside a repository to `a/b/c` form (no leading `./`, no trailing `/`, `""` for
 * the root) and refuses anything that could leave it: absolute paths, `..` that climbs above the
 * root, backslashes and NUL bytes. Every path we read goes through here first.
 */
export function confinePath(path: string, where: { file?: string; field?: string } = {}): string {
  if (path.includes("\0") || path.includes("\\")) {
    throw new GitOpsError(GITOPS_ERROR.pathEscape, `path ${JSON.stringify(path)} has a NUL byte or a backslash`, where);
  }
  if (path.startsWith("/")) {
    throw new GitOpsError(GITOPS_ERROR.pathEscape, `path ${JSON.stringify(path)} is absolute; paths are relative to the repository root`, where);
  }
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) {
        throw new GitOpsError(GITOPS_ERROR.pathEscape, `path ${JSON.stringify(path)} escapes the repository`, where);
      }
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join("/");
}

/** `dir` joined with `rel` (which may hold `..`), confined to the repository. */
export function joinRepoPath(dir: string, rel: string, where: { file?: string; field?: string } = {}): string {
  if (rel.startsWith("/")) return confinePath(rel, where);
  return confinePath(dir === "" ? rel : `${dir}/${rel}`, where);
}

/** The parent directory of a normalised path (`""` for top-level entries), like Go's path.Dir minus ".". */
export function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** The last element of a path, like Go's path.Base. */
export function baseOf(path: string): string {
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  if (trimmed === "") return ".";
  const slash = trimmed.lastIndexOf("/");
  return slash < 0 ? trimmed : trimmed.slice(slash + 1);
}
