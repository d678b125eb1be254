import { silentLogger, type Logger } from "../core/index.js";
import { appHeader, applicationSource, clusterDigest, finishApp, type AppHeader } from "./app-render.js";
import { expandApplicationSet, type Application, type GeneratedApplication } from "./expand-application-set.js";
import type { FleetCluster } from "./fleet-cluster.js";
import type { AppRender, AppSetRender, ClusterRender, FleetRender, RenderError } from "./fleet-render-types.js";
import type { DocumentCache} from "./fleet-repo.js";
import { loadFleet, type FleetLayout } from "./fleet-repo.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { isPlainObject, type Params } from "./generators/param-utils.js";
import { directoryOptions, type ManifestRenderer } from "./render/manifest-renderer.js";
import type { RepoSnapshot } from "./repo-snapshot.js";
import { sourceGate, type SourcePolicy } from "./source-policy.js";

/** Resolves a repository other than the fleet (or the fleet at another revision). */
export type RepoResolver = (repoURL: string, revision: string, field: string) => Promise<RepoSnapshot>;

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
  readonly logger?: Logger | undefined;
}

export function toRenderError(err: GitOpsError): RenderError {
  return { code: err.code, message: err.message, ...(err.file === undefined ? {} : { file: err.file }), ...(err.field === undefined ? {} : { field: err.field }) };
}

function normalizeRepoURL(url: string): string {
  return url.trim().replace(/\/+$/u, "").replace(/\.git$/u, "").replace(/^(https?:\/\/)[^@/]*@/iu, "$1").toLowerCase();
}

/**
 * Renders one revision of a fleet repository into one bundle per cluster. Pure apart from reading
 * other repositories and running kustomize through the injected parts. Every failure is scoped:
 * a broken file or generator is a fleet error, a template or manifest error marks one app of one
 * cluster, and every other cluster and app still renders.
 */
export async function renderSnapshot(snapshot: RepoSnapshot, options: RenderSnapshotOptions): Promise<FleetRender> {
  const logger = options.logger ?? silentLogger();
  const fleet = loadFleet(snapshot, options, options.documents);
  const errors: FleetRender["errors"][number][] = fleet.errors.map(toRenderError);
  const fleetURLs = new Set(["", ".", normalizeRepoURL(snapshot.source), ...(options.fleetRepoURLs ?? []).map(normalizeRepoURL)]);
  const isFleetRepo = (url: string): boolean => fleetURLs.has(normalizeRepoURL(url));

  const repo = async (repoURL: string, revision: string, field: string): Promise<RepoSnapshot> => {
    if (isFleetRepo(repoURL) && (revision === "" || revision === "HEAD" || revision === snapshot.revision)) return snapshot;
    if (options.repos === undefined) {
      throw new GitOpsError(GITOPS_ERROR.git, `repository ${JSON.stringify(repoURL)} at ${JSON.stringify(revision)} is not reachable from this render (only the fleet repository at HEAD is)`, { field });
    }
    return options.repos(isFleetRepo(repoURL) ? snapshot.source : repoURL, revision, field);
  };

  const byName = new Map(fleet.clusters.map((c) => [c.name, c]));
  const byServer = new Map<string, FleetCluster>();
  for (const c of fleet.clusters) if (!byServer.has(c.server)) byServer.set(c.server, c);
  const wanted = (c: FleetCluster): boolean => options.clusterFilter === undefined || options.clusterFilter(c);
  const appsByCluster = new Map<string, AppRender[]>(fleet.clusters.filter(wanted).map((c) => [c.name, []]));
  const appSets: AppSetRender[] = [];
  const gate = sourceGate(options.sourcePolicy);
  const renderContext: RenderContext = { repo, manifests: options.manifests, snapshots: new Map(), gate };

  for (const { appSet, file } of fleet.appSets) {
    const name = appSet.metadata.name;
    const preserve = appSet.spec.syncPolicy?.preserveResourcesOnDeletion === true;
    let index = 0;
    const place = (generated: GeneratedApplication): void | Promise<void> => {
      index++;
      if (generated.error !== undefined) {
        const cluster = clusterOfParams(generated.params, byName, byServer);
        if (cluster === undefined) errors.push({ ...toRenderError(generated.error), appSet: name });
        else if (wanted(cluster)) appsByCluster.get(cluster.name)!.push(failedApp(`${name}#${index}`, name, generated.error));
        return;
      }
      const app = generated.application;
      if (options.appFilter !== undefined && !options.appFilter(app.metadata.name)) return;
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
      const bucket = appsByCluster.get(cluster.name)!;
      const rendered = renderApp(app, appHeader(app, name, preserve), renderContext, { file, cluster: cluster.name });
      if (rendered instanceof Promise) return rendered.then((r) => void bucket.push(r));
      bucket.push(rendered);
    };
    // A git generator's repository is checked against the policy before it is fetched.
    const project = literalProject(appSet);
    const appSetRepo: RepoResolver = (repoURL, revision, field) => {
      gate({ repoURL, appSet: name, project }, { file, field });
      return repo(repoURL, revision, field);
    };
    const expanded = await expandApplicationSet(appSet, { clusters: fleet.clusters, repo: appSetRepo, file }, place);
    appSets.push({ name, file, strategy: appSet.spec.strategy ?? { type: "AllAtOnce" }, applications: expanded.count });
    for (const err of expanded.generatorErrors) errors.push({ ...toRenderError(err), appSet: name });
  }

  const clusters: ClusterRender[] = [];
  for (const cluster of [...fleet.clusters].filter(wanted).sort((a, b) => compare(a.name, b.name))) {
    const apps = markDuplicates(appsByCluster.get(cluster.name)!.sort((a, b) => compare(a.name, b.name)));
    clusters.push({ name: cluster.name, server: cluster.server, labels: cluster.labels, apps, digest: clusterDigest(cluster.name, apps) });
  }
  logger.debug({ revision: snapshot.revision, clusters: clusters.length, errors: errors.length }, "rendered fleet");
  return { revision: snapshot.revision, clusters, appSets, errors };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface RenderContext {
  readonly repo: RepoResolver;
  readonly manifests: ManifestRenderer;
  /** Snapshots already resolved, by repoURL and revision: most apps hit this synchronously. */
  readonly snapshots: Map<string, RepoSnapshot>;
  /** Throws when the app's project may not read its repository (before any fetch). */
  readonly gate: ReturnType<typeof sourceGate>;
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
    return failed(header, "", new GitOpsError(GITOPS_ERROR.invalid, "the Application needs exactly one source (spec.source or a one-element spec.sources)", { file, field: "spec.template.spec.source" }));
  }
  if (typeof source["chart"] === "string" && source["chart"] !== "") {
    return failed(header, "", new GitOpsError(GITOPS_ERROR.invalid, "Helm chart sources are not supported; render the chart into the repository or use kustomize helmCharts", { file, field: "spec.template.spec.source.chart" }));
  }
  try {
    ctx.gate({ repoURL: header.source.repoURL, appSet: header.appSet, project: header.project }, { file, field: "spec.template.spec.source.repoURL" });
  } catch (err) {
    if (err instanceof GitOpsError) return failed(header, "", err, file);
    throw err;
  }
  const manifestSource = { path: header.source.path, directory: directoryOptions(source["directory"]) };
  const repoKey = `${header.source.repoURL}\0${header.source.targetRevision}`;
  const known = ctx.snapshots.get(repoKey);
  if (known !== undefined) {
    const objects = ctx.manifests.peek(known, manifestSource);
    if (objects !== undefined) return objects instanceof GitOpsError ? failed(header, known.revision, objects, file) : finishApp(header, known.revision, objects, { cluster });
  }
  return (async () => {
    let snapshot: RepoSnapshot;
    try {
      snapshot = known ?? (await ctx.repo(header.source.repoURL, header.source.targetRevision, "spec.template.spec.source.repoURL"));
    } catch (err) {
      if (err instanceof GitOpsError) return failed(header, "", err, file);
      throw err;
    }
    ctx.snapshots.set(repoKey, snapshot);
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
