import { isFlotillaError } from "../core/index.js";
import type { KubeObject } from "../kube/kube-object.js";
import type { ExecBudget } from "../template/index.js";
import { isBudgetExceeded } from "./render-budget.js";
import { finishApp, refSources, type AppHeader } from "./app-render.js";
import { readArgoHelmSource, type ArgoBuildEnv } from "./charts/argo-helm-source.js";
import type { ChartArchive } from "./charts/chart-fetcher.js";
import { ChartApps, type ChartOrigin } from "./charts/chart-app.js";
import { prepareChartApp, type PreparedChart } from "./charts/chart-app-prepare.js";
import type { Application } from "./expand-application-set.js";
import type { AppRender } from "./fleet-render-types.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { KUSTOMIZATION_FILES } from "./render/kustomize-preflight.js";
import { confinePath } from "./repo-path.js";
import type { RepoSnapshot } from "./repo-snapshot.js";
import type { SourceGate } from "./source-policy.js";

/** A chart source as the Application writes it (`repoURL`, `chart`, `targetRevision`). */
export interface ChartSourceRequest {
  readonly repoURL: string;
  readonly chart: string;
  readonly targetRevision: string;
  /** A chart (default), or a value file named by URL (`repoURL` is the URL; the answer's bytes are the file). */
  readonly kind?: "chart" | "valueFile" | undefined;
}

type Requester = { readonly appSet: string; readonly project: string | undefined };
type Where = { readonly file?: string | undefined; readonly field: string };

/**
 * Fetches a chart from a Helm repository or an OCI registry. On the hub's thread it checks the
 * source policy first; in a render worker it asks the hub's thread (RenderPool answers).
 */
export type ChartResolver = (source: ChartSourceRequest, where: Where, requester: Requester) => Promise<ChartArchive>;

/** What rendering chart apps needs from the ApplicationSet render around it. */
export interface ChartRenderContext {
  /** Repositories for `ref` sources (`$values/…` value files). */
  readonly repo: (repoURL: string, revision: string, field: string, requester?: Requester) => Promise<RepoSnapshot>;
  readonly snapshots: Map<string, RepoSnapshot>;
  readonly gate: SourceGate;
  /** Without one, only chart directories of Git repositories render. */
  readonly charts?: ChartResolver | undefined;
  readonly chartApps: ChartApps;
  /** Archives of this render by source, settled ones for the synchronous path. */
  readonly archives: Map<string, Promise<ChartArchive>>;
  readonly settledArchives: Map<string, ChartArchive | GitOpsError>;
  /** The ApplicationSet's budget: chart templates are charged to it. */
  readonly budget?: ExecBudget | undefined;
}

export function newChartRenderState(): Pick<ChartRenderContext, "chartApps" | "archives" | "settledArchives"> {
  return { chartApps: new ChartApps(), archives: new Map(), settledArchives: new Map() };
}

const FIELD = "spec.template.spec.source";

/** Argo CD's source type detection: `chart` or `helm` say Helm; else a Chart.yaml (without a kustomization) does. */
export function isChartSource(source: Record<string, unknown>, snapshot: RepoSnapshot | undefined, path: string): boolean {
  if (typeof source["chart"] === "string" && source["chart"] !== "") return true;
  if (source["helm"] !== undefined) return true;
  if (source["kustomize"] !== undefined || source["directory"] !== undefined || snapshot === undefined) return false;
  // Asked once per app and cluster (100 000 times for 10 000 clusters): the answer depends only on
  // the (immutable) snapshot and the path, so it is worked out once per pair.
  let byPath = chartDirectories.get(snapshot);
  if (byPath === undefined) {
    byPath = new Map();
    chartDirectories.set(snapshot, byPath);
  }
  let known = byPath.get(path);
  if (known === undefined) {
    known = isChartDirectory(snapshot, path);
    byPath.set(path, known);
  }
  return known;
}

const chartDirectories = new WeakMap<RepoSnapshot, Map<string, boolean>>();

function isChartDirectory(snapshot: RepoSnapshot, path: string): boolean {
  let root: string;
  try {
    root = confinePath(path);
  } catch {
    return false;
  }
  const at = (name: string): string => (root === "" ? name : `${root}/${name}`);
  return snapshot.isFile(at("Chart.yaml")) && !KUSTOMIZATION_FILES.some((k) => snapshot.isFile(at(k)));
}

/**
 * Renders one chart app: its chart from the snapshot (`snapshot` given) or from a chart
 * repository, its value files from the chart or its `ref` sources. Synchronous when the chart and
 * ref repositories are already at hand (every cluster after the first).
 */
export function renderChartApp(app: Application, header: AppHeader, source: Record<string, unknown>, ctx: ChartRenderContext, where: { file: string; cluster: string }, snapshot?: RepoSnapshot): AppRender | Promise<AppRender> {
  const { file, cluster } = where;
  try {
    const helm = readArgoHelmSource(source["helm"], { file, field: `${FIELD}.helm` });
    const refs = refsNeeded(app, helm.valueFiles, helm.fileParameters.map((p) => p.path));
    const requester = { appSet: header.appSet, project: header.project };
    const refSnapshots = new Map<string, RepoSnapshot>();
    const pending: Promise<void>[] = [];
    for (const [name, ref] of refs) {
      const key = `${ref.repoURL}\0${ref.targetRevision}`;
      const known = ctx.snapshots.get(key);
      if (known !== undefined) {
        refSnapshots.set(name, known);
        continue;
      }
      ctx.gate({ repoURL: ref.repoURL, ...requester }, { file, field: "spec.template.spec.sources.repoURL" });
      pending.push(
        ctx.repo(ref.repoURL, ref.targetRevision, "spec.template.spec.sources.repoURL", requester).then((s) => {
          ctx.snapshots.set(key, s);
          refSnapshots.set(name, s);
        }),
      );
    }
    const finish = (unprepared: ChartOrigin, revision: string): AppRender | Promise<AppRender> => {
      const env = buildEnv(header, revision, helm.kubeVersion, helm.apiVersions);
      const render = ({ origin, remoteValues }: PreparedChart): AppRender | Promise<AppRender> => {
        const request = { origin, helm, appName: header.name, namespace: header.namespace, refs: refSnapshots, remoteValues, env, file, field: FIELD };
        const objects = ctx.chartApps.render(request, ctx.budget);
        const done = (o: readonly KubeObject[]): AppRender => finishApp(header, revision, o, { cluster });
        return objects instanceof Promise ? objects.then(done, (err: unknown) => failedChart(header, revision, err, file)) : done(objects);
      };
      // Dependencies charts/ lacks (helm dependency build) and URL value files, through the source policy.
      let prepared: PreparedChart | Promise<PreparedChart>;
      try {
        prepared = prepareChartApp(unprepared, helm, { refs: new Set(refs.keys()), env, requester, where: { file, field: FIELD } }, ctx);
      } catch (err) {
        return failedChart(header, revision, err, file);
      }
      return prepared instanceof Promise ? prepared.then(render, (err: unknown) => failedChart(header, revision, err, file)) : render(prepared);
    };
    const withOrigin = (): AppRender | Promise<AppRender> => {
      if (snapshot !== undefined) return finish({ kind: "git", snapshot, path: header.source.path }, snapshot.revision);
      const archive = archiveOf(source, ctx, { file, field: `${FIELD}.repoURL` }, requester);
      if (archive instanceof Promise) return archive.then((a) => finish(originOf(a), a.version), (err: unknown) => failedChart(header, "", err, file));
      return finish(originOf(archive), archive.version);
    };
    if (pending.length === 0) return withOrigin();
    return Promise.all(pending).then(withOrigin).catch((err: unknown) => failedChart(header, "", err, file));
  } catch (err) {
    return failedChart(header, snapshot?.revision ?? "", err, file);
  }
}

function originOf(a: ChartArchive): ChartOrigin {
  return { kind: "archive", digest: a.digest, location: a.location, bytes: a.bytes };
}

function archiveOf(source: Record<string, unknown>, ctx: ChartRenderContext, where: Where, requester: Requester): ChartArchive | Promise<ChartArchive> {
  const request: ChartSourceRequest = {
    repoURL: typeof source["repoURL"] === "string" ? source["repoURL"] : "",
    chart: typeof source["chart"] === "string" ? source["chart"] : "",
    targetRevision: typeof source["targetRevision"] === "string" ? source["targetRevision"] : "",
  };
  const key = `${request.repoURL}\0${request.chart}\0${request.targetRevision}\0${requester.appSet}\0${requester.project ?? ""}`;
  const settled = ctx.settledArchives.get(key);
  if (settled instanceof GitOpsError) throw settled;
  if (settled !== undefined) return settled;
  if (ctx.charts === undefined) {
    throw new GitOpsError(GITOPS_ERROR.chart, `chart ${JSON.stringify(request.chart)} from ${JSON.stringify(request.repoURL)}: this render cannot reach chart repositories`, where);
  }
  let hit = ctx.archives.get(key);
  if (hit === undefined) {
    hit = ctx.charts(request, where, requester);
    hit.then(
      (a) => ctx.settledArchives.set(key, a),
      (err: unknown) => {
        if (err instanceof GitOpsError) ctx.settledArchives.set(key, err);
      },
    );
    ctx.archives.set(key, hit);
  }
  return hit;
}

/** The `ref` sources that value files or file parameters name (`$<ref>/…`). */
function refsNeeded(app: Application, valueFiles: readonly string[], paths: readonly string[]): Map<string, { repoURL: string; targetRevision: string }> {
  const all = refSources(app);
  const out = new Map<string, { repoURL: string; targetRevision: string }>();
  for (const p of [...valueFiles, ...paths]) {
    const m = /^\$([^/]+)\//u.exec(p);
    const ref = m === null ? undefined : all.get(m[1]);
    if (ref !== undefined) out.set(m![1], ref);
  }
  return out;
}

function buildEnv(header: AppHeader, revision: string, kubeVersion: string | undefined, apiVersions: readonly string[]): ArgoBuildEnv {
  return {
    ARGOCD_APP_NAME: header.name,
    ARGOCD_APP_NAMESPACE: header.namespace,
    ARGOCD_APP_PROJECT_NAME: header.project,
    ARGOCD_APP_REVISION: revision,
    ARGOCD_APP_REVISION_SHORT: revision.slice(0, 7),
    ARGOCD_APP_SOURCE_REPO_URL: header.source.repoURL,
    ARGOCD_APP_SOURCE_PATH: header.source.path,
    ARGOCD_APP_SOURCE_TARGET_REVISION: header.source.targetRevision,
    KUBE_VERSION: kubeVersion ?? "",
    KUBE_API_VERSIONS: apiVersions.join(","),
  };
}

function failedChart(header: AppHeader, revision: string, err: unknown, file: string): AppRender {
  // The ApplicationSet's budget fails the whole ApplicationSet (renderApplicationSet catches it).
  if (!isFlotillaError(err) || err.code === GITOPS_ERROR.budget || isBudgetExceeded(err)) throw err;
  const error = { code: err.code, message: err.message, file: err.file ?? file, ...(err.field === undefined ? {} : { field: err.field }) };
  return finishApp(header, revision, [], { error });
}

