import { createHash } from "node:crypto";
import { isFlotillaError } from "../../core/index.js";
import { loadChart, readChartArchive } from "../../helm/index.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { confinePath, joinRepoPath } from "../repo-path.js";
import type { SourceGate } from "../source-policy.js";
import type { ArgoBuildEnv, ArgoHelmSource } from "./argo-helm-source.js";
import type { ChartArchive } from "./chart-fetcher.js";
import { buildChartDependencies, missingDependencies } from "./chart-dependency-build.js";
import type { ChartApps, ChartOrigin } from "./chart-app.js";
import { valueFileUrls } from "./value-files.js";

// What Argo CD's repo server does around `helm template` before it can run: `helm dependency
// build` when Chart.yaml names dependencies charts/ lacks (runHelmBuild), and helm's download of
// value files named by URL. Every remote read asks the source policy first, for this app's
// ApplicationSet and project (the hub's thread asks again before any request), and goes through
// the chart fetcher's credential scoping. Results are kept per render and per requester, so an app
// of another project never reuses what only this one may read.

type Where = { readonly file?: string | undefined; readonly field: string };
type Requester = { readonly appSet: string; readonly project: string | undefined };

/** A chart or value file request to the hub's chart fetcher. */
export type RemoteRequest = { readonly repoURL: string; readonly chart: string; readonly targetRevision: string; readonly kind?: "chart" | "valueFile" | undefined };
export type RemoteResolver = (source: RemoteRequest, where: Where, requester: Requester) => Promise<ChartArchive>;

export interface PrepareContext {
  readonly gate: SourceGate;
  readonly charts?: RemoteResolver | undefined;
  /** The render's chart state: preparations are kept beside it. */
  readonly chartApps: ChartApps;
}

export interface PreparedChart {
  readonly origin: ChartOrigin;
  readonly remoteValues: ReadonlyMap<string, string>;
}

interface State {
  readonly pending: Map<string, Promise<unknown>>;
  readonly settled: Map<string, unknown>;
}

const states = new WeakMap<ChartApps, State>();
const decoder = new TextDecoder("utf-8");

function stateOf(ctx: PrepareContext): State {
  let s = states.get(ctx.chartApps);
  if (s === undefined) {
    s = { pending: new Map(), settled: new Map() };
    states.set(ctx.chartApps, s);
  }
  return s;
}

/** A memo whose settled answers are returned synchronously (the per-cluster hot path makes no promise). */
function memo<T>(state: State, key: string, load: () => Promise<T>): T | Promise<T> {
  if (state.settled.has(key)) {
    const hit = state.settled.get(key);
    if (isFlotillaError(hit)) throw hit;
    return hit as T;
  }
  let p = state.pending.get(key) as Promise<T> | undefined;
  if (p === undefined) {
    p = load();
    p.then(
      (v) => state.settled.set(key, v),
      (err: unknown) => {
        if (isFlotillaError(err)) state.settled.set(key, err);
      },
    );
    state.pending.set(key, p);
  }
  return p;
}

function requesterKey(r: Requester): string {
  return `${r.appSet}\0${r.project ?? "\u0001"}`;
}

function originId(origin: ChartOrigin): string {
  return origin.kind === "git" ? `git\0${origin.snapshot.source}\0${origin.snapshot.revision}\0${origin.path}` : `archive\0${origin.digest}`;
}

/**
 * The chart with its dependencies built when it needs them, and its URL value files fetched.
 * Synchronous when both are already known for this requester.
 */
export function prepareChartApp(
  origin: ChartOrigin,
  helm: ArgoHelmSource,
  opts: { readonly refs: ReadonlySet<string>; readonly env: ArgoBuildEnv; readonly requester: Requester; readonly where: Where },
  ctx: PrepareContext,
): PreparedChart | Promise<PreparedChart> {
  const state = stateOf(ctx);
  const who = requesterKey(opts.requester);
  const built = memo(state, `deps\0${originId(origin)}\0${who}`, () => withBuiltDependencies(origin, opts, ctx));
  const fieldOf = (f: string) => (i: number): Where => ({ file: opts.where.file, field: `${opts.where.field}.helm.${f}[${i}]` });
  const urls = [...valueFileUrls(helm.valueFiles, opts.refs, opts.env, fieldOf("valueFiles")), ...valueFileUrls(helm.fileParameters.map((p) => p.path), opts.refs, opts.env, (i) => fieldOf("fileParameters")(i))];
  const texts = urls.map((u) => memo(state, `value\0${u.url}\0${who}`, () => fetchValueFile(u.url, u.where, opts.requester, ctx)));
  const done = (o: ChartOrigin, t: readonly string[]): PreparedChart => ({ origin: o, remoteValues: new Map(urls.map((u, i) => [u.url, t[i] ?? ""])) });
  if (!(built instanceof Promise) && !texts.some((t) => t instanceof Promise)) return done(built, texts as string[]);
  return Promise.all([built, Promise.all(texts.map(async (t) => t))]).then(([o, t]) => done(o, t));
}

async function fetchValueFile(url: string, where: Where, requester: Requester, ctx: PrepareContext): Promise<string> {
  ctx.gate({ repoURL: url, ...requester }, where);
  if (ctx.charts === undefined) throw new GitOpsError(GITOPS_ERROR.chartFetch, `value file ${url}: this render cannot reach remote value files`, where);
  const got = await ctx.charts({ repoURL: url, chart: "", targetRevision: "", kind: "valueFile" }, where, requester);
  return decoder.decode(got.bytes);
}

/** The chart's files (chart-relative) as loading sees them. */
async function originFiles(origin: ChartOrigin, where: Where): Promise<Map<string, Uint8Array>> {
  if (origin.kind === "archive") return readChartArchive(origin.bytes, { source: origin.location });
  const root = confinePath(origin.path, where);
  const prefix = root === "" ? "" : `${root}/`;
  const files = new Map<string, Uint8Array>();
  for (const name of origin.snapshot.files()) if (name.startsWith(prefix)) files.set(name.slice(prefix.length), origin.snapshot.read(name, { field: `${where.field}.path` }));
  return files;
}

async function withBuiltDependencies(origin: ChartOrigin, opts: { readonly requester: Requester; readonly where: Where }, ctx: PrepareContext): Promise<ChartOrigin> {
  const { where, requester } = opts;
  const files = await originFiles(origin, where);
  const chartYaml = files.get("Chart.yaml");
  // Most charts name no dependencies: no second load.
  if (chartYaml === undefined || !/^(dependencies|requirements)/mu.test(decoder.decode(chartYaml)) && !files.has("requirements.yaml")) return origin;
  const chartName = origin.kind === "git" ? confinePath(origin.path) || "." : origin.location;
  let chart;
  try {
    chart = await loadChart(files, { source: chartName, directory: origin.kind === "git" });
  } catch {
    return origin; // the render reports the chart's own error
  }
  if (missingDependencies(chart).length === 0) return origin;
  const depWhere = { file: origin.kind === "git" ? `${chartName}/Chart.yaml` : `${origin.location}/Chart.yaml`, field: "dependencies" };
  const result = await buildChartDependencies(
    files,
    { mode: "build", chart: chartName, where: depWhere },
    {
      remote: async (req, w) => {
        ctx.gate({ repoURL: req.repoURL, ...requester }, w);
        if (ctx.charts === undefined) throw new GitOpsError(GITOPS_ERROR.chartFetch, `dependency ${req.chart} from ${req.repoURL}: this render cannot reach chart repositories`, w);
        const a = await ctx.charts({ repoURL: req.repoURL, chart: req.chart, targetRevision: req.version, kind: "chart" }, w, requester);
        return { version: a.version, bytes: a.bytes };
      },
      local: (path, w) => Promise.resolve(localChart(origin, path, w)),
    },
  );
  const key = createHash("sha256");
  for (const [path, data] of [...result.added].sort(([a], [b]) => (a < b ? -1 : 1))) key.update(`${path}\0`).update(createHash("sha256").update(data).digest());
  const overlay = { key: key.digest("hex"), add: result.added, remove: result.removed };
  return { ...origin, overlay };
}

/**
 * A `file://` dependency: a directory of the same repository snapshot (relative to the chart; an
 * absolute path or one past the repository root is GITOPS_PATH_ESCAPE), or of the same archive.
 */
function localChart(origin: ChartOrigin, path: string, where: Where): Map<string, Uint8Array> | undefined {
  if (path.startsWith("/")) throw new GitOpsError(GITOPS_ERROR.pathEscape, `file://${path} is absolute: a dependency is read from the same repository`, where);
  if (origin.kind === "archive") throw new GitOpsError(GITOPS_ERROR.chartDependency, `file://${path}: a chart from a chart repository cannot name a local dependency it does not carry`, where);
  const root = confinePath(origin.path, where);
  const dir = joinRepoPath(root, path, where);
  const prefix = dir === "" ? "" : `${dir}/`;
  if (!origin.snapshot.isFile(`${prefix}Chart.yaml`)) return undefined;
  const files = new Map<string, Uint8Array>();
  for (const name of origin.snapshot.files()) if (name.startsWith(prefix)) files.set(name.slice(prefix.length), origin.snapshot.read(name, { field: where.field }));
  return files;
}
