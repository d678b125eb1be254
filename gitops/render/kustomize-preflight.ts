import { parse as parseYaml } from "yaml";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { isPlainObject } from "../generators/param-utils.js";
import { joinRepoPath } from "../repo-path.js";
import type { RepoSnapshot } from "../repo-snapshot.js";

export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

export interface KustomizePreflightOptions {
  /** The repository may name remote bases and files (git, https, ssh); `file:` is refused even then. */
  readonly allowRemote: boolean;
}

/** Fields whose entries are kustomization roots or resource files (kustomize fetches what is not local). */
const ROOT_LISTS = ["resources", "bases", "components", "generators", "transformers", "validators"] as const;
/** Fields whose entries are files read by kustomize's loader (which GETs http(s) URLs). */
const FILE_LISTS = ["crds", "configurations", "patchesStrategicMerge"] as const;
/** Fields whose entries are objects with a `path` file. */
const PATH_OBJECT_LISTS = ["patches", "patchesJson6902", "replacements"] as const;
/** Fields that fetch charts from chart repositories. */
const HELM_FIELDS = ["helmCharts", "helmChartInflationGenerator"] as const;

// Any scheme (https:, ssh:, file:, git::…), scp-like `git@host:path`, or go-getter's `?ref=` and `//subdir`.
const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:|[^/\s]*@[^/\s]*:)|\?|\/\//iu;

/**
 * Checks, before kustomize runs, that a kustomization (and every base it reaches inside the
 * repository) reads nothing outside the repository snapshot: every resource, base, component,
 * patch, generator file and CRD must be a file or directory of the snapshot, inside it, and
 * reached by no symlink that leaves it. An entry that is not in the snapshot would be fetched by
 * kustomize as a remote base (git, http, or `file://` from the hub's own disk), so it is refused
 * unless the repository is allowed remote bases; `file:` is refused always.
 */
export function preflightKustomization(snapshot: RepoSnapshot, dir: string, options: KustomizePreflightOptions): void {
  const visited = new Set<string>();
  const visit = (root: string): void => {
    if (visited.has(root)) return;
    visited.add(root);
    const prefix = root === "" ? "" : `${root}/`;
    const file = KUSTOMIZATION_FILES.map((f) => prefix + f).find((f) => snapshot.isFile(f));
    if (file === undefined) return; // a plain directory of resources: kustomize reads only its files
    let doc: unknown;
    try {
      doc = parseYaml(snapshot.readText(file, { field: "kustomization" }));
    } catch (err) {
      if (err instanceof GitOpsError) throw err;
      throw new GitOpsError(GITOPS_ERROR.kustomize, "the kustomization does not parse as YAML", { file });
    }
    if (!isPlainObject(doc)) return;
    const entry = (value: unknown, field: string, kind: "root" | "file"): void => {
      if (typeof value !== "string") return;
      // An inline patch (patchesStrategicMerge allows YAML text) is not a path.
      if (value.includes("\n")) return;
      checkEntry(value, { file, field }, kind);
    };
    const checkEntry = (value: string, where: { file: string; field: string }, kind: "root" | "file"): void => {
      if (/file:/iu.test(value)) {
        throw new GitOpsError(GITOPS_ERROR.kustomizeRemote, `${JSON.stringify(value)} reads the hub's own disk (file:); refused for every repository`, where);
      }
      if (URL_LIKE.test(value)) {
        if (options.allowRemote) return;
        throw new GitOpsError(GITOPS_ERROR.kustomizeRemote, `${JSON.stringify(value)} is a remote base; remote bases are not allowed for ${snapshot.source}`, where);
      }
      // Refuses absolute paths and `..` above the repository root (GITOPS_PATH_ESCAPE).
      const path = joinRepoPath(root, value, where);
      if (snapshot.isDirectory(path) && !snapshot.isFile(path)) {
        if (kind === "root") visit(path);
        return;
      }
      if (snapshot.isFile(path)) {
        // Follows in-repo symlinks; a symlink leaving the repository fails with GITOPS_PATH_ESCAPE.
        snapshot.read(path, where);
        return;
      }
      const hostLike = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?\//iu.test(value);
      if (hostLike && options.allowRemote && kind === "root") return; // kustomize resolves `github.com/org/repo` shorthand
      if (!hostLike) {
        throw new GitOpsError(GITOPS_ERROR.kustomize, `${JSON.stringify(value)}: no such file or directory in the repository`, where);
      }
      throw new GitOpsError(
        GITOPS_ERROR.kustomizeRemote,
        `${JSON.stringify(value)} is not a file or directory of the repository, so kustomize would fetch it as a remote base; remote bases are not allowed for ${snapshot.source}`,
        where,
      );
    };

    for (const field of ROOT_LISTS) forEachString(doc[field], (v, i) => entry(v, `${field}[${i}]`, "root"));
    for (const field of FILE_LISTS) forEachString(doc[field], (v, i) => entry(v, `${field}[${i}]`, "file"));
    for (const field of PATH_OBJECT_LISTS) {
      forEachObject(doc[field], (o, i) => entry(o["path"], `${field}[${i}].path`, "file"));
    }
    for (const field of ["configMapGenerator", "secretGenerator"] as const) {
      forEachObject(doc[field], (gen, i) => {
        forEachString(gen["files"], (v, j) => entry(v.includes("=") ? v.slice(v.indexOf("=") + 1) : v, `${field}[${i}].files[${j}]`, "file"));
        forEachString(gen["envs"], (v, j) => entry(v, `${field}[${i}].envs[${j}]`, "file"));
        entry(gen["env"], `${field}[${i}].env`, "file");
      });
    }
    if (isPlainObject(doc["openapi"])) entry(doc["openapi"]["path"], "openapi.path", "file");
    for (const field of HELM_FIELDS) {
      if (doc[field] !== undefined && !options.allowRemote) {
        throw new GitOpsError(GITOPS_ERROR.kustomizeRemote, `${field} fetches charts from chart repositories; remote bases are not allowed for ${snapshot.source}`, { file, field });
      }
    }
    if (isPlainObject(doc["helmGlobals"])) entry(doc["helmGlobals"]["chartHome"], "helmGlobals.chartHome", "file");
  };
  visit(dir);
}

function forEachString(value: unknown, fn: (v: string, i: number) => void): void {
  if (!Array.isArray(value)) return;
  value.forEach((v: unknown, i) => {
    if (typeof v === "string") fn(v, i);
  });
}

function forEachObject(value: unknown, fn: (v: Record<string, unknown>, i: number) => void): void {
  if (!Array.isArray(value)) return;
  value.forEach((v: unknown, i) => {
    if (isPlainObject(v)) fn(v, i);
  });
}
