import { parseApplicationSet, type ApplicationSet } from "../crds/index.js";
import { isFlotillaError } from "../core/index.js";
import { clusterFromObject, isClusterObject, type FleetCluster } from "./fleet-cluster.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { confinePath } from "./repo-path.js";
import type { RepoSnapshot } from "./repo-snapshot.js";
import { parseYamlDocuments, type YamlDocument } from "./yaml-documents.js";

/** Where the fleet repository keeps things (docs/fleet-repo.md). */
export interface FleetLayout {
  /** Directory of Cluster objects and Argo CD cluster Secrets. Default `clusters`. */
  readonly clustersPath?: string | undefined;
  /** Directory searched (recursively) for ApplicationSets. Default: the whole repository. */
  readonly appSetPath?: string | undefined;
  /** Directory of health customizations in Argo CD's layout (docs/fleet-repo.md). Default `health`. */
  readonly healthPath?: string | undefined;
}

export interface LoadedApplicationSet {
  readonly appSet: ApplicationSet;
  readonly file: string;
}

/** The fleet as one revision of the repository declares it. */
export interface FleetDefinition {
  readonly clusters: readonly FleetCluster[];
  readonly appSets: readonly LoadedApplicationSet[];
  /** Files that could not be read; each skips only what it declared. */
  readonly errors: readonly GitOpsError[];
}

const YAML_FILE = /\.(ya?ml|json)$/iu;

/**
 * Parses YAML files once per content: the hub renders every commit, and most files do not change
 * between commits. Keys are the file text, so a cache never returns stale data.
 */
export class DocumentCache {
  readonly #entries = new Map<string, { text: string; docs: YamlDocument[] | GitOpsError }>();
  readonly #max: number;

  constructor(maxEntries = 100_000) {
    this.#max = maxEntries;
  }

  parse(text: string, file: string): YamlDocument[] {
    const hit = this.#entries.get(file);
    if (hit !== undefined && hit.text === text) {
      if (hit.docs instanceof GitOpsError) throw hit.docs;
      return hit.docs;
    }
    let docs: YamlDocument[] | GitOpsError;
    try {
      docs = parseYamlDocuments(text, file);
    } catch (err) {
      if (!(err instanceof GitOpsError)) throw err;
      docs = err;
    }
    if (this.#entries.size >= this.#max) this.#entries.clear();
    this.#entries.set(file, { text, docs });
    if (docs instanceof GitOpsError) throw docs;
    return docs;
  }
}

// Parsed documents are shared through the DocumentCache, so what was built from them is too.
const clusterCache = new WeakMap<object, FleetCluster>();
const appSetCache = new WeakMap<object, ApplicationSet>();

function cachedCluster(doc: YamlDocument, file: string): FleetCluster {
  let cluster = clusterCache.get(doc.value);
  if (cluster === undefined || cluster.file !== file) {
    cluster = clusterFromObject(doc.value, file);
    clusterCache.set(doc.value, cluster);
  }
  return cluster;
}

function under(dir: string, file: string): boolean {
  return dir === "" || file.startsWith(`${dir}/`);
}

/**
 * Reads the clusters and ApplicationSets of one revision. A malformed file is reported with its
 * line and skipped; everything else still loads, so one bad file never hides the fleet.
 */
export function loadFleet(snapshot: RepoSnapshot, layout: FleetLayout = {}, cache: DocumentCache = new DocumentCache()): FleetDefinition {
  const clustersPath = confinePath(layout.clustersPath ?? "clusters", { field: "clustersPath" });
  const appSetPath = confinePath(layout.appSetPath ?? "", { field: "appSetPath" });
  const clusters: FleetCluster[] = [];
  const appSets: LoadedApplicationSet[] = [];
  const errors: GitOpsError[] = [];
  const seen = new Map<string, string>();

  for (const file of snapshot.files()) {
    if (!YAML_FILE.test(file)) continue;
    const isClusterFile = under(clustersPath, file);
    if (!isClusterFile && !under(appSetPath, file)) continue;
    let text: string;
    try {
      text = snapshot.readText(file);
    } catch (err) {
      if (err instanceof GitOpsError) errors.push(err);
      else throw err;
      continue;
    }
    // Only files that can hold what we look for are parsed (app manifests live beside appsets).
    if (!isClusterFile && !text.includes("ApplicationSet")) continue;
    let docs: YamlDocument[];
    try {
      docs = cache.parse(text, file);
    } catch (err) {
      if (err instanceof GitOpsError) errors.push(err);
      else throw err;
      continue;
    }
    for (const doc of docs) {
      try {
        if (isClusterFile && isClusterObject(doc.value)) {
          const cluster = cachedCluster(doc, file);
          const first = seen.get(cluster.name);
          if (first !== undefined) {
            throw new GitOpsError(GITOPS_ERROR.invalid, `cluster ${JSON.stringify(cluster.name)} is already declared in ${first}`, { file, field: `line ${doc.line}` });
          }
          seen.set(cluster.name, file);
          clusters.push(cluster);
        } else if (doc.value["kind"] === "ApplicationSet") {
          appSets.push({ appSet: parseApplicationSetAt(doc, file), file });
        }
      } catch (err) {
        if (err instanceof GitOpsError) errors.push(err);
        else throw err;
      }
    }
  }
  return { clusters, appSets, errors };
}

function parseApplicationSetAt(doc: YamlDocument, file: string): ApplicationSet {
  const hit = appSetCache.get(doc.value);
  if (hit !== undefined) return hit;
  try {
    const appSet = parseApplicationSet(doc.value, file);
    appSetCache.set(doc.value, appSet);
    return appSet;
  } catch (err) {
    if (isFlotillaError(err)) {
      throw new GitOpsError(GITOPS_ERROR.invalid, `invalid ApplicationSet (document at line ${doc.line}): ${err.message}`, { file, field: err.field, cause: err });
    }
    throw err;
  }
}
