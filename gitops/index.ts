// The gitops module: fleet repository → one rendered bundle per cluster (docs/fleet-repo.md).
export { renderFleet, type RenderFleetOptions } from "./render-fleet.js";
export { renderSnapshot, renderApplicationSet, appSetFailed, fleetRepoResolver, toRenderError, type AppSetEnv, type AppSetOutcome, type AppSetRenderer, type PlacedApp, type RenderSnapshotOptions, type RepoResolver } from "./fleet-render.js";
export { DEFAULT_RENDER_BUDGET, renderBudgetError, type RenderBudget } from "./render-budget.js";
export type { FleetRender, ClusterRender, AppRender, AppSetRender, AppSyncPolicy, RenderError } from "./fleet-render-types.js";
export { canonicalJson, canonicalJsonCached, sha256Digest, digestOf } from "./canonical-json.js";
export { GITOPS_ERROR, GitOpsError, isGitOpsError, type GitOpsErrorCode } from "./gitops-errors.js";
export { openGitSource, isRemoteUrl, redactUrl, type CommitInfo, type GitSource, type GitSourceOptions, type GitAuth } from "./git-source.js";
export { memorySnapshot, DEFAULT_LIMITS, type RepoSnapshot, type SnapshotLimits } from "./repo-snapshot.js";
export { confinePath } from "./repo-path.js";
export { loadFleet, DocumentCache, type FleetDefinition, type FleetLayout, type LoadedApplicationSet } from "./fleet-repo.js";
export { clusterFromObject, isClusterObject, isArgoClusterSecret, defaultServer, ARGO_SECRET_TYPE_LABEL, type FleetCluster } from "./fleet-cluster.js";
export {
  expandApplicationSet,
  templateModeOf,
  RESOURCES_FINALIZER,
  type Application,
  type GeneratedApplication,
  type ExpandResult,
  type ExpandContext,
} from "./expand-application-set.js";
export { generateApplications, clustersFromFiles, applicationSetFromText } from "./appset-generate.js";
export { SUPPORTED_GENERATORS, type GeneratorKind } from "./generators/generate-params.js";
export { sanitizeName, type Params } from "./generators/param-utils.js";
export { compileLabelSelector, type LabelMatcher } from "./label-selector.js";
export { ManifestRenderer, type ManifestSource } from "./render/manifest-renderer.js";
export { commandKustomizeRunner, type KustomizeRunner, type CommandKustomizeOptions } from "./render/kustomize-runner.js";
export { isEncryptedPassthrough, isClusterScoped, parseManifestFile } from "./render/manifest-objects.js";
export { parseYamlDocuments, type YamlDocument } from "./yaml-documents.js";
export { type SourcePolicy, type SourceRequest } from "./source-policy.js";
export {
  GitCredentials,
  parseRemoteRepoURL,
  tryParseRemoteRepoURL,
  urlPrefixMatches,
  type GitCredentialEntry,
  type GitCredentialsOptions,
  type RemoteRepoURL,
} from "./git-credentials.js";
export { preflightKustomization, type KustomizePreflightOptions } from "./render/kustomize-preflight.js";
export { loadGitCredentialsFile } from "./git-credentials-file.js";
export { RenderPool, type RenderPoolOptions } from "./render-pool.js";
export { AppSetRenderCache, appSetInputKey, type AppSetCacheStats } from "./incremental-render.js";
export { diffManifests, type ObjectDiff } from "./manifest-diff.js";
export { maskSecret, maskSecretPair } from "./mask-secrets.js";
export { ChartFetcher, HELM_MEDIA_TYPE, type ChartArchive, type ChartFetcherOptions } from "./charts/chart-fetcher.js";
export { chartRefOf, chartLocation, type ChartRef } from "./charts/chart-ref.js";
export { resolveChartVersion, parseChartConstraint, parseChartVersion } from "./charts/chart-version.js";
export { type ChartHttpSettings } from "./charts/chart-http.js";
export { buildChartDependencies, dependencyRepo, missingDependencies, withDependencies, type DependencyBuildResult, type DependencyPorts, type DependencyRepo } from "./charts/chart-dependency-build.js";
export { readChartKeyring, verifyChartProvenance, type ChartKeyring, type ProvenanceVerification } from "./charts/chart-provenance.js";
export { formatChartLock, hashRequirements, parseChartLock, type ChartLock, type LockedDependency } from "./charts/chart-lock.js";
export { chartResolver } from "./render-fleet.js";
export { type ChartResolver, type ChartSourceRequest } from "./chart-app-render.js";
