import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { parseRemoteRepoURL } from "../git-credentials.js";

/**
 * A chart an Application names with `chart` (Argo CD's Helm source): from a Helm repository
 * (`repoURL: https://…`, index.yaml) or from an OCI registry (`repoURL: oci://host/path`, or
 * Argo's scheme-less `host/path`). A chart directory in a Git repository is not a ChartRef: it is
 * read from the repository snapshot.
 */
export type ChartRef =
  | {
      readonly kind: "repo";
      /** The repoURL as written (what sourceRepos is matched against). */
      readonly repoURL: string;
      /** The repository's canonical https URL, without a trailing `/`. */
      readonly url: string;
      readonly chart: string;
      /** targetRevision: a version or a constraint ("" = the latest release). */
      readonly version: string;
    }
  | {
      readonly kind: "oci";
      readonly repoURL: string;
      /** host[:port] of the registry. */
      readonly registry: string;
      /** The repository path in the registry, chart name included (`charts/podinfo`). */
      readonly repository: string;
      readonly chart: string;
      readonly version: string;
    };

const CHART_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/u;
const OCI_PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/u;

/** Reads `repoURL`, `chart` and `targetRevision` of a chart source; throws GITOPS_CHART or GITOPS_REPO_URL. */
export function chartRefOf(source: { readonly repoURL: string; readonly chart: string; readonly targetRevision: string }, where: { file?: string | undefined; field: string }): ChartRef {
  const { repoURL, chart } = source;
  const version = source.targetRevision === "HEAD" ? "" : source.targetRevision;
  if (!CHART_NAME.test(chart)) throw new GitOpsError(GITOPS_ERROR.chart, `chart ${JSON.stringify(chart)} is not a chart name`, { ...where, field: where.field.replace(/repoURL$/u, "chart") });
  if (/^https?:\/\//iu.test(repoURL)) {
    const parsed = parseRemoteRepoURL(repoURL, where);
    return { kind: "repo", repoURL, url: parsed.href, chart, version };
  }
  const bare = repoURL.replace(/^oci:\/\//iu, "").replace(/\/+$/u, "");
  const slash = bare.indexOf("/");
  const registry = (slash < 0 ? bare : bare.slice(0, slash)).toLowerCase();
  const path = slash < 0 ? "" : bare.slice(slash + 1);
  // The registry part goes through the same parser as https repoURLs: no userinfo, no query, one host.
  const parsed = parseRemoteRepoURL(`https://${registry}/${path}`, where);
  const repository = path === "" ? chart : `${path}/${chart}`;
  if (!OCI_PATH.test(repository)) throw new GitOpsError(GITOPS_ERROR.repoURL, `OCI repository ${JSON.stringify(repository)} is not a valid repository name`, where);
  return { kind: "oci", repoURL, registry: parsed.port === "" ? parsed.host : `${parsed.host}:${parsed.port}`, repository, chart, version };
}

/** Where a chart comes from, for messages and cache keys: `https://repo/chart` or `oci://host/path/chart`. */
export function chartLocation(ref: ChartRef): string {
  return ref.kind === "repo" ? `${ref.url}/${ref.chart}` : `oci://${ref.registry}/${ref.repository}`;
}
