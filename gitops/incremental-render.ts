import { restampApp } from "./app-render.js";
import { canonicalJson, sha256Digest } from "./canonical-json.js";
import type { FleetCluster } from "./fleet-cluster.js";
import { normalizeRepoURL, type AppSetCache, type AppSetEnv, type AppSetOutcome } from "./fleet-render.js";
import type { AppRender } from "./fleet-render-types.js";
import type { LoadedApplicationSet } from "./fleet-repo.js";
import { isPlainObject } from "./generators/param-utils.js";
import { snapshotEntries, type RepoSnapshot } from "./repo-snapshot.js";

/** What renderSnapshot hands the cache per ApplicationSet (the env without the per-render parts). */
export type CacheEnv = Pick<AppSetEnv, "snapshot" | "clusters" | "wantedClusters" | "fleetRepoURLs">;

/** How many ApplicationSets the last renders took from the cache, rendered, or could not key. */
export interface AppSetCacheStats {
  hits: number;
  misses: number;
  /** Inputs the cache cannot name exactly (another repository, kustomize, Helm, git generator…): always rendered. */
  uncacheable: number;
}

interface Entry {
  readonly key: string;
  readonly revision: string;
  readonly outcome: AppSetOutcome;
}

/** Generators whose params are a function of the ApplicationSet and the cluster list alone. */
const PURE_GENERATORS = new Set(["list", "clusters", "matrix", "merge"]);
/** Files that make a directory read outside itself (bases, dependencies) or run a tool. */
const TOOL_FILE = /(^|\/)(kustomization\.ya?ml|Kustomization|Chart\.ya?ml)$/u;

const appSetJson = new WeakMap<object, string>();
const clusterDigests = new WeakMap<FleetCluster, string>();

function appSetText(loaded: LoadedApplicationSet): string {
  let text = appSetJson.get(loaded.appSet);
  if (text === undefined) {
    text = canonicalJson(loaded.appSet);
    appSetJson.set(loaded.appSet, text);
  }
  return text;
}

/** Fleet-repo clusters are cached per file content (fleet-repo.ts), so each digest is computed once per content. */
function clusterDigest(cluster: FleetCluster): string {
  let digest = clusterDigests.get(cluster);
  if (digest === undefined) {
    digest = sha256Digest(canonicalJson(cluster));
    clusterDigests.set(cluster, digest);
  }
  return digest;
}

function generatorsArePure(generators: unknown): boolean {
  if (!Array.isArray(generators)) return false;
  for (const g of generators) {
    if (!isPlainObject(g)) return false;
    for (const [kind, body] of Object.entries(g)) {
      if (kind === "selector") continue;
      if (!PURE_GENERATORS.has(kind) || !isPlainObject(body)) return false;
      // A generator's own template may change the source: not worth following.
      if (body["template"] !== undefined) return false;
      if ((kind === "matrix" || kind === "merge") && !generatorsArePure(body["generators"])) return false;
    }
  }
  return true;
}

const templated = (s: string): boolean => s.includes("{{") || s.includes("}}");

/**
 * The directory of the fleet repository every app of the ApplicationSet reads (all its files lie
 * under it), or undefined when that cannot be told from the ApplicationSet alone: then the cache
 * is not used and the ApplicationSet is rendered, which is always right.
 */
export function readPrefix(loaded: LoadedApplicationSet, snapshot: RepoSnapshot, fleetRepoURLs: readonly string[] | undefined): string | undefined {
  const spec = loaded.appSet.spec as Record<string, unknown>;
  if (spec["templatePatch"] !== undefined || !generatorsArePure(spec["generators"])) return undefined;
  const template = spec["template"];
  const tspec = isPlainObject(template) && isPlainObject(template["spec"]) ? template["spec"] : undefined;
  if (tspec === undefined) return undefined;
  let source = tspec["source"];
  const sources = tspec["sources"];
  if (source === undefined && Array.isArray(sources) && sources.length === 1) source = sources[0];
  else if (sources !== undefined) return undefined;
  if (!isPlainObject(source)) return undefined;
  // Only a plain directory of the fleet repository at HEAD: charts, Helm values, kustomize and plugins may read anywhere.
  for (const key of Object.keys(source)) if (!["repoURL", "path", "targetRevision", "directory"].includes(key)) return undefined;
  const repoURL = source["repoURL"];
  const revision = source["targetRevision"] ?? "HEAD";
  if (typeof repoURL !== "string" || templated(repoURL) || (revision !== "HEAD" && revision !== "")) return undefined;
  const fleet = new Set(["", ".", normalizeRepoURL(snapshot.source), ...(fleetRepoURLs ?? []).map(normalizeRepoURL)]);
  if (!fleet.has(normalizeRepoURL(repoURL))) return undefined;
  const rawPath = source["path"] ?? ".";
  if (typeof rawPath !== "string") return undefined;
  let path = rawPath;
  const cut = Math.min(...["{{", "}}"].map((t) => (path.includes(t) ? path.indexOf(t) : path.length)));
  if (cut < path.length) path = path.slice(0, path.slice(0, cut).lastIndexOf("/") + 1);
  path = path.replace(/^(\.\/)+/u, "").replace(/\/+$/u, "");
  if (path === ".") path = "";
  if (path.startsWith("/") || path.split("/").some((seg) => seg === ".." || seg === ".")) return undefined;
  return path;
}

/** Digest of every file under `prefix` (paths and bytes); undefined when one of them is a symlink or a tool's file. */
function treeDigest(snapshot: RepoSnapshot, prefix: string): string | undefined {
  let entries;
  try {
    entries = snapshotEntries(snapshot).entries;
  } catch {
    return undefined;
  }
  const parts: string[] = [];
  for (const file of snapshot.files()) {
    if (prefix !== "" && file !== prefix && !file.startsWith(`${prefix}/`)) continue;
    const entry = entries.get(file);
    if (entry === undefined || entry.kind === "symlink" || TOOL_FILE.test(file)) return undefined;
    parts.push(`${JSON.stringify(file)} ${entry.kind === "file" ? sha256Digest(entry.data) : `oversized:${String(entry.size)}`}`);
  }
  return sha256Digest(parts.join("\n"));
}

/** The key of everything one ApplicationSet's render reads, or undefined when it cannot be named exactly. */
export function appSetInputKey(loaded: LoadedApplicationSet, env: CacheEnv): string | undefined {
  const prefix = readPrefix(loaded, env.snapshot, env.fleetRepoURLs);
  if (prefix === undefined) return undefined;
  const tree = treeDigest(env.snapshot, prefix);
  if (tree === undefined) return undefined;
  let clusters = "";
  for (const c of env.clusters) clusters += `${clusterDigest(c)}\n`;
  const wanted = env.wantedClusters === undefined ? null : [...env.wantedClusters].sort();
  return sha256Digest(
    canonicalJson({ v: 1, source: env.snapshot.source, fleetRepoURLs: env.fleetRepoURLs ?? [], file: loaded.file, appSet: appSetText(loaded), prefix, tree, clusters: sha256Digest(clusters), wanted }),
  );
}

/** An outcome the cache can move to another commit: no errors (their messages may name the revision), every app from the fleet at `revision`. */
function reusable(outcome: AppSetOutcome, revision: string): boolean {
  if (outcome.errors.length > 0 || outcome.appSet.error !== undefined) return false;
  return outcome.apps.every(({ app }) => app.error === undefined && app.source.revision === revision && app.source.chart === undefined);
}

/**
 * Remembers each ApplicationSet's last outcome under a digest of everything its render reads (the
 * ApplicationSet, the cluster list, the bytes of every file under the directory its apps read), so a
 * commit re-renders only the ApplicationSets whose inputs changed; the others are moved to the new
 * commit (`restampApp`), which gives exactly what a full render gives. When the inputs cannot be
 * named exactly the ApplicationSet is rendered every time. Keep one per fleet source (its source
 * policy and budgets are fixed for the cache's lifetime).
 */
export class AppSetRenderCache implements AppSetCache {
  readonly #entries = new Map<string, Entry>();
  readonly stats: AppSetCacheStats = { hits: 0, misses: 0, uncacheable: 0 };

  async render(loaded: LoadedApplicationSet, env: CacheEnv, render: () => Promise<AppSetOutcome>): Promise<AppSetOutcome> {
    const id = `${loaded.file}\0${loaded.appSet.metadata.name}`;
    const key = appSetInputKey(loaded, env);
    const revision = env.snapshot.revision;
    if (key === undefined) {
      this.stats.uncacheable++;
      this.#entries.delete(id);
      return render();
    }
    const hit = this.#entries.get(id);
    if (hit?.key === key) {
      this.stats.hits++;
      if (hit.revision === revision) return hit.outcome;
      const outcome = restamp(hit.outcome, revision);
      this.#entries.set(id, { key, revision, outcome });
      return outcome;
    }
    this.stats.misses++;
    const outcome = await render();
    if (reusable(outcome, revision)) this.#entries.set(id, { key, revision, outcome });
    else this.#entries.delete(id);
    return outcome;
  }

  /** Forgets ApplicationSets no longer in the fleet (call with the ones a render saw). */
  retain(loaded: readonly LoadedApplicationSet[]): void {
    const ids = new Set(loaded.map((l) => `${l.file}\0${l.appSet.metadata.name}`));
    for (const id of this.#entries.keys()) if (!ids.has(id)) this.#entries.delete(id);
  }
}

function restamp(outcome: AppSetOutcome, revision: string): AppSetOutcome {
  const sources = new Map<AppRender["source"], AppRender["source"]>();
  return { ...outcome, apps: outcome.apps.map(({ cluster, app }) => ({ cluster, app: restampApp(app, revision, sources) })) };
}
