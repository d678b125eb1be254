import { posix } from "node:path";
import type { Clock } from "../core/index.js";
import { bindTemplates, isTemplateError, parseTemplates, type ExecBudget, type ParsedTemplates, type RandomSource, type TemplateSet } from "../template/index.js";
import { isLibraryChart, type Chart, type Values } from "./chart.js";
import { capabilitiesObject, DEFAULT_KUBE_VERSION, parseKubeVersion, type KubeVersion } from "./capabilities.js";
import { chartFullPath, crdObjects, isCompatibleRange, processDependencies, type ResolvedChart } from "./chart-dependencies.js";
import { filesMap, filesObject } from "./chart-files.js";
import { HELM_ERR_END, HELM_ERR_START, HELM_FUNCS, templateSetFuncs } from "./helm-functions.js";
import { HELM_ERROR, HelmError, type HelmErrorCode } from "./helm-errors.js";
import { ManifestParseError, sortManifests, type DocumentReader, type Hook, type Manifest } from "./manifest-sort.js";
import { SchemaLoadError, validateAgainstSchema } from "./schema-validate.js";
import { coalesceValues, isTable, valuesTable } from "./values-coalesce.js";
import { withGoMethods } from "../template/index.js";

/** What `helm template` takes besides the chart: release, values (already merged) and capabilities. */
export interface RenderChartOptions {
  /** `.Release.Name`; default "release-name" (helm template's). */
  readonly releaseName?: string;
  /** `.Release.Namespace`; default "default". */
  readonly namespace?: string;
  /** User values, merged from every layer (see `mergeValueLayers`). */
  readonly values?: Values;
  /** `--kube-version`, e.g. "1.29" or "v1.29.3"; default Helm 3.17.2's v1.32.0. */
  readonly kubeVersion?: string;
  /** `--api-versions`: added to the default API versions. */
  readonly apiVersions?: readonly string[];
  /** `--is-upgrade`: `.Release.IsUpgrade` true, `.Release.IsInstall` false. */
  readonly isUpgrade?: boolean;
  /** `--skip-schema-validation`. */
  readonly skipSchemaValidation?: boolean;
  /** Charges every template step and output byte; without one, rendering is unlimited (trusted charts only). */
  readonly budget?: ExecBudget;
  /** Time for `now`, `date`, certificate validity; the system clock by default. */
  readonly clock?: Clock;
  /** Randomness for `randAlphaNum`, `uuidv4`, `genCA`...; crypto/rand by default (as Helm: every render differs). */
  readonly random?: RandomSource;
  /** Receives Helm's warnings (coalescing conflicts, unknown hooks, non-bool conditions). */
  readonly warn?: (message: string) => void;
  /**
   * Reads each rendered document for the InstallOrder sort as the caller will read it, so the
   * caller can keep what it parsed instead of parsing every document again; when it throws, the
   * engine reads the document itself (and reports Helm's error). By default, the engine's reader.
   */
  readonly readDocument?: DocumentReader;
}

export interface CrdFile {
  /** `chart/crds/x.yaml` (subcharts: `chart/charts/sub/crds/x.yaml`). */
  readonly filename: string;
  /** The file as it is (CRDs are not templates). */
  readonly content: string;
}

/** A rendered chart in Helm's order: manifests by kind (InstallOrder), hooks by kind, CRDs in chart order. */
export interface RenderedChart {
  readonly chartName: string;
  readonly manifests: readonly Manifest[];
  readonly hooks: readonly Hook[];
  readonly crds: readonly CrdFile[];
  /** The root chart's NOTES.txt, rendered ("" when none). `helm template` does not print it. */
  readonly notes: string;
  /** Every rendered template file by its path (before splitting), partials and NOTES.txt excluded. */
  readonly files: ReadonlyMap<string, string>;
}

const decoder = new TextDecoder();

/**
 * Renders a chart as `helm template` does (action.Install in client-only dry-run mode):
 * dependencies (condition, tags, alias, import-values), values coalescing with globals,
 * values.schema.json, all templates parsed into one set, each executed with missingkey=zero and
 * `<no value>` removed, then split and ordered. Pure: no files, network or cluster.
 * Throws HelmError (HELM_CHART_INVALID, HELM_SCHEMA_INVALID, HELM_TEMPLATE_ERROR, HELM_REQUIRED_VALUE).
 */
export function renderChart(chart: Chart, options: RenderChartOptions = {}): RenderedChart {
  const warn = options.warn ?? (() => {});
  const name = chart.metadata.name;
  const fail = (code: HelmErrorCode, message: string, extra: { file?: string; line?: number; renderPhase?: boolean } = {}): HelmError => {
    const err = new HelmError(code, message, { chart: name, file: extra.file, line: extra.line });
    if (extra.renderPhase === true) markRenderPhase(err);
    return err;
  };
  const type = chart.metadata.type ?? "";
  if (type !== "" && type !== "application") throw fail(HELM_ERROR.chartInvalid, `${type} charts are not installable`, { file: "Chart.yaml" });
  const reqs = chart.metadata.dependencies;
  if (reqs !== undefined) {
    const missing = reqs.filter((r) => !chart.dependencies.some((d) => d.metadata.name === r.name)).map((r) => r.name);
    if (missing.length > 0) {
      throw fail(HELM_ERROR.chartInvalid, `An error occurred while checking for chart dependencies. You may need to run \`helm dependency build\` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: ${missing.join(", ")}`, { file: "Chart.yaml" });
    }
  }
  const userValues = options.values ?? {};
  let resolved: ResolvedChart;
  try {
    resolved = processDependencies(chart, userValues, warn);
  } catch (err) {
    throw fail(HELM_ERROR.chartInvalid, err instanceof Error ? err.message : String(err));
  }
  let kube: KubeVersion = DEFAULT_KUBE_VERSION;
  if (options.kubeVersion !== undefined && options.kubeVersion !== "") {
    const parsed = parseKubeVersion(options.kubeVersion);
    if (parsed === undefined) throw new HelmError(HELM_ERROR.options, `invalid kube version '${options.kubeVersion}': Invalid Semantic Version`, { field: "--kube-version" });
    kube = parsed;
  }
  const capabilities = capabilitiesObject(kube, options.apiVersions ?? []);
  const isUpgrade = options.isUpgrade === true;
  const release = {
    Name: options.releaseName ?? "release-name",
    Namespace: options.namespace ?? "default",
    IsUpgrade: isUpgrade,
    IsInstall: !isUpgrade,
    Revision: 1n,
    Service: "Helm",
  };
  let values: Values;
  try {
    values = coalesceValues(resolved, userValues, false, warn);
  } catch (err) {
    throw fail(HELM_ERROR.chartInvalid, err instanceof Error ? err.message : String(err));
  }
  if (options.skipSchemaValidation !== true) {
    const report = schemaReport(resolved, values);
    if (report !== "") {
      throw fail(HELM_ERROR.schema, `values don't meet the specifications of the schema(s) in the following chart(s):\n${report}`, { file: "values.schema.json" });
    }
  }
  const kubeRange = chart.metadata.kubeVersion;
  if (kubeRange !== undefined && kubeRange !== "" && !isCompatibleRange(kubeRange, kube.version)) {
    throw fail(HELM_ERROR.chartInvalid, `chart requires kubeVersion: ${kubeRange} which is incompatible with Kubernetes ${kube.version}`, { file: "Chart.yaml", renderPhase: true });
  }

  // engine.Render: every chart's templates, with values scoped to the chart.
  const renderables = new Map<string, { text: string; vals: Record<string, unknown>; basePath: string }>();
  const top = { Values: values, Release: release, Capabilities: capabilities };
  collectTemplates(resolved, "", top, renderables, true);
  const keys = [...renderables.keys()].sort(byPathLenDesc);
  let set: TemplateSet;
  try {
    const funcs = { missingKey: "zero", functionSet: "helm", funcs: HELM_FUNCS, setFuncs: templateSetFuncs(), clock: options.clock, random: options.random } as const;
    set = bindTemplates(parsedTemplates(chart, keys, renderables), funcs);
  } catch (err) {
    const e = parseFailure(err, name);
    markRenderPhase(e);
    throw e;
  }
  const rendered = new Map<string, string>();
  for (const filename of keys) {
    if (posix.basename(filename).startsWith("_")) continue;
    const r = renderables.get(filename);
    if (r === undefined) continue;
    r.vals["Template"] = { Name: filename, BasePath: r.basePath };
    let out: string;
    try {
      out = set.execute(filename, r.vals, options.budget);
    } catch (err) {
      throw execFailure(err, filename, name);
    }
    rendered.set(filename, out.replaceAll("<no value>", ""));
  }

  let notes = "";
  const notesName = `${name}/templates/NOTES.txt`;
  for (const [k, v] of [...rendered]) {
    if (k.endsWith("NOTES.txt")) {
      if (k === notesName) notes = v;
      rendered.delete(k);
    }
  }
  let sorted;
  try {
    sorted = sortManifests(rendered, options.readDocument);
  } catch (err) {
    if (err instanceof ManifestParseError) throw fail(HELM_ERROR.template, err.message, { file: err.path, line: err.line, renderPhase: true });
    throw err;
  }
  for (const h of sorted.unknownHooks) warn(`info: skipping unknown hook: ${JSON.stringify(h)}`);
  const crds = crdObjects(resolved).map((c) => ({ filename: c.filename, content: decoder.decode(c.file.data) }));
  return { chartName: name, manifests: sorted.manifests, hooks: sorted.hooks, crds, notes, files: rendered };
}

/**
 * Parsed template sets by chart, then by the template names in parse order (dependencies that
 * conditions disable leave theirs out). Parse trees are immutable: every render of a chart binds
 * the same trees to its own functions instead of parsing the templates again.
 */
const parsedSets = new WeakMap<Chart, Map<string, { readonly texts: readonly string[]; readonly parsed: ParsedTemplates }>>();
const PARSED_SETS_PER_CHART = 64;

function parsedTemplates(chart: Chart, keys: readonly string[], renderables: ReadonlyMap<string, { readonly text: string }>): ParsedTemplates {
  const texts = keys.map((k) => renderables.get(k)?.text ?? "");
  let byKeys = parsedSets.get(chart);
  if (byKeys === undefined) {
    byKeys = new Map();
    parsedSets.set(chart, byKeys);
  }
  const key = keys.join("\0");
  const hit = byKeys.get(key);
  // Texts are decoded once per file (templateText), so this is a pointer comparison in practice.
  if (hit !== undefined && hit.texts.every((t, i) => t === texts[i])) return hit.parsed;
  const parsed = parseTemplates(
    keys.map((k, i) => ({ name: k, text: texts[i] ?? "" })),
    { functionSet: "helm", funcs: HELM_FUNCS, setFuncs: templateSetFuncs() },
  );
  if (byKeys.size >= PARSED_SETS_PER_CHART) byKeys.delete(byKeys.keys().next().value as string);
  byKeys.set(key, { texts, parsed });
  return parsed;
}

/** Template texts decoded once per loaded file. */
const decodedTexts = new WeakMap<Uint8Array, string>();
function templateText(data: Uint8Array): string {
  let text = decodedTexts.get(data);
  if (text === undefined) {
    text = decoder.decode(data);
    decodedTexts.set(data, text);
  }
  return text;
}

/** Errors raised while rendering resources; `helm template` adds "Use --debug flag to render out invalid YAML" to these. */
const RENDER_PHASE = new WeakSet<HelmError>();
function markRenderPhase(err: HelmError): void {
  RENDER_PHASE.add(err);
}
export function isRenderPhaseError(err: unknown): boolean {
  return err instanceof HelmError && RENDER_PHASE.has(err);
}

/** Helm's `ValidateAgainstSchema`, chart then subcharts. */
function schemaReport(c: ResolvedChart, values: Values): string {
  let sb = "";
  if (c.chart.schema !== undefined) {
    let lines: string;
    try {
      lines = validateAgainstSchema(values, c.chart.schema);
    } catch (err) {
      if (err instanceof SchemaLoadError) lines = `${err.message}\n`;
      else throw err;
    }
    if (lines !== "") sb += `${c.name}:\n${lines}`;
  }
  for (const sub of c.dependencies) {
    const sv = values[sub.name];
    sb += schemaReport(sub, isTable(sv) ? sv : {});
  }
  return sb;
}

/** `recAllTpls`: the render data of each chart and its templates' full names. */
function collectTemplates(
  c: ResolvedChart,
  parentPath: string,
  vals: Record<string, unknown>,
  out: Map<string, { text: string; vals: Record<string, unknown>; basePath: string }>,
  isRoot: boolean,
): Record<string, unknown> {
  const subCharts: Record<string, unknown> = {};
  const next: Record<string, unknown> = {
    Chart: chartObject(c, isRoot),
    Files: filesObject(filesMap(c.chart.files)),
    Release: vals["Release"],
    Capabilities: vals["Capabilities"],
    Values: {},
    Subcharts: subCharts,
  };
  if (isRoot) next["Values"] = vals["Values"];
  else {
    const t = valuesTable(vals, `Values.${c.name}`);
    if (t !== undefined) next["Values"] = t;
  }
  const full = chartFullPath(c, parentPath);
  for (const child of c.dependencies) subCharts[child.name] = collectTemplates(child, full, next, out, false);
  const library = isLibraryChart(c.chart);
  for (const t of c.chart.templates) {
    if (library && !posix.basename(t.name).startsWith("_")) continue;
    out.set(posix.join(full, t.name), { text: templateText(t.data), vals: next, basePath: posix.join(full, "templates") });
  }
  return next;
}

/** `.Chart`: Helm's Metadata struct (Go field names, zero values filled in) plus IsRoot. */
function chartObject(c: ResolvedChart, isRoot: boolean): Record<string, unknown> {
  const md = c.chart.metadata;
  const deps = c.requirements.map((r) => ({
    Name: r.name,
    Version: r.version ?? "",
    Repository: md.dependencies?.find((d) => (d.alias ?? d.name) === r.name || d.name === r.name)?.repository ?? "",
    Condition: r.condition ?? "",
    Tags: [...r.tags],
    Enabled: r.enabled,
    ImportValues: [...r.importValues],
    Alias: r.alias ?? "",
  }));
  const obj = {
    Name: c.name,
    Home: md.home ?? "",
    Sources: [...(md.sources ?? [])],
    Version: md.version,
    Description: md.description ?? "",
    Keywords: [...(md.keywords ?? [])],
    Maintainers: (md.maintainers ?? []).map((m) => ({ Name: m.name ?? "", Email: m.email ?? "", URL: m.url ?? "" })),
    Icon: md.icon ?? "",
    APIVersion: md.apiVersion,
    Condition: md.condition ?? "",
    Tags: md.tags ?? "",
    AppVersion: md.appVersion ?? "",
    Deprecated: md.deprecated ?? false,
    Annotations: { ...(md.annotations ?? {}) },
    KubeVersion: md.kubeVersion ?? "",
    Dependencies: deps,
    Type: md.type ?? "",
    IsRoot: isRoot,
  };
  const list = (xs: readonly unknown[]): string => `[${xs.map(String).join(" ")}]`;
  return withGoMethods(obj, {
    String: () =>
      `{{${obj.Name} ${obj.Home} ${list(obj.Sources)} ${obj.Version} ${obj.Description} ${list(obj.Keywords)} [${obj.Maintainers.map(() => "0xc000000000").join(" ")}] ${obj.Icon} ${obj.APIVersion} ${obj.Condition} ${obj.Tags} ${obj.AppVersion} ${String(obj.Deprecated)} map[${Object.keys(obj.Annotations).sort().map((k) => `${k}:${obj.Annotations[k] ?? ""}`).join(" ")}] ${obj.KubeVersion} [${deps.map(() => "0xc000000000").join(" ")}] ${obj.Type}} ${String(isRoot)}}`,
  });
}

/** engine.go's parse order: deeper paths first, then reverse lexical, so a parent's defines win. */
function byPathLenDesc(a: string, b: string): number {
  const ca = a.split("/").length;
  const cb = b.split("/").length;
  if (ca !== cb) return cb - ca;
  return a < b ? 1 : a > b ? -1 : 0;
}

/** "template: NAME:LINE: msg" to Helm's `parse error at (NAME:LINE): msg` (last ": " part only, as cleanupParseError). */
function parseFailure(err: unknown, chart: string): HelmError {
  const msg = err instanceof Error ? err.message : String(err);
  const tokens = msg.split(": ");
  if (tokens.length === 1) return new HelmError(HELM_ERROR.template, `parse error in (${chart}): ${msg}`, { chart });
  const location = tokens[1] ?? "";
  const { file, line } = splitLocation(location);
  return new HelmError(HELM_ERROR.template, `parse error at (${location}): ${tokens[tokens.length - 1] ?? ""}`, { chart, file, line });
}

/** cleanupExecError: `required`/`fail` messages become `execution error at (loc): msg`; others stay Go's text. */
function execFailure(err: unknown, filename: string, chart: string): HelmError {
  if (!isTemplateError(err)) throw err;
  if (err.code === "TEMPLATE_BUDGET_EXCEEDED") {
    const e = new HelmError(HELM_ERROR.template, `${err.message} (rendering ${filename})`, { chart, file: filename, cause: err });
    return e;
  }
  const msg = err.message;
  const first = msg.indexOf(": ");
  const second = first < 0 ? -1 : msg.indexOf(": ", first + 2);
  let result: HelmError;
  if (first < 0 || second < 0) {
    result = new HelmError(HELM_ERROR.template, `execution error in (${filename}): ${msg}`, { chart, file: filename });
  } else {
    const location = msg.slice(first + 2, second);
    const rest = msg.slice(second + 2);
    const { file, line } = splitLocation(location);
    const start = rest.indexOf(HELM_ERR_START);
    const end = rest.lastIndexOf(HELM_ERR_END);
    if (start >= 0 && end > start) {
      result = new HelmError(HELM_ERROR.requiredValue, `execution error at (${location}): ${rest.slice(start + HELM_ERR_START.length, end)}`, { chart, file, line });
    } else result = new HelmError(HELM_ERROR.template, msg, { chart, file, line });
  }
  markRenderPhase(result);
  return result;
}

function splitLocation(location: string): { file: string | undefined; line: number | undefined } {
  const m = /^(.*?):(\d+)(?::\d+)?$/.exec(location);
  if (m === null) return { file: location === "" ? undefined : location, line: undefined };
  return { file: m[1], line: Number(m[2]) };
}
