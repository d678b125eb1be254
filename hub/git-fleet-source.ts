import type { Logger } from "../core/index.js";
import { AppSetRenderCache, ChartFetcher, DocumentCache, openGitSource, redactUrl, renderFleet, type AppSetRenderer, type ChartKeyring, type CommitInfo, type FleetRender, type GitAuth, type GitSource, type RenderBudget, type SourcePolicy } from "../gitops/index.js";
import type { DesiredStateSource } from "./fleet-source.js";

export interface GitFleetSourceOptions {
  /** https URL or local path of the fleet repository. */
  readonly url: string;
  /** Branch, tag or commit to follow (default HEAD). */
  readonly revision?: string | undefined;
  readonly appSetPath?: string | undefined;
  readonly clustersPath?: string | undefined;
  /** Credentials by URL (a GitCredentials resolver: scoped by prefix, none over plain http). */
  readonly credentials?: ((url: string) => GitAuth | undefined) | undefined;
  /** The resolver may hand out credentials for http:// URLs (--allow-insecure-http-credentials). */
  readonly allowInsecureHttp?: boolean | undefined;
  /** The sourceRepos allowlists, checked before any repository an app names is fetched. */
  readonly sourcePolicy?: SourcePolicy | undefined;
  /** Repositories whose kustomizations may name remote bases. */
  readonly kustomizeRemoteBases?: ((source: string) => boolean) | undefined;
  readonly cacheDir?: string | undefined;
  readonly allowLocalRepos?: boolean | undefined;
  readonly logger?: Logger | undefined;
  readonly budget?: RenderBudget | undefined;
  /** Renders ApplicationSets off the event loop (the hub's RenderPool). */
  readonly renderAppSet?: AppSetRenderer | undefined;
  /** Charts fetched from Helm repositories and OCI registries must carry provenance signed by this keyring. */
  readonly chartProvenance?: ChartKeyring | undefined;
}

/** A fleet repository rendered with gitops/ (the same code a bootstrapping spoke uses). */
export class GitFleetSource implements DesiredStateSource {
  readonly id: string;
  readonly #options: GitFleetSourceOptions;
  readonly #documents = new DocumentCache();
  /** ApplicationSets whose inputs did not change since the last commit are not rendered again. */
  readonly renderCache = new AppSetRenderCache();
  /** Kept across renders: chart archives are cached by digest (on disk under the git cache too). */
  readonly #charts: ChartFetcher;
  #source: GitSource | undefined;

  constructor(options: GitFleetSourceOptions) {
    this.#options = options;
    this.id = redactUrl(options.url);
    this.#charts = new ChartFetcher({ credentials: options.credentials, cacheDir: options.cacheDir === undefined ? undefined : `${options.cacheDir}/charts`, logger: options.logger, provenance: options.chartProvenance });
  }

  async commitInfo(oid: string): Promise<CommitInfo | undefined> {
    return this.#source?.commitInfo?.(oid);
  }

  async load(): Promise<FleetRender> {
    const o = this.#options;
    if (this.#source === undefined) {
      this.#source = await openGitSource({ url: o.url, auth: o.credentials?.(o.url), allowInsecureHttp: o.allowInsecureHttp, cacheDir: o.cacheDir, logger: o.logger });
    } else {
      await this.#source.fetch();
    }
    return renderFleet({
      source: this.#source,
      revision: o.revision,
      appSetPath: o.appSetPath,
      clustersPath: o.clustersPath,
      credentials: o.credentials,
      allowInsecureHttp: o.allowInsecureHttp,
      sourcePolicy: o.sourcePolicy,
      kustomizeRemoteBases: o.kustomizeRemoteBases,
      cacheDir: o.cacheDir,
      allowLocalRepos: o.allowLocalRepos,
      documents: this.#documents,
      logger: o.logger,
      budget: o.budget,
      renderAppSet: o.renderAppSet,
      charts: this.#charts,
      appSetCache: this.renderCache,
    });
  }
}
