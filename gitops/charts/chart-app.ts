import { isFlotillaError, type FlotillaError } from "../../core/index.js";
import type { KubeObject } from "../../kube/kube-object.js";
import type { ExecBudget } from "../../template/index.js";
import { canonicalJson, sha256Digest } from "../canonical-json.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { deepFreeze } from "../render/manifest-objects.js";
import { confinePath } from "../repo-path.js";
import type { RepoSnapshot } from "../repo-snapshot.js";
import { envsubst, type ArgoBuildEnv, type ArgoHelmSource } from "./argo-helm-source.js";
import { helmEngine, type ChartRenderOptions, type LoadedChart } from "./helm-engine-port.js";
import { readOneValueFile, resolveValueFiles, type ValueFileContext } from "./value-files.js";

export type { ChartRenderOptions };

/**
 * Where a chart's files come from, and how its value files are found: a directory of a repository
 * snapshot (value files relative to it; `/x` from the repository root, as Argo CD resolves them),
 * or an archive from a Helm repository or registry (value files inside the chart).
 */
export type ChartOrigin =
  | { readonly kind: "git"; readonly snapshot: RepoSnapshot; readonly path: string; readonly overlay?: ChartOverlay | undefined }
  | { readonly kind: "archive"; readonly digest: string; readonly location: string; readonly bytes: Uint8Array; readonly overlay?: ChartOverlay | undefined };

/** Files `helm dependency build` adds to (and removes from) a chart's charts/, applied when it is loaded. */
export interface ChartOverlay {
  /** Identifies the overlay's content (digests of what it adds). */
  readonly key: string;
  readonly add: ReadonlyMap<string, Uint8Array>;
  readonly remove: readonly string[];
}

export interface ChartAppRequest {
  readonly origin: ChartOrigin;
  readonly helm: ArgoHelmSource;
  /** The Application's name (the default release name) and destination namespace. */
  readonly appName: string;
  readonly namespace: string;
  /** Snapshots of the app's `ref` sources, for `$<ref>/…` value files. */
  readonly refs: ReadonlyMap<string, RepoSnapshot>;
  /** Value files named by URL, fetched before rendering: URL → text. */
  readonly remoteValues?: ReadonlyMap<string, string> | undefined;
  readonly env: ArgoBuildEnv;
  /** Where the app is defined, for messages. */
  readonly file?: string | undefined;
  /** The app's `spec.source` field path (`spec.template.spec.source`). */
  readonly field: string;
}

type Where = { readonly file?: string | undefined; readonly field: string };

/**
 * Loads charts (once per digest or snapshot path) and renders them per app, caching the objects
 * by chart and options: clusters that give a chart the same values share one render.
 */
export class ChartApps {
  readonly #charts = new Map<string, Promise<LoadedChart>>();
  readonly #settled = new Map<string, LoadedChart | FlotillaError>();
  readonly #renders = new Map<string, readonly KubeObject[] | FlotillaError>();

  /**
   * Renders synchronously when the chart is already loaded (the per-cluster hot path); else a
   * promise. Template steps and output are charged to `budget` (the ApplicationSet's).
   */
  render(req: ChartAppRequest, budget?: ExecBudget): readonly KubeObject[] | Promise<readonly KubeObject[]> {
    const key = originKey(req.origin);
    const loaded = this.#settled.get(key);
    if (isFlotillaError(loaded)) throw loaded;
    if (loaded !== undefined) return this.#renderLoaded(loaded, req, budget);
    return this.#load(key, req).then((chart) => this.#renderLoaded(chart, req, budget));
  }

  #load(key: string, req: ChartAppRequest): Promise<LoadedChart> {
    let hit = this.#charts.get(key);
    if (hit === undefined) {
      hit = loadOrigin(req.origin, { file: req.file, field: req.field });
      hit.then(
        (c) => this.#settled.set(key, c),
        (err: unknown) => {
          if (isFlotillaError(err)) this.#settled.set(key, err);
        },
      );
      this.#charts.set(key, hit);
    }
    return hit;
  }

  #renderLoaded(chart: LoadedChart, req: ChartAppRequest, budget: ExecBudget | undefined): readonly KubeObject[] {
    const options = chartRenderOptions(req, chart);
    const renderKey = `${originKey(req.origin)}\0${sha256Digest(canonicalJson(options))}`;
    const hit = this.#renders.get(renderKey);
    if (isFlotillaError(hit)) throw hit;
    if (hit !== undefined) return hit;
    try {
      const objects = deepFreeze(helmEngine().render(chart, options, { location: chartName(req.origin), budget }));
      this.#remember(renderKey, objects);
      return objects;
    } catch (err) {
      // A budget error is the ApplicationSet's, not this render's: never cached.
      if (isFlotillaError(err) && err.code !== GITOPS_ERROR.budget) this.#remember(renderKey, err);
      throw err;
    }
  }

  #remember(key: string, value: readonly KubeObject[] | FlotillaError): void {
    if (this.#renders.size >= 4096) this.#renders.delete(this.#renders.keys().next().value as string);
    this.#renders.set(key, value);
  }
}

/** Where a chart's files are, for messages: the chart directory, or the chart's repository location. */
function chartName(origin: ChartOrigin): string {
  return origin.kind === "git" ? confinePath(origin.path) || "." : origin.location;
}

function originKey(origin: ChartOrigin): string {
  const base = origin.kind === "git" ? `git\0${origin.snapshot.source}\0${origin.snapshot.revision}\0${origin.path}` : `archive\0${origin.digest}`;
  return origin.overlay === undefined ? base : `${base}\0${origin.overlay.key}`;
}

function overlaid(files: ReadonlyMap<string, Uint8Array>, overlay: ChartOverlay): Map<string, Uint8Array> {
  const out = new Map(files);
  for (const path of overlay.remove) out.delete(path);
  for (const [path, data] of overlay.add) out.set(path, data);
  return out;
}

async function loadOrigin(origin: ChartOrigin, where: Where): Promise<LoadedChart> {
  const engine = helmEngine();
  if (origin.kind === "archive") {
    if (origin.overlay === undefined) return engine.loadArchive(origin.bytes, origin.location, where);
    const loaded = await engine.loadArchive(origin.bytes, origin.location, where);
    return engine.loadFiles(overlaid(loaded.files, origin.overlay), origin.location, where);
  }
  const { snapshot, path } = origin;
  const root = confinePath(path, where);
  if (!snapshot.isFile(root === "" ? "Chart.yaml" : `${root}/Chart.yaml`)) {
    throw new GitOpsError(GITOPS_ERROR.chart, `no Chart.yaml in ${JSON.stringify(root === "" ? "." : root)} at revision ${snapshot.revision.slice(0, 12)}`, { ...where, field: `${where.field}.path` });
  }
  const prefix = root === "" ? "" : `${root}/`;
  const files = new Map<string, Uint8Array>();
  for (const name of snapshot.files()) {
    if (name.startsWith(prefix)) files.set(name.slice(prefix.length), snapshot.read(name, { field: `${where.field}.path` }));
  }
  // Errors name files by their path in the repository, as manifest errors do.
  return engine.loadFiles(origin.overlay === undefined ? files : overlaid(files, origin.overlay), root === "" ? "." : root, where);
}

/** The name Argo CD gives the values file it writes from `helm.values` / `helm.valuesObject`. */
export const INLINE_VALUES = "<temp file with values from source.helm.values/valuesObject>";

/** Argo CD's helmTemplate, as data: release name, namespace, value files in order, then values, then parameters. */
export function chartRenderOptions(req: ChartAppRequest, chart: LoadedChart): ChartRenderOptions {
  const { helm, env } = req;
  const field = (f: string): Where => ({ file: req.file, field: `${req.field}.helm.${f}` });
  const ctx: ValueFileContext = {
    origin: req.origin.kind === "git" ? req.origin : { kind: "archive" },
    chartFiles: chart.files,
    refs: req.refs,
    env,
    remote: req.remoteValues ?? new Map(),
    ignoreMissing: helm.ignoreMissingValueFiles,
  };
  const valueFiles = resolveValueFiles(helm.valueFiles, ctx, (i) => field(`valueFiles[${i}]`));
  if (helm.values !== undefined) valueFiles.push({ name: INLINE_VALUES, text: helm.values });
  // Argo fills Go maps by parameter name (the last value wins) and passes every --set, then every
  // --set-string, then every --set-file; helm applies them in that order.
  const set = new Map<string, string>();
  const setString = new Map<string, string>();
  for (const p of helm.parameters) (p.forceString ? setString : set).set(p.name, envsubst(p.value, env));
  const setFile = helm.fileParameters.map((p, i) => ({ name: p.name, content: readOneValueFile(p.path, ctx, field(`fileParameters[${i}].path`)) }));
  return {
    releaseName: helm.releaseName ?? req.appName,
    namespace: helm.namespace ?? req.namespace,
    valueFiles,
    set: [...set].map(([k, v]) => `${k}=${cleanSetParameter(v)}`),
    setString: [...setString].map(([k, v]) => `${k}=${cleanSetParameter(v)}`),
    setFile,
    kubeVersion: helm.kubeVersion,
    apiVersions: helm.apiVersions,
    includeCrds: !helm.skipCrds,
    skipTests: helm.skipTests,
    skipSchemaValidation: helm.skipSchemaValidation,
  };
}

/** Argo's cleanSetParameters: commas are escaped (a value is one value) unless it is a `{a,b}` list. */
function cleanSetParameter(value: string): string {
  if (value.startsWith("{") && value.endsWith("}")) return value;
  let out = "";
  let prev = "";
  for (const ch of value) {
    out += ch === "," && prev !== "\\" ? "\\," : ch;
    prev = ch;
  }
  return out;
}
