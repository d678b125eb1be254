import { join } from "node:path";
import { silentLogger, type Logger } from "../core/index.js";
import type { ChartResolver } from "./chart-app-render.js";
import { ChartFetcher } from "./charts/chart-fetcher.js";
import type { ChartHttpSettings } from "./charts/chart-http.js";
import { chartRefOf } from "./charts/chart-ref.js";
import type { FleetCluster } from "./fleet-cluster.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import type { FleetRender } from "./fleet-render-types.js";
import { renderSnapshot, type AppSetCache, type AppSetRenderer, type RepoResolver } from "./fleet-render.js";
import type { RenderBudget } from "./render-budget.js";
import type { DocumentCache } from "./fleet-repo.js";
import { isRemoteUrl, openGitSource, redactUrl, type GitAuth, type GitSource } from "./git-source.js";
import { commandKustomizeRunner, type KustomizeRunner } from "./render/kustomize-runner.js";
import { ManifestRenderer } from "./render/manifest-renderer.js";
import type { RepoSnapshot, SnapshotLimits } from "./repo-snapshot.js";
import type { SourcePolicy } from "./source-policy.js";

export interface RenderFleetOptions {
  /** The fleet repository: an opened source, an https URL or a local path. */
  readonly source: GitSource | string;
  /** Branch, tag or commit of the fleet repository. Default `HEAD`. */
  readonly revision?: string | undefined;
  /** Read a local git repository's working tree instead of a commit (`flotilla render` without --revision). */
  readonly workingTree?: boolean | undefined;
  /** Where ApplicationSets are searched (recursively). Default: the whole repository. */
  readonly appSetPath?: string | undefined;
  /** Where Cluster objects and Argo cluster Secrets live. Default `clusters`. */
  readonly clustersPath?: string | undefined;
  /** Render only the clusters this accepts (names, or a predicate). */
  readonly clusterFilter?: readonly string[] | ((cluster: FleetCluster) => boolean) | undefined;
  /** Render only the apps with these names. */
  readonly appFilter?: readonly string[] | undefined;
  /** Credentials for a repository URL (the fleet's own and the apps'). */
  readonly credentials?: ((url: string) => GitAuth | undefined) | undefined;
  /** Send credentials the resolver gives for a plain http:// URL (tests and development only). */
  readonly allowInsecureHttp?: boolean | undefined;
  /** Which repositories each ApplicationSet may read (the hub's sourceRepos), checked before any fetch. */
  readonly sourcePolicy?: SourcePolicy | undefined;
  /** Repositories (by source URL or path) whose kustomizations may name remote bases; none by default. */
  readonly kustomizeRemoteBases?: ((source: string) => boolean) | undefined;
  /** Extra repoURLs that name the fleet repository itself. */
  readonly fleetRepoURLs?: readonly string[] | undefined;
  readonly cacheDir?: string | undefined;
  readonly cwd?: string | undefined;
  readonly limits?: SnapshotLimits | undefined;
  readonly kustomize?: KustomizeRunner | undefined;
  /** Let apps and git generators name local paths as repoURL (the CLI allows it; a hub should not). */
  readonly allowLocalRepos?: boolean | undefined;
  /** Keep one across calls (the hub does) so unchanged files are not parsed again. */
  readonly documents?: DocumentCache | undefined;
  readonly logger?: Logger | undefined;
  /** Limits per ApplicationSet and per app (RENDER_BUDGET_EXCEEDED); unlimited without one. */
  readonly budget?: RenderBudget | undefined;
  /** Renders each ApplicationSet off this thread (a RenderPool's renderer). */
  readonly renderAppSet?: AppSetRenderer | undefined;
  /**
   * Reads charts from Helm repositories and OCI registries (keep one across calls: it caches
   * archives by digest). Default: one for this call, with `credentials` and `chartHttp`.
   */
  readonly charts?: ChartFetcher | undefined;
  /** Extra trusted CAs for chart repositories and registries (when `charts` is not given). */
  readonly chartHttp?: ChartHttpSettings | undefined;
  /** Keep one across calls (the hub does, per source) so unchanged ApplicationSets are not rendered again. */
  readonly appSetCache?: AppSetCache | undefined;
}

/** The resolver renderSnapshot takes, over a fetcher (the source policy has been checked by then). */
export function chartResolver(fetcher: ChartFetcher): ChartResolver {
  return (source, where) => {
    if (source.kind === "valueFile") return fetcher.fetchFile(source.repoURL, where);
    const ref = chartRefOf(source, where);
    return fetcher.fetch(ref, where);
  };
}

/**
 * Checks out a revision of the fleet repository and renders it: the entry point of the hub and of
 * a spoke bootstrapping from Git alone. Other repositories that apps name are cloned (or fetched)
 * once per call and checked out once per commit.
 */
export async function renderFleet(options: RenderFleetOptions): Promise<FleetRender> {
  const logger = options.logger ?? silentLogger();
  const common = { cacheDir: options.cacheDir, limits: options.limits, logger, cwd: options.cwd, allowInsecureHttp: options.allowInsecureHttp };
  const fleetSource =
    typeof options.source === "string"
      ? await openGitSource({ url: options.source, auth: options.credentials?.(options.source), ...common, workingTree: options.workingTree })
      : options.source;
  const snapshot = await fleetSource.checkout(options.revision ?? "HEAD");
  const sources = new Map<string, Promise<GitSource>>();
  const snapshots = new Map<string, Promise<RepoSnapshot>>();
  const repos: RepoResolver = async (repoURL, revision) => {
    const isFleet = repoURL === snapshot.source;
    let source = isFleet ? Promise.resolve(fleetSource) : sources.get(repoURL);
    if (source === undefined) {
      if (!isRemoteUrl(repoURL) && options.allowLocalRepos !== true) {
        // An app naming a path on the hub's own disk is refused unless the caller allows it.
        throw new GitOpsError(GITOPS_ERROR.git, `repoURL ${JSON.stringify(repoURL)} is not an http(s) URL`, { field: "spec.source.repoURL" });
      }
      source = openGitSource({ url: repoURL, auth: options.credentials?.(repoURL), ...common });
      source.catch(() => undefined);
      sources.set(repoURL, source);
    }
    const opened = await source;
    const commit = await opened.resolve(revision);
    const key = `${redactUrl(repoURL)}@${commit}`;
    let snap = snapshots.get(key);
    if (snap === undefined) {
      snap = opened.checkout(commit);
      snap.catch(() => undefined);
      snapshots.set(key, snap);
    }
    return snap;
  };
  const names = Array.isArray(options.clusterFilter) ? new Set(options.clusterFilter as readonly string[]) : undefined;
  const clusterFilter =
    typeof options.clusterFilter === "function" ? options.clusterFilter : names === undefined ? undefined : (c: FleetCluster) => names.has(c.name);
  const apps = options.appFilter === undefined ? undefined : new Set(options.appFilter);
  const charts = options.charts ?? new ChartFetcher({ credentials: options.credentials, http: options.chartHttp, cacheDir: options.cacheDir === undefined ? undefined : join(options.cacheDir, "charts"), logger });
  const manifests = new ManifestRenderer({ kustomize: options.kustomize ?? commandKustomizeRunner(), remoteBases: options.kustomizeRemoteBases, logger });
  try {
    return await renderSnapshot(snapshot, {
      manifests,
      repos,
      appSetPath: options.appSetPath,
      clustersPath: options.clustersPath,
      fleetRepoURLs: options.fleetRepoURLs,
      clusterFilter,
      appFilter: apps === undefined ? undefined : (name) => apps.has(name),
      documents: options.documents,
      sourcePolicy: options.sourcePolicy,
      kustomizeRemoteBases: options.kustomizeRemoteBases,
      logger,
      budget: options.budget,
      renderAppSet: options.renderAppSet,
      charts: chartResolver(charts),
      appSetCache: options.appSetCache,
    });
  } finally {
    await manifests.dispose();
  }
}
