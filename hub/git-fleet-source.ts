import type { Logger } from "../core/index.js";
import { DocumentCache, openGitSource, redactUrl, renderFleet, type AppSetRenderer, type FleetRender, type GitAuth, type GitSource, type RenderBudget } from "../gitops/index.js";
import type { DesiredStateSource } from "./fleet-source.js";

export interface GitFleetSourceOptions {
  /** https URL or local path of the fleet repository. */
  readonly url: string;
  /** Branch, tag or commit to follow (default HEAD). */
  readonly revision?: string | undefined;
  readonly appSetPath?: string | undefined;
  readonly clustersPath?: string | undefined;
  readonly credentials?: ((url: string) => GitAuth | undefined) | undefined;
  readonly cacheDir?: string | undefined;
  readonly allowLocalRepos?: boolean | undefined;
  readonly logger?: Logger | undefined;
  readonly budget?: RenderBudget | undefined;
  /** Renders ApplicationSets off the event loop (the hub's RenderPool). */
  readonly renderAppSet?: AppSetRenderer | undefined;
}

/** A fleet repository rendered with gitops/ (the same code a bootstrapping spoke uses). */
export class GitFleetSource implements DesiredStateSource {
  readonly id: string;
  readonly #options: GitFleetSourceOptions;
  readonly #documents = new DocumentCache();
  #source: GitSource | undefined;

  constructor(options: GitFleetSourceOptions) {
    this.#options = options;
    this.id = redactUrl(options.url);
  }

  async load(): Promise<FleetRender> {
    const o = this.#options;
    if (this.#source === undefined) {
      this.#source = await openGitSource({ url: o.url, auth: o.credentials?.(o.url), cacheDir: o.cacheDir, logger: o.logger });
    } else {
      await this.#source.fetch();
    }
    return renderFleet({
      source: this.#source,
      revision: o.revision,
      appSetPath: o.appSetPath,
      clustersPath: o.clustersPath,
      credentials: o.credentials,
      cacheDir: o.cacheDir,
      allowLocalRepos: o.allowLocalRepos,
      documents: this.#documents,
      logger: o.logger,
      budget: o.budget,
      renderAppSet: o.renderAppSet,
    });
  }
}
