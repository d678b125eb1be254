import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../kube/kube-object.js";
import { silentLogger, type Logger } from "../../core/index.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { isPlainObject } from "../generators/param-utils.js";
import { compileGlob, type PathGlob } from "../path-glob.js";
import { confinePath } from "../repo-path.js";
import type { RepoSnapshot } from "../repo-snapshot.js";
import { KUSTOMIZATION_FILES, preflightKustomization } from "./kustomize-preflight.js";
import type { KustomizeRunner } from "./kustomize-runner.js";
import { deepFreeze, parseManifestFile } from "./manifest-objects.js";

/** The part of an Application's `spec.source` that decides which manifests it renders. */
export interface ManifestSource {
  readonly path: string;
  /** Argo's `directory`: `recurse` (default false), `include` and `exclude` globs. */
  readonly directory?: { readonly recurse?: boolean; readonly include?: string; readonly exclude?: string } | undefined;
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/iu;

/**
 * Renders an app's source directory into objects, once per (repository, commit, path, options):
 * every cluster that deploys the same source shares the same parsed, frozen objects ("parse once,
 * patch per cluster"). Failures are cached too, so a bad file is reported for each app that uses
 * it without being parsed again.
 */
export class ManifestRenderer {
  readonly #kustomize: KustomizeRunner;
  readonly #logger: Logger;
  readonly #remoteBases: (source: string) => boolean;
  readonly #cache = new Map<string, Promise<readonly KubeObject[]>>();
  readonly #settled = new WeakMap<RepoSnapshot, Map<string, readonly KubeObject[] | GitOpsError>>();
  readonly #trees = new Map<string, Promise<string>>();
  readonly #tempDirs: string[] = [];

  constructor(options: {
    kustomize: KustomizeRunner;
    /** Repositories (by snapshot source) whose kustomizations may name remote bases; none by default. */
    remoteBases?: ((source: string) => boolean) | undefined;
    logger?: Logger | undefined;
  }) {
    this.#kustomize = options.kustomize;
    this.#remoteBases = options.remoteBases ?? (() => false);
    this.#logger = options.logger ?? silentLogger();
  }

  render(snapshot: RepoSnapshot, source: ManifestSource): Promise<readonly KubeObject[]> {
    const key = cacheKey(snapshot, source);
    let hit = this.#cache.get(key);
    if (hit === undefined) {
      hit = this.#renderUncached(snapshot, source).then((objects) => deepFreeze(objects));
      const settle = (result: readonly KubeObject[] | GitOpsError): void => {
        let bySource = this.#settled.get(snapshot);
        if (bySource === undefined) {
          bySource = new Map();
          this.#settled.set(snapshot, bySource);
        }
        bySource.set(sourceKey(source), result);
      };
      hit.then(settle, (err: unknown) => {
        if (err instanceof GitOpsError) settle(err);
      });
      this.#cache.set(key, hit);
    }
    return hit;
  }

  /** The result of an earlier {@link render} that has finished (objects or its error); undefined otherwise. */
  peek(snapshot: RepoSnapshot, source: ManifestSource): readonly KubeObject[] | GitOpsError | undefined {
    return this.#settled.get(snapshot)?.get(sourceKey(source));
  }

  /** Removes the temporary trees kustomize ran in. */
  async dispose(): Promise<void> {
    await Promise.all(this.#tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }

  async #renderUncached(snapshot: RepoSnapshot, source: ManifestSource): Promise<KubeObject[]> {
    const where = { field: "spec.source.path" };
    const path = confinePath(source.path, where);
    if (!snapshot.isDirectory(path)) {
      throw new GitOpsError(GITOPS_ERROR.notFound, `app path ${JSON.stringify(source.path)} is not a directory at ${snapshot.source}@${snapshot.revision.slice(0, 12)}`, where);
    }
    const prefix = path === "" ? "" : `${path}/`;
    const kustomization = KUSTOMIZATION_FILES.map((f) => prefix + f).find((f) => snapshot.isFile(f));
    if (kustomization !== undefined) return this.#kustomizeBuild(snapshot, path, kustomization);
    return plainDirectory(snapshot, path, source.directory);
  }

  async #kustomizeBuild(snapshot: RepoSnapshot, path: string, kustomization: string): Promise<KubeObject[]> {
    // Before anything is written or run: nothing the kustomization names may lie outside the snapshot.
    preflightKustomization(snapshot, path, { allowRemote: this.#remoteBases(snapshot.source) });
    const treeKey = `${snapshot.source}\0${snapshot.revision}`;
    let tree = this.#trees.get(treeKey);
    if (tree === undefined) {
      tree = (async () => {
        const dir = await mkdtemp(join(tmpdir(), "flotilla-kustomize-"));
        this.#tempDirs.push(dir);
        await snapshot.materialize(dir);
        return dir;
      })();
      this.#trees.set(treeKey, tree);
    }
    const root = await tree;
    const dir = path === "" ? root : join(root, ...path.split("/"));
    this.#logger.debug({ path }, "running kustomize");
    const output = await this.#kustomize.build(dir, { file: kustomization, root, path });
    return parseManifestFile(output, `${kustomization} (kustomize output)`);
  }
}

function sourceKey(source: ManifestSource): string {
  const d = source.directory;
  return d === undefined ? source.path : `${source.path}\0${d.recurse === true ? "r" : ""}\0${d.include ?? ""}\0${d.exclude ?? ""}`;
}

function cacheKey(snapshot: RepoSnapshot, source: ManifestSource): string {
  return `${snapshot.source}\0${snapshot.revision}\0${sourceKey(source)}`;
}

function plainDirectory(snapshot: RepoSnapshot, path: string, directory: ManifestSource["directory"]): KubeObject[] {
  const recurse = directory?.recurse === true;
  const include = globList(directory?.include);
  const exclude = globList(directory?.exclude);
  const prefix = path === "" ? "" : `${path}/`;
  const objects: KubeObject[] = [];
  for (const file of snapshot.files()) {
    if (!file.startsWith(prefix)) continue;
    const rel = file.slice(prefix.length);
    if (!recurse && rel.includes("/")) continue;
    if (!MANIFEST_EXTENSIONS.test(rel)) continue;
    if (rel.split("/").some((part) => part.startsWith("."))) continue;
    if (include.length > 0 && !include.some((g) => g.matches(rel))) continue;
    if (exclude.some((g) => g.matches(rel))) continue;
    objects.push(...parseManifestFile(snapshot.readText(file, { field: "spec.source.path" }), file));
  }
  return objects;
}

/** Argo's include/exclude: one glob or `{a,b}` alternatives. */
function globList(pattern: string | undefined): PathGlob[] {
  if (pattern === undefined || pattern === "") return [];
  const trimmed = pattern.trim();
  const alternatives = trimmed.startsWith("{") && trimmed.endsWith("}") ? trimmed.slice(1, -1).split(",") : [trimmed];
  return alternatives.map((p) => compileGlob(p.trim(), { doubleStar: true, field: "spec.source.directory" }));
}

/** Reads `spec.source.directory` defensively (templates may render odd shapes). */
export function directoryOptions(value: unknown): ManifestSource["directory"] {
  if (!isPlainObject(value)) return undefined;
  return {
    ...(typeof value["recurse"] === "boolean" ? { recurse: value["recurse"] } : {}),
    ...(typeof value["include"] === "string" ? { include: value["include"] } : {}),
    ...(typeof value["exclude"] === "string" ? { exclude: value["exclude"] } : {}),
  };
}
