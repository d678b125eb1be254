import type { ApplicationSet } from "../crds/index.js";
import { clusterFromObject, isClusterObject, type FleetCluster } from "./fleet-cluster.js";
import { expandApplicationSet, type Application } from "./expand-application-set.js";
import type { RepoResolver } from "./fleet-render.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { parseYamlDocuments } from "./yaml-documents.js";
import { parseApplicationSet } from "../crds/index.js";
import { isFlotillaError } from "../core/index.js";

/** Clusters declared in a set of files (Cluster objects and Argo CD cluster Secrets); other kinds are ignored. */
export function clustersFromFiles(files: readonly { readonly path: string; readonly text: string }[]): FleetCluster[] {
  const clusters: FleetCluster[] = [];
  const seen = new Set<string>();
  for (const { path, text } of files) {
    for (const doc of parseYamlDocuments(text, path)) {
      if (!isClusterObject(doc.value)) continue;
      const cluster = clusterFromObject(doc.value, path);
      if (seen.has(cluster.name)) {
        throw new GitOpsError(GITOPS_ERROR.invalid, `cluster ${JSON.stringify(cluster.name)} is declared twice`, { file: path, field: `line ${doc.line}` });
      }
      seen.add(cluster.name);
      clusters.push(cluster);
    }
  }
  return clusters;
}

/** The single ApplicationSet of a file (the first one when there are several). */
export function applicationSetFromText(text: string, file: string): ApplicationSet {
  const doc = parseYamlDocuments(text, file).find((d) => d.value["kind"] === "ApplicationSet");
  if (doc === undefined) throw new GitOpsError(GITOPS_ERROR.invalid, "the file holds no ApplicationSet", { file });
  try {
    return parseApplicationSet(doc.value, file);
  } catch (err) {
    if (isFlotillaError(err)) throw new GitOpsError(GITOPS_ERROR.invalid, `invalid ApplicationSet: ${err.message}`, { file, field: err.field, cause: err });
    throw err;
  }
}

/**
 * `flotilla appset generate`: the Applications one ApplicationSet expands to, like
 * `argocd appset generate`. Unlike a fleet render this is all-or-nothing: the first failure
 * (generator or template) is thrown, because the user is checking this one file.
 */
export async function generateApplications(appSet: ApplicationSet, options: { clusters: readonly FleetCluster[]; repo: RepoResolver; file?: string }): Promise<Application[]> {
  const result = await expandApplicationSet(appSet, { clusters: options.clusters, repo: options.repo, file: options.file });
  const first = result.generatorErrors[0] ?? result.applications.find((a) => a.error !== undefined)?.error;
  if (first !== undefined) throw first;
  return result.applications.map((a) => a.application!);
}
