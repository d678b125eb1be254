import { silentLogger, type Logger } from "../core/index.js";
import { appHeader, applicationSource, clusterDigest, finishApp, type AppHeader } from "./app-render.js";
import { isChartSource, newChartRenderState, renderChartApp, type ChartRenderContext, type ChartResolver } from "./chart-app-render.js";
import { expandApplicationSet, type Application, type GeneratedApplication } from "./expand-application-set.js";
import type { FleetCluster } from "./fleet-cluster.js";
import { loadFleetHealth } from "./fleet-health.js";
import type { AppRender, AppSetRender, ClusterRender, FleetRender, RenderError } from "./fleet-render-types.js";
import { loadFleet, type DocumentCache, type FleetLayout, type LoadedApplicationSet } from "./fleet-repo.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { isPlainObject, type Params } from "./generators/param-utils.js";
import { directoryOptions, type ManifestRenderer } from "./render/manifest-renderer.js";
import type { RepoSnapshot } from "./repo-snapshot.js";
import { appSetExecBudget, isBudgetExceeded, renderBudgetError, type RenderBudget } from "./render-budget.js";
import { sourceGate, type SourceGate, type SourcePolicy } from "./source-policy.js";

/** Who reads a repository: the ApplicationSet and the project its apps name (see SourceRequest). */
export interface RepoRequester {
  readonly appSet: string;
  readonly project: string | undefined;
}

/** Resolves a repository other than the fleet (or the fleet at another revision). */
export type RepoResolver = (repoURL: string, revision: string, field: string, requester?: RepoRequester) => Promise<RepoSnapshot>;

export interface RenderSnapshotOptions extends FleetLayout {
  readonly manifests: ManifestRenderer;
  /** Other repositories; without it, apps and git generators may only use the fleet repository. */
  readonly repos?: RepoResolver | undefined;
  /** Extra repoURLs that mean "the fleet repository itself" (besides "", "." and its own URL). */
  readonly fleetRepoURLs?: readonly string[] | undefined;
  /** Only these clusters are rendered (the others are skipped before any manifest work). */
  readonly clusterFilter?: ((cluster: FleetCluster) => boolean) | undefined;
  /** Only apps whose name passes are rendered. */
  readonly appFilter?: ((name: string) => boolean) | undefined;
  readonly documents?: DocumentCache | undefined;
  /** Which repositories each ApplicationSet may read (the hub's sourceRepos), checked before any fetch. */
  readonly sourcePolicy?: SourcePolicy | undefined;
  /** Repositories whose kustomizations may name remote bases (by snapshot source). */
  readonly kustomizeRemoteBases?: ((source: string) => boolean) | undefined;
  readonly logger?: Logger | undefined;
  /** Limits per ApplicationSet and per app; without one, rendering is unlimited. */
  readonly budget?: RenderBudget | undefined;
  /** Milliseconds clock for the budget (default `performance.now`). */
  readonly now?: (() => number) | undefined;
  /** Renders each ApplicationSet elsewhere (the hub's worker pool); `manifests` is then unused. */
  readonly renderAppSet?: AppSetRenderer | undefined;
  /** Fetches charts from Helm repositories and OCI registries (after the source policy); without it only Git chart directories render. */
  readonly charts?: ChartResolver | undefined;
  /** Reuses ApplicationSets whose inputs did not change since the last render (the hub keeps one per source). */
  readonly appSetCache?: AppSetCache | undefined;
}

/** Reuses an ApplicationSet's outcome while its inputs stay the same (gitops/incremental-render.ts). */
export interface AppSetCache {
  render(loaded: LoadedApplicationSet, env: Pick<AppSetEnv, "snapshot" | "clusters" | "wantedClusters" | "fleetRepoURLs">, render: () => Promise<AppSetOutcome>): Promise<AppSetOutcome>;
  /** Forgets the ApplicationSets that are not in this list (the fleet's, after a render). */
  retain(loaded: readonly LoadedApplicationSet[]): void;
}

export function toRenderError(err: GitOpsError): RenderError {
  return { code: err.code, message: err.message, ...(err.file === undefined ? {} : { file: err.file }), ...(err.field === undefined ? {} : { field: err.field }) };
}

/** A repoURL as compared with the fleet's own URLs (no credentials, no `.git`, no trailing slash, lower case). */
export function normalizeRepoURL(url: string): string {
  return url.trim().replace(/\/+$/u, "").replace(/\.git$/u, "").replace(/^(https?:\/\/)[^@/]*@/iu, "$1").toLowerCase();
}

/** One app placed on its cluster, as an ApplicationSet render yields it. */
export interface PlacedApp {
  readonly cluster: string;
  readonly app: AppRender;
}

/** What rendering one ApplicationSet gives: its apps per cluster and the failures that are not one app's. */
export interface AppSetOutcome {
  /** `error` is set when the whole ApplicationSet failed (its budget): then `apps` is empty. */
  readonly appSet: AppSetRender;
  readonly apps: readonly PlacedApp[];
  readonly errors: FleetRender["errors"];
}

/** Everything one ApplicationSet render reads: the fleet snapshot and clusters, other repositories, manifests. */
export interface AppSetEnv {
  readonly snapshot: RepoSnapshot;
  readonly clusters: readonly FleetCluster[];
  /** Clusters to render for (names); all when absent. */
  readonly wantedClusters?: ReadonlySet<string> | undefined;
  /** Resolves repositories; fleet-aware (see {@link fleetRepoResolver}). */
  readonly repo: RepoResolver;
  /** The fleet's extra repoURLs (a renderer in another thread rebuilds the resolver with them). */
  readonly fleetRepoURLs?: readonly string[] | undefined;
  readonly manifests: ManifestRenderer;
  /** Snapshots already resolved, shared between ApplicationSets of one render. */
  readonly snapshots?: Map<string, RepoSnapshot> | undefined;
  /** Without one, rendering is unlimited (trusted input: tests, benchmarks). */
  readonly budget?: RenderBudget | undefined;
  /** Milliseconds clock for the budget's time limits. */
  readonly now?: (() => number) | undefined;
  /**
   * Throws GITOPS_SOURCE_NOT_PERMITTED when an app or git generator may not read a repository. In a
   * render worker it is absent: the hub's thread checks each repository the worker asks it to fetch.
   */
  readonly gate?: SourceGate | undefined;
  /** Repositories whose kustomizations may name remote bases (a worker gets the answer per snapshot). */
  readonly remoteBases?: ((source: string) => boolean) | undefined;
  /**
   * Fetches charts from Helm repositories and OCI registries. On the hub's thread the gate has
   * already passed; a render worker's resolver asks the hub's thread, which checks the policy.
   */
  readonly charts?: ChartResolver | undefined;
}

/** Renders one ApplicationSet somewhere else (a worker pool); the default renders it in this thread. */
export type AppSetRenderer = (loaded: LoadedApplicationSet, env: Omit<AppSetEnv, "manifests" | "snapshots">) => Promise<AppSetOutcome>;

/**
 * Resolves repoURLs the way a fleet render does: "", "." and the fleet's own URLs at HEAD (or at
 * the snapshot's commit) are the snapshot itself; anything else goes to `repos`.
 */
export function fleetRepoResolver(snapshot: RepoSnapshot, fleetRepoURLs: readonly string[] | undefined, repos: RepoResolver | undefined): RepoResolver {
  const fleetURLs = new Set(["", ".", normalizeRepoURL(snapshot.source), ...(fleetRepoURLs ?? []).map(normalizeRepoURL)]);
  const isFleetRepo = (url: string): boolean => fleetURLs.has(normalizeRepoURL(url));
  return async (repoURL, revision, field, requester) => {
    if (isFleetRepo(repoURL) && (revision === "" || revision === "HEAD" || revision === snapshot.revision)) return snapshot;
    if (repos === undefined) {
      throw new GitOpsError(GITOPS_ERROR.git, `repository ${JSON.stringify(repoURL)} at ${JSON.stringify(revision)} is not reachable from this render (only the fleet repository at HEAD is)`, { field });
    }
    return repos(isFleetRepo(repoURL) ? snapshot.source : repoURL, revision, field, requester);
  };
}

/**
 * Renders one revision of a fleet repository into one bundle per cluster. Pure apart from reading
 * other repositories and running kustomize through the injected parts. Every failure is scoped:
 * a broken file or generator is a fleet error, a template or manifest error marks one app of one
 * cluster, an ApplicationSet past its budget fails alone, and everything else still renders.
 */
export async function renderSnapshot(snapshot: RepoSnapshot, options: RenderSnapshotOptions): Promise<FleetRender> {
  const logger = options.logger ?? silentLogger();
  const fleet = loadFleet(snapshot, options, options.documents);
  const errors: FleetRender["errors"][number][] = fleet.errors.map(toRenderError);
  const health = loadFleetHealth(snapshot, options.healthPath);
  if (health.kind === "error") errors.push(toRenderError(health.error));
  const repo = fleetRepoResolver(snapshot, options.fleetRepoURLs, options.repos);
  const wanted = (c: FleetCluster): boolean => options.clusterFilter === undefined || options.clusterFilter(c);
  const wantedClusters = options.clusterFilter === undefined ? undefined : new Set(fleet.clusters.filter(wanted).map((c) => c.name));
  const appsByCluster = new Map<string, AppRender[]>(fleet.clusters.filter(wanted).map((c) => [c.name, []]));
  const env = {
    snapshot,
    clusters: fleet.clusters,
    wantedClusters,
    repo,
    fleetRepoURLs: options.fleetRepoURLs,
    budget: options.budget,
    now: options.now,
    gate: sourceGate(options.sourcePolicy),
    remoteBases: options.kustomizeRemoteBases,
    charts: options.charts,
  };
  const appSets: AppSetRender[] = [];

  const collect = (outcome: AppSetOutcome): void => {
    appSets.push(outcome.appSet);
    errors.push(...outcome.errors);
    for (const { cluster, app } of outcome.apps) {
      if (options.appFilter !== undefined && !options.appFilter(app.name)) continue;
      appsByCluster.get(cluster)?.push(app);
    }
  };
  // An app filter renders part of an ApplicationSet: such an outcome is never cached.
  const cache = options.appFilter === undefined ? options.appSetCache : undefined;
  const cached = (loaded: LoadedApplicationSet, render: () => Promise<AppSetOutcome>): Promise<AppSetOutcome> => (cache === undefined ? render() : cache.render(loaded, env, render));
  if (options.renderAppSet !== undefined) {
    // Off this thread: every ApplicationSet at once (the pool queues them), collected in file order.
    const outcomes = await Promise.all(fleet.appSets.map((loaded) => cached(loaded, () => options.renderAppSet!(loaded, env))));
    outcomes.forEach(collect);
  } else {
    const local: AppSetEnv = { ...env, manifests: options.manifests, snapshots: new Map() };
    for (const loaded of fleet.appSets) collect(await cached(loaded, () => renderApplicationSet(loaded, local, options.appFilter)));
  }
  cache?.retain(fleet.appSets);

  const clusters: ClusterRender[] = [];
  for (const cluster of [...fleet.clusters].filter(wanted).sort((a, b) => compare(a.name, b.name))) {
    const apps = markDuplicates(appsByCluster.get(cluster.name)!.sort((a, b) => compare(a.name, b.name)));
    clusters.push({ name: cluster.name, server: cluster.server, labels: cluster.labels, apps, digest: clusterDigest(cluster.name, apps) });
  }
  logger.debug({ revision: snapshot.revision, clusters: clusters.length, errors: errors.length }, "rendered fleet");
  return {
    revision: snapshot.revision,
    clusters,
    appSets,
    errors,
    ...(health.kind === "lua" ? { health: health.health } : {}),
    ...(health.kind === "error" ? { healthFailed: true } : {}),
  };
}

/**
 * Expands and renders one ApplicationSet for every wanted cluster, under its budget. Running out
 * of budget fails the ApplicationSet as a whole (RENDER_BUDGET_EXCEEDED, no apps): half of an
 * ApplicationSet is never published.
 */
export async function renderApplicationSet(loaded: LoadedApplicationSet, env: AppSetEnv, appFilter?: (name: string) => boolean): Promise<AppSetOutcome> {
  const { appSet, file } = loaded;
  const name = appSet.metadata.name;
  const strategy = appSet.spec.strategy ?? { type: "AllAtOnce" as const };
  const byName = new Map(env.clusters.map((c) => [c.name, c]));
  const byServer = new Map<string, FleetCluster>();
  for (const c of env.clusters) if (!byServer.has(c.server)) byServer.set(c.server, c);
  const wanted = (c: FleetCluster): boolean => env.wantedClusters === undefined || env.wantedClusters.has(c.name);
  const preserve = appSet.spec.syncPolicy?.preserveResourcesOnDeletion === true;
  const gate = env.gate ?? (() => undefined);

  // A git generator's repository is checked against the policy before it is fetched.
  const project = literalProject(appSet);
  const appSetRepo: RepoResolver = (repoURL, revision, field) => {
    gate({ repoURL, appSet: name, project }, { file, field });
    return env.repo(repoURL, revision, field, { appSet: name, project });
  };
  const budget = env.budget === undefined ? undefined : appSetExecBudget(env.budget, env.now ?? (() => performance.now()));
  const renderContext: RenderContext = { repo: env.repo, manifests: env.manifests, snapshots: env.snapshots ?? new Map<string, RepoSnapshot>(), gate, charts: env.charts, budget, ...newChartRenderState() };
  const apps: PlacedApp[] = [];
  const errors: FleetRender["errors"][number][] = [];
  let index = 0;
  const place = (generated: GeneratedApplication): void | Promise<void> => {
    index++;
    if (generated.error !== undefined) {
      const cluster = clusterOfParams(generated.params, byName, byServer);
      if (cluster === undefined) errors.push({ ...toRenderError(generated.error), appSet: name });
      else if (wanted(cluster)) apps.push({ cluster: cluster.name, app: failedApp(`${name}#${index}`, name, generated.error) });
      return;
    }
    const app = generated.application;
    if (appFilter !== undefined && !appFilter(app.metadata.name)) return;
    const cluster = destinationCluster(app, byName, byServer);
    if (cluster === undefined) {
      errors.push({
        code: GITOPS_ERROR.destination,
        message: `application ${app.metadata.name}: destination ${JSON.stringify(app.spec["destination"] ?? {})} matches no cluster of the fleet`,
        file,
        field: "spec.template.spec.destination",
        appSet: name,
      });
      return;
    }
    if (!wanted(cluster)) return;
    const rendered = renderApp(app, appHeader(app, name, preserve), renderContext, { file, cluster: cluster.name });
    if (rendered instanceof Promise) return rendered.then((r) => void apps.push({ cluster: cluster.name, app: r }));
    apps.push({ cluster: cluster.name, app: rendered });
    budget?.checkTime();
  };
  try {
    const expanded = await expandApplicationSet(appSet, { clusters: env.clusters, repo: appSetRepo, file, budget }, place);
    for (const err of expanded.generatorErrors) errors.push({ ...toRenderError(err), appSet: name });
    return { appSet: { name, file, strategy, applications: expanded.count }, apps, errors };
  } catch (err) {
    const failure = err instanceof GitOpsError && err.code === GITOPS_ERROR.budget ? err : isBudgetExceeded(err) ? renderBudgetError(err.message, { appSet: name, file }) : undefined;
    if (failure === undefined) throw err;
    return appSetFailed(loaded, failure);
  }
}

/** The outcome of an ApplicationSet that failed as a whole: no apps, one error naming it. */
export function appSetFailed(loaded: LoadedApplicationSet, err: GitOpsError): AppSetOutcome {
  const { appSet, file } = loaded;
  const error = { ...toRenderError(err), file: err.file ?? file };
  return {
    appSet: { name: appSet.metadata.name, file, strategy: appSet.spec.strategy ?? { type: "AllAtOnce" }, applications: 0, error },
    apps: [],
    errors: [{ ...error, appSet: appSet.metadata.name }],
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface RenderContext extends ChartRenderContext {
  readonly repo: RepoResolver;
  readonly manifests: ManifestRenderer;
  /** Snapshots already resolved, by repoURL and revision: most apps hit this synchronously. */
  readonly snapshots: Map<string, RepoSnapshot>;
  /** Throws when the app's project may not read its repository (before any fetch). */
  readonly gate: SourceGate;
}

/**
 * The project every app of the ApplicationSet names, when that is a constant; undefined when it is
 * templated or may be changed by a templatePatch or a generator's own template.
 */
function literalProject(appSet: { readonly spec: { readonly template?: unknown; readonly templatePatch?: unknown; readonly generators: readonly unknown[] } }): string | undefined {
  if (appSet.spec.templatePatch !== undefined || JSON.stringify(appSet.spec.generators).includes('"template"')) return undefined;
  const template = appSet.spec.template;
  const spec = isPlainObject(template) && isPlainObject(template["spec"]) ? template["spec"] : {};
  const project = spec["project"];
  if (project === undefined) return "default";
  return typeof project === "string" && !project.includes("{{") && !project.includes("}}") ? project : undefined;
}

/**
 * Renders one app. Synchronous when its repository and manifests are already resolved (the
 * common case: one source shared by thousands of clusters), so no promise is made per app.
 */
function renderApp(app: Application, header: AppHeader, ctx: RenderContext, where: { file: string; cluster: string }): AppRender | Promise<AppRender> {
  const { file, cluster } = where;
  const source = applicationSource(app);
  if (source === undefined) {
    return failed(header, "", new GitOpsError(GITOPS_ERROR.invalid, "the Application needs one source to render (spec.source, or spec.sources with one source besides ref-only ones)", { file, field: "spec.template.spec.source" }));
  }
  try {
    ctx.gate({ repoURL: header.source.repoURL, appSet: header.appSet, project: header.project }, { file, field: "spec.template.spec.source.repoURL" });
  } catch (err) {
    if (err instanceof GitOpsError) return failed(header, "", err, file);
    throw err;
  }
  // A chart from a Helm repository or OCI registry: no Git repository to read.
  if (typeof source["chart"] === "string" && source["chart"] !== "") return renderChartApp(app, header, source, ctx, where);
  const manifestSource = { path: header.source.path, directory: directoryOptions(source["directory"]) };
  const repoKey = `${header.source.repoURL}\0${header.source.targetRevision}`;
  const known = ctx.snapshots.get(repoKey);
  if (known !== undefined && isChartSource(source, known, header.source.path)) return renderChartApp(app, header, source, ctx, where, known);
  if (known !== undefined) {
    const objects = ctx.manifests.peek(known, manifestSource);
    if (objects !== undefined) return objects instanceof GitOpsError ? failed(header, known.revision, objects, file) : finishApp(header, known.revision, objects, { cluster });
  }
  return (async () => {
    let snapshot: RepoSnapshot;
    try {
      snapshot = known ?? (await ctx.repo(header.source.repoURL, header.source.targetRevision, "spec.template.spec.source.repoURL", { appSet: header.appSet, project: header.project }));
    } catch (err) {
      if (err instanceof GitOpsError) return failed(header, "", err, file);
      throw err;
    }
    ctx.snapshots.set(repoKey, snapshot);
    if (isChartSource(source, snapshot, header.source.path)) return renderChartApp(app, header, source, ctx, where, snapshot);
    try {
      return finishApp(header, snapshot.revision, await ctx.manifests.render(snapshot, manifestSource), { cluster });
    } catch (err) {
      if (err instanceof GitOpsError) return failed(header, snapshot.revision, err, file);
      throw err;
    }
  })();
}

function failed(header: AppHeader, revision: string, err: GitOpsError, file?: string): AppRender {
  const error = toRenderError(err);
  // Errors that name no file (a bad path, an unknown revision) point at the ApplicationSet.
  return finishApp(header, revision, [], { error: error.file === undefined && file !== undefined ? { ...error, file } : error });
}

function failedApp(name: string, appSet: string, error: GitOpsError): AppRender {
  const header: AppHeader = {
    name,
    appSet,
    namespace: "",
    project: "",
    labels: {},
    source: { repoURL: "", path: "", targetRevision: "", revision: "" },
    syncPolicy: { prune: false, selfHeal: false, syncOptions: [], preserveResourcesOnDeletion: true },
    ignoreDifferences: [],
  };
  return finishApp(header, "", [], { error: toRenderError(error) });
}

/** Two ApplicationSets generating the same app name for one cluster: the later ones fail. */
function markDuplicates(apps: AppRender[]): AppRender[] {
  const seen = new Set<string>();
  return apps.map((app) => {
    if (!seen.has(app.name)) {
      seen.add(app.name);
      return app;
    }
    const error = { code: GITOPS_ERROR.invalid, message: `application name ${JSON.stringify(app.name)} is generated twice for this cluster (ApplicationSet ${app.appSet})` };
    return { ...app, objects: [], error, digest: finishApp({ ...app }, app.source.revision, [], { error }).digest };
  });
}

function destinationCluster(app: Application, byName: Map<string, FleetCluster>, byServer: Map<string, FleetCluster>): FleetCluster | undefined {
  const destination = isPlainObject(app.spec["destination"]) ? app.spec["destination"] : {};
  const name = destination["name"];
  if (typeof name === "string" && name !== "") return byName.get(name);
  const server = destination["server"];
  if (typeof server === "string" && server !== "") return byServer.get(server.replace(/\/+$/u, "")) ?? byServer.get(server);
  return undefined;
}

/** For a param set whose template failed: the cluster it was meant for, if the params name one. */
function clusterOfParams(params: Params, byName: Map<string, FleetCluster>, byServer: Map<string, FleetCluster>): FleetCluster | undefined {
  const name = params["name"];
  if (typeof name === "string") {
    const cluster = byName.get(name);
    if (cluster !== undefined) return cluster;
  }
  const server = params["server"];
  return typeof server === "string" ? byServer.get(server) : undefined;
}
