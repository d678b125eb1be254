import { FlotillaError, isFlotillaError } from "../../core/index.js";
import { HELM_ERROR, loadChart, mergeValueLayers, readChartArchive, renderChart, type Chart, type Values } from "../../helm/index.js";
import type { KubeObject } from "../../kube/kube-object.js";
import type { ExecBudget } from "../../template/index.js";
import { GITOPS_ERROR } from "../gitops-errors.js";
import { deepFreeze, documentObjects } from "../render/manifest-objects.js";
import { parseYamlDocuments } from "../yaml-documents.js";

// The seam between gitops/ and the chart engine (helm/): load a chart (directory files or a
// packaged archive), merge the value layers Argo CD passes, render as `helm template` would, and
// read the output into objects. Engine errors keep their HELM_* codes and are placed at the chart
// file (or value file) and line they name.

/** The values and options one chart render takes, after Argo's rules are applied. */
export interface ChartRenderOptions {
  readonly releaseName: string;
  readonly namespace: string;
  /** Value files in order, `values`/`valuesObject` last (named `<helm.values>`): text, as Helm reads them. */
  readonly valueFiles: readonly { readonly name: string; readonly text: string }[];
  readonly set: readonly string[];
  readonly setString: readonly string[];
  readonly setFile: readonly { readonly name: string; readonly content: string }[];
  readonly kubeVersion: string | undefined;
  readonly apiVersions: readonly string[];
  readonly includeCrds: boolean;
  readonly skipTests: boolean;
  readonly skipSchemaValidation: boolean;
}

/** A loaded chart and its files (value files of a chart from a repository are read from these). */
export interface LoadedChart {
  readonly chart: Chart;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

type Where = { readonly file?: string | undefined; readonly field: string };

export interface RenderContext {
  /** The chart's directory in the repository, or its repository location: error files are placed under it. */
  readonly location: string;
  readonly budget?: ExecBudget | undefined;
}

export interface HelmEngine {
  loadArchive(bytes: Uint8Array, location: string, where: Where): Promise<LoadedChart>;
  loadFiles(files: ReadonlyMap<string, Uint8Array>, source: string, where: Where): Promise<LoadedChart>;
  render(chart: LoadedChart, options: ChartRenderOptions, context: RenderContext): KubeObject[];
}

/**
 * An engine error at `location/<file>`: template paths (`web/templates/x.yaml`, `web/charts/db/…`)
 * lose the chart's own directory, chart-relative files (`Chart.yaml`) are kept; the line goes in
 * the field. Budget errors pass through (they fail the whole ApplicationSet).
 */
function placed(err: unknown, location: string, chartName?: string): unknown {
  if (!isFlotillaError(err) || err.code === GITOPS_ERROR.budget) return err;
  const line = (err as { line?: number }).line;
  const inChart = err.file === undefined ? undefined : chartName !== undefined && err.file.startsWith(`${chartName}/`) ? err.file.slice(chartName.length + 1) : err.file;
  const file = inChart === undefined ? location : `${location}/${inChart}`;
  return new FlotillaError(err.code, err.message, { file, field: line === undefined ? err.field : `line ${String(line)}`, cause: err });
}

/** Value layers as Argo CD passes them; errors name the value file (its repository path) or the parameters. */
function userValues(options: ChartRenderOptions): Values {
  try {
    return mergeValueLayers(
      { valueFiles: options.valueFiles, set: options.set, setString: options.setString, setFile: options.setFile.map((f, i) => `${f.name}=${String(i)}`) },
      { readFile: (index) => options.setFile[Number(index)]?.content ?? "" },
    );
  } catch (err) {
    if (!isFlotillaError(err)) throw err;
    const line = (err as { line?: number }).line;
    const field = err.file !== undefined ? (line === undefined ? undefined : `line ${String(line)}`) : "spec.template.spec.source.helm.parameters";
    return rethrow(new FlotillaError(err.code, err.message, { file: err.file, field, cause: err }));
  }
}

function rethrow(err: Error): never {
  throw err;
}

/**
 * A rendered document, read once: its value (what the engine's InstallOrder sort reads the kind
 * and hook annotations from) and its objects, or the error taking them would give. Frozen: shared
 * by every render that produces the same text.
 */
interface ReadDocument {
  readonly value: unknown;
  readonly objects: readonly KubeObject[] | FlotillaError;
}

/**
 * Rendered documents parsed once per text: clusters whose values do not touch a template (and
 * releases with a fixed name) render the same document, which is then parsed and frozen once.
 */
const parsedDocuments = new Map<string, ReadDocument>();
const PARSED_DOCUMENTS_MAX = 8192;

/** Parses a document as manifests are read (kubectl's YAML); throws GitOpsError when it does not parse. */
function readDocument(text: string, file: string): ReadDocument {
  const key = `${file}\0${text}`;
  let hit = parsedDocuments.get(key);
  if (hit === undefined) {
    // parseYamlDocuments reads a plain section on its fast path (fast-yaml.ts).
    const docs = parseYamlDocuments(text, file);
    let objects: readonly KubeObject[] | FlotillaError;
    try {
      objects = documentObjects(docs, file);
    } catch (err) {
      if (!isFlotillaError(err)) throw err;
      objects = err;
    }
    // One `---` section is one document; more than one (a `...` end marker) is left to the engine's reader.
    const value = docs.length === 0 ? null : docs.length === 1 ? docs[0]?.value : undefined;
    // Errors are not frozen (they are wrapped and thrown; their stack is theirs).
    hit = Object.freeze({ value: deepFreeze(value), objects: isFlotillaError(objects) ? objects : deepFreeze(objects) });
    if (parsedDocuments.size >= PARSED_DOCUMENTS_MAX) parsedDocuments.delete(parsedDocuments.keys().next().value as string);
    parsedDocuments.set(key, hit);
  }
  return hit;
}

/** The objects of a document: read once (usually already, by the sort), its error thrown as parsing it would. */
function parsedDocument(text: string, file: string): readonly KubeObject[] {
  const { objects } = readDocument(text, file);
  if (isFlotillaError(objects)) throw objects;
  return objects;
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
    const name = loaded.chart.metadata.name;
    const values = userValues(options);
    // A chart render is one app's work: its own budget scope (steps, output, time) within the ApplicationSet's.
    budget?.resetScope();
    // The file a rendered path is reported at: under the chart's location, without the chart's own name.
    const fileOf = (path: string): string => `${location}/${path.startsWith(`${name}/`) ? path.slice(name.length + 1) : path}`;
    let rendered;
    try {
      rendered = renderChart(loaded.chart, {
        // The sort reads each document as gitops does, so `read` below finds it parsed.
        readDocument: (text, path) => {
          const { value } = readDocument(text, fileOf(path));
          if (value === undefined) throw new Error("not one document");
          return value;
        },
        releaseName: options.releaseName,
        namespace: options.namespace,
        values,
        kubeVersion: options.kubeVersion,
        apiVersions: options.apiVersions,
        skipSchemaValidation: options.skipSchemaValidation,
        budget,
      });
    } catch (err) {
      throw placed(err, location, name);
    }
    const objects: KubeObject[] = [];
    const read = (text: string, path: string): void => {
      const file = fileOf(path);
      try {
        for (const obj of parsedDocument(text, file)) objects.push(obj);
      } catch (err) {
        if (!isFlotillaError(err)) throw err;
        throw new FlotillaError(HELM_ERROR.template, `${path} renders an object Kubernetes cannot take: ${err.message}`, { file, field: err.field });
      }
    };
    // `helm template --include-crds` (Argo's default) prints CRDs first, then manifests, then hooks.
    if (options.includeCrds) for (const crd of rendered.crds) read(crd.content, crd.filename);
    for (const m of rendered.manifests) read(m.content, m.name);
    for (const h of rendered.hooks) {
      // `--skip-tests` leaves out test hooks; other hooks are printed (the spoke maps them to Argo hooks).
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
