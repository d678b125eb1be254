import { FlotillaError, isFlotillaError } from "../../core/index.js";
import type { KubeObject } from "../../kube/kube-object.js";
import type { ExecBudget } from "../../template/index.js";
import type { Chart } from "../../helm/chart.js";
import { readChartArchive } from "../../helm/chart-archive.js";
import { loadChart } from "../../helm/chart-load.js";
import { renderChart } from "../../helm/render-chart.js";
import { parseSet, StrvalsError } from "../../helm/strvals.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { isPlainObject } from "../generators/param-utils.js";
import { parseManifestFile } from "../render/manifest-objects.js";
import type { ChartRenderOptions } from "./chart-app.js";

// The seam between gitops/ and the chart engine in helm/: load a chart (directory files or a
// packaged archive) and render it as `helm template` would with the options Argo CD passes, then
// read the output into objects. Engine errors keep their HELM_* codes and are placed at the chart
// file and line they name.

/** A loaded chart and its files (value files of a chart from a repository are read from these). */
export interface LoadedChart {
  readonly chart: Chart;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

type Where = { readonly file?: string | undefined; readonly field: string };

export interface HelmEngine {
  loadArchive(bytes: Uint8Array, location: string, where: Where): Promise<LoadedChart>;
  loadFiles(files: ReadonlyMap<string, Uint8Array>, source: string, where: Where): Promise<LoadedChart>;
  render(chart: LoadedChart, options: ChartRenderOptions, context: { readonly location: string; readonly budget?: ExecBudget | undefined }): KubeObject[];
}

/** Places an engine error at `location/file` (the chart file), keeping its code; line as the field. */
function placed(err: unknown, location: string): unknown {
  if (!isFlotillaError(err) || err.code === GITOPS_ERROR.budget) return err;
  const line = (err as { line?: number }).line;
  const file = err.file === undefined ? location : `${location}/${err.file}`;
  return new FlotillaError(err.code, err.message, { file, field: line === undefined ? err.field : `line ${line}`, cause: err });
}

/** Helm's mergeMaps (pkg/cli/values): later value files win, maps merge key by key. */
function mergeMaps(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const current = out[k];
    out[k] = isPlainObject(v) && isPlainObject(current) ? mergeMaps(current, v) : v;
  }
  return out;
}

/** Helm's values.Options.MergeValues: value files in order, then --set, --set-string, --set-file. */
export function userValues(options: ChartRenderOptions, location: string): Record<string, unknown> {
  let values: Record<string, unknown> = {};
  for (const f of options.valueFiles) values = mergeMaps(values, f.values);
  if (options.inline !== undefined) values = mergeMaps(values, options.inline);
  try {
    for (const s of options.set) parseSet(s, values, { mode: "typed" });
    for (const s of options.setString) parseSet(s, values, { mode: "string" });
    options.setFile.forEach((f, i) => parseSet(`${f.name}=${String(i)}`, values, { mode: "file", readFile: (v) => options.setFile[Number(v)]?.content ?? "" }));
  } catch (err) {
    if (err instanceof StrvalsError) throw new GitOpsError(GITOPS_ERROR.invalid, `helm parameters of ${location}: ${err.message}`, { field: "spec.template.spec.source.helm.parameters" });
    throw err;
  }
  return values;
}

export const HELM_ENGINE: HelmEngine = {
  async loadArchive(bytes, location) {
    try {
      const files = await readChartArchive(bytes, { source: location });
      return { chart: await loadChart(files, { source: location, directory: false }), files };
    } catch (err) {
      throw placed(err, location);
    }
  },
  async loadFiles(files, source) {
    try {
      return { chart: await loadChart(files, { source }), files };
    } catch (err) {
      throw placed(err, source);
    }
  },
  render(loaded, options, context) {
    const { location, budget } = context;
    budget?.resetScope();
    let rendered;
    try {
      rendered = renderChart(loaded.chart, {
        releaseName: options.releaseName,
        namespace: options.namespace,
        values: userValues(options, location),
        kubeVersion: options.kubeVersion,
        apiVersions: options.apiVersions,
        skipSchemaValidation: options.skipSchemaValidation,
        budget,
      });
    } catch (err) {
      throw placed(err, location);
    }
    const objects: KubeObject[] = [];
    const read = (text: string, file: string): void => {
      for (const obj of parseManifestFile(text, `${location}/${file.replace(/^[^/]+\//u, "")}`)) objects.push(obj);
    };
    if (options.includeCrds) for (const crd of rendered.crds) read(crd.content, crd.filename);
    for (const m of rendered.manifests) read(m.content, m.name);
    for (const h of rendered.hooks) {
      // `helm template --skip-tests` leaves out test hooks; other hooks are printed (Argo maps them to sync hooks).
      if (options.skipTests && h.events.includes("test")) continue;
      read(h.manifest, h.path);
    }
    return objects;
  },
};

/** The engine gitops renders charts with. */
export function helmEngine(): HelmEngine {
  return HELM_ENGINE;
}
