import { FlotillaError, type FlotillaErrorOptions } from "../core/index.js";

/**
 * Stable error codes of gitops/. The hub puts them in status and the CLI prints them, so they never
 * change meaning. Messages name the file and field and never carry file contents.
 */
export const GITOPS_ERROR = {
  /** A YAML or JSON document does not parse (the message has the line and column). */
  parse: "GITOPS_PARSE",
  /** A document parses but is not a valid ApplicationSet, Cluster or Argo cluster Secret. */
  invalid: "GITOPS_INVALID",
  /** A generator key Flotilla does not implement (scmProvider, pullRequest, plugin, ...). */
  unknownGenerator: "GITOPS_UNKNOWN_GENERATOR",
  /** A generator failed (matrix with one child, merge keys not unique, ...). */
  generator: "GITOPS_GENERATOR",
  /** A template did not parse or did not execute for one parameter set. */
  template: "GITOPS_TEMPLATE",
  /** A path leaves the repository (`..`, absolute, or a symlink pointing outside). */
  pathEscape: "GITOPS_PATH_ESCAPE",
  /** A file or a checkout exceeds the configured size or count limits. */
  tooLarge: "GITOPS_TOO_LARGE",
  /** A path the app or generator names does not exist at that revision. */
  notFound: "GITOPS_NOT_FOUND",
  /** A branch, tag or commit does not resolve. */
  revision: "GITOPS_REVISION",
  /** Clone or fetch failed (network, auth, not a repository). */
  git: "GITOPS_GIT",
  /** A repoURL is not a plain http(s) URL: userinfo, query, fragment, another scheme, or unparsable. */
  repoURL: "GITOPS_REPO_URL",
  /** The hub's sourceRepos allowlist does not permit this repoURL: refused before any fetch. */
  sourceNotPermitted: "GITOPS_SOURCE_NOT_PERMITTED",
  /** Git credentials configuration is invalid (an http:// prefix without opt-in, a duplicate, userinfo). */
  credentials: "GITOPS_GIT_CREDENTIALS",
  /** A kustomization names a remote base (git, http, file) its repository is not allowed to use. */
  kustomizeRemote: "GITOPS_KUSTOMIZE_REMOTE",
  /** kustomize failed, or neither `kubectl` nor `kustomize` is installed. */
  kustomize: "GITOPS_KUSTOMIZE",
  /** A chart source is wrong: no such chart in the repository or registry, no Chart.yaml, a bad archive, a failed render. */
  chart: "GITOPS_CHART",
  /** A chart version constraint does not parse, or no published version satisfies it. */
  chartVersion: "GITOPS_CHART_VERSION",
  /** A chart archive's sha256 is not the digest its index, OCI manifest or provenance file promised. */
  chartDigest: "GITOPS_CHART_DIGEST",
  /** A Helm repository or OCI registry could not be read (network, TLS, auth, HTTP status). */
  chartFetch: "GITOPS_CHART_FETCH",
  /**
   * A chart's dependencies cannot be built: a repository no name or URL resolves, a `file://` path
   * outside the repository, a Chart.lock out of sync with Chart.yaml, a dependency missing from charts/.
   */
  chartDependency: "GITOPS_CHART_DEPENDENCY",
  /** A chart's provenance (`.prov`) is not signed by a key of the keyring, or its signature is broken. */
  chartSignature: "GITOPS_CHART_SIGNATURE",
  /** Provenance verification was asked for, and the chart has no `.prov` file. */
  chartProvenanceMissing: "GITOPS_CHART_PROVENANCE_MISSING",
  /** An Application's destination matches no known cluster. */
  destination: "GITOPS_DESTINATION",
  /**
   * An ApplicationSet (or one of its apps) ran past its render budget: wall time, template steps,
   * output size or memory. The whole ApplicationSet fails; its clusters keep their last good state.
   */
  budget: "RENDER_BUDGET_EXCEEDED",
} as const;

export type GitOpsErrorCode = (typeof GITOPS_ERROR)[keyof typeof GITOPS_ERROR];

/** The error family of gitops/: every failure to read, expand or render a fleet repository. */
export class GitOpsError extends FlotillaError {
  declare readonly code: GitOpsErrorCode;

  constructor(code: GitOpsErrorCode, message: string, options: FlotillaErrorOptions = {}) {
    super(code, message, options);
    this.name = "GitOpsError";
  }
}

export function isGitOpsError(err: unknown): err is GitOpsError {
  return err instanceof GitOpsError;
}
