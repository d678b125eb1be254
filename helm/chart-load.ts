import { coerce, valid } from "semver";
import { formatValue } from "../template/index.js";
import type { Chart, ChartDependency, ChartFile, ChartMaintainer, ChartMetadata, Values } from "./chart.js";
import { readChartArchive, type ChartArchiveLimits } from "./chart-archive.js";
import { HELM_ERROR, HelmError } from "./helm-errors.js";
import { readYaml, readYamlMap, HelmYamlError } from "./helm-yaml.js";
import { parseHelmIgnore } from "./helmignore.js";

export interface LoadChartOptions {
  /** Where the files came from (a directory, URL, "archive"), for error messages. */
  readonly source: string;
  /**
   * True (default) when the map is a chart directory: `.helmignore` and Helm's default rule
   * (`templates/.?*`) apply, as `helm template ./dir` applies them. Archives were filtered when packaged.
   */
  readonly directory?: boolean;
  /** Limits for packaged subcharts (`charts/*.tgz`). */
  readonly archiveLimits?: ChartArchiveLimits;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const decoder = new TextDecoder();

/**
 * Loads a chart from its files (chart-relative `/` paths to bytes), as Helm's `loader.LoadFiles`:
 * Chart.yaml (apiVersion v1 or v2; requirements.yaml for v1), values.yaml, values.schema.json,
 * templates/, charts/ (directories and packaged .tgz subcharts), everything else as `.Files`.
 * Throws HelmError HELM_CHART_NOT_FOUND without a Chart.yaml, HELM_CHART_INVALID for bad content.
 */
export async function loadChart(files: ReadonlyMap<string, Uint8Array>, options: LoadChartOptions): Promise<Chart> {
  let entries = [...files].map(([name, data]) => ({ name: name.replace(/^\.\//, ""), data: stripBom(data) }));
  if (options.directory !== false) entries = applyHelmIgnore(entries, options.source);
  entries.sort((a, b) => walkOrder(a.name, b.name));
  return loadFiles(entries, options, "");
}

/** Loads a packaged chart (`.tgz`). */
export async function loadChartArchive(bytes: Uint8Array, options: { readonly source: string; readonly limits?: ChartArchiveLimits }): Promise<Chart> {
  const files = await readChartArchive(bytes, options);
  return loadChart(files, { source: options.source, directory: false, archiveLimits: options.limits });
}

function stripBom(data: Uint8Array): Uint8Array {
  return UTF8_BOM.every((b, i) => data[i] === b) ? data.subarray(3) : data;
}

/** filepath.Walk's order: directory entries sorted by name, depth first. */
function walkOrder(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] ?? "";
    const y = pb[i] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function applyHelmIgnore(entries: ChartFile[], source: string): ChartFile[] {
  const ignoreFile = entries.find((f) => f.name === ".helmignore");
  let rules;
  try {
    rules = parseHelmIgnore(ignoreFile === undefined ? "" : decoder.decode(ignoreFile.data));
  } catch (err) {
    throw new HelmError(HELM_ERROR.chartInvalid, err instanceof Error ? err.message : String(err), { file: ".helmignore", chart: source });
  }
  return entries.filter((f) => {
    const parts = f.name.split("/");
    for (let i = 1; i < parts.length; i++) if (rules.ignores(parts.slice(0, i).join("/"), true)) return false;
    return !rules.ignores(f.name, false);
  });
}

async function loadFiles(entries: readonly ChartFile[], options: LoadChartOptions, prefix: string): Promise<Chart> {
  const source = options.source;
  const invalid = (message: string, file?: string): HelmError =>
    new HelmError(HELM_ERROR.chartInvalid, message, { file: file === undefined ? undefined : prefix + file, chart: source });
  const chartYaml = entries.find((f) => f.name === "Chart.yaml");
  let md: MutableMetadata | undefined;
  if (chartYaml !== undefined) {
    md = parseMetadata(chartYaml.data, "Chart.yaml", invalid);
    md.apiVersion ||= "v1";
  }
  let values: Values = {};
  let schema: Uint8Array | undefined;
  const templates: ChartFile[] = [];
  const files: ChartFile[] = [];
  const subcharts = new Map<string, ChartFile[]>();
  for (const f of entries) {
    if (f.name === "Chart.yaml" || f.name === "Chart.lock" || f.name === "requirements.lock") {
      if (f.name === "requirements.lock" && md?.apiVersion === "v1") files.push(f);
      continue;
    }
    if (f.name === "values.yaml") {
      try {
        values = readYamlMap(decoder.decode(f.data));
      } catch (err) {
        throw invalid(`cannot load values.yaml: ${err instanceof HelmYamlError ? err.message : String(err)}`, "values.yaml");
      }
    } else if (f.name === "values.schema.json") schema = f.data;
    else if (f.name === "requirements.yaml") {
      md ??= { apiVersion: "", name: "", version: "" };
      const req = parseMetadata(f.data, "requirements.yaml", invalid);
      if (req.dependencies !== undefined) md.dependencies = req.dependencies;
      if (md.apiVersion === "v1") files.push(f);
    } else if (f.name.startsWith("templates/")) templates.push(f);
    else if (f.name.startsWith("charts/")) {
      if (f.name.endsWith(".prov")) {
        files.push(f);
        continue;
      }
      const rest = f.name.slice("charts/".length);
      const slash = rest.indexOf("/");
      const cname = slash < 0 ? rest : rest.slice(0, slash);
      const list = subcharts.get(cname) ?? [];
      list.push({ name: rest, data: f.data });
      subcharts.set(cname, list);
    } else files.push(f);
  }
  if (md === undefined) {
    throw new HelmError(prefix === "" ? HELM_ERROR.chartNotFound : HELM_ERROR.chartInvalid, "Chart.yaml file is missing", { file: prefix + "Chart.yaml", chart: source });
  }
  validateMetadata(md, (m) => invalid(m, "Chart.yaml"));
  const dependencies: Chart[] = [];
  for (const [n, list] of [...subcharts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (n.startsWith("_") || n.startsWith(".")) continue;
    const where = `${prefix}charts/${n}`;
    try {
      if (n.endsWith(".tgz")) {
        const file = list[0];
        if (file === undefined || file.name !== n) throw invalid(`error unpacking subchart tar in ${md.name}: expected ${n}, got ${file?.name ?? ""}`);
        const files = await readChartArchive(file.data, { source: `${source}/${where}`, limits: options.archiveLimits });
        const sub = [...files].map(([name, data]) => ({ name, data }));
        dependencies.push(await loadFiles(sub, { ...options, source }, `${where}/`));
      } else {
        const sub = list.filter((f) => f.name.includes("/")).map((f) => ({ name: f.name.slice(f.name.indexOf("/") + 1), data: f.data }));
        dependencies.push(await loadFiles(sub, options, `${where}/`));
      }
    } catch (err) {
      if (err instanceof HelmError) {
        throw new HelmError(HELM_ERROR.chartInvalid, `error unpacking subchart ${n} in ${md.name}: ${err.message}`, { file: err.file, chart: source, cause: err });
      }
      throw err;
    }
  }
  return { metadata: md, raw: entries, templates, values, schema, files, dependencies, source };
}

type MutableMetadata = { -readonly [K in keyof ChartMetadata]: ChartMetadata[K] };

/** Chart.yaml (or requirements.yaml) into Metadata, with Go's JSON typing: scalars where strings are due become their text. */
function parseMetadata(data: Uint8Array, file: string, invalid: (m: string, f?: string) => HelmError): MutableMetadata {
  let raw: unknown;
  try {
    raw = readYaml(decoder.decode(data));
  } catch (err) {
    throw invalid(`cannot load ${file}: ${err instanceof Error ? err.message : String(err)}`, file);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalid(`cannot load ${file}: error unmarshaling JSON: json: cannot unmarshal ${Array.isArray(raw) ? "array" : typeof raw} into Go value of type chart.Metadata`, file);
  const m = raw as Record<string, unknown>;
  const str = (key: string): string | undefined => {
    const v = m[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "object") throw invalid(`cannot load ${file}: error unmarshaling JSON: json: cannot unmarshal ${Array.isArray(v) ? "array" : "object"} into Go struct field Metadata.${key} of type string`, file);
    return formatValue(v);
  };
  const strs = (key: string): string[] | undefined => {
    const v = m[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw invalid(`cannot load ${file}: json: cannot unmarshal into Go struct field Metadata.${key} of type []string`, file);
    return v.map((x) => formatValue(x));
  };
  const md: MutableMetadata = { apiVersion: str("apiVersion") ?? "", name: str("name") ?? "", version: str("version") ?? "" };
  const set = <K extends keyof MutableMetadata>(k: K, v: MutableMetadata[K] | undefined): void => {
    if (v !== undefined) md[k] = v;
  };
  set("home", str("home"));
  set("sources", strs("sources"));
  set("description", str("description"));
  set("keywords", strs("keywords"));
  set("icon", str("icon"));
  set("condition", str("condition"));
  set("tags", str("tags"));
  set("appVersion", str("appVersion"));
  set("kubeVersion", str("kubeVersion"));
  set("type", str("type"));
  if (typeof m["deprecated"] === "boolean") md.deprecated = m["deprecated"];
  if (m["annotations"] !== undefined && m["annotations"] !== null) {
    const a = m["annotations"];
    if (typeof a !== "object" || Array.isArray(a)) throw invalid(`cannot load ${file}: json: cannot unmarshal into Go struct field Metadata.annotations of type map[string]string`, file);
    md.annotations = Object.fromEntries(Object.entries(a).map(([k, v]) => [k, formatValue(v)]));
  }
  if (Array.isArray(m["maintainers"])) {
    md.maintainers = m["maintainers"].map((x): ChartMaintainer => {
      const o = (x ?? {}) as Record<string, unknown>;
      return { ...(o["name"] === undefined ? {} : { name: formatValue(o["name"]) }), ...(o["email"] === undefined ? {} : { email: formatValue(o["email"]) }), ...(o["url"] === undefined ? {} : { url: formatValue(o["url"]) }) };
    });
  }
  if (Array.isArray(m["dependencies"])) {
    md.dependencies = m["dependencies"].map((x, i): ChartDependency => {
      if (x === null || typeof x !== "object" || Array.isArray(x)) throw invalid(`cannot load ${file}: dependencies[${i}] is not a map`, file);
      const o = x as Record<string, unknown>;
      const s = (k: string): string | undefined => (o[k] === undefined || o[k] === null ? undefined : formatValue(o[k]));
      const dep: { -readonly [K in keyof ChartDependency]: ChartDependency[K] } = { name: s("name") ?? "" };
      const version = s("version");
      if (version !== undefined) dep.version = version;
      const repository = s("repository");
      if (repository !== undefined) dep.repository = repository;
      const condition = s("condition");
      if (condition !== undefined) dep.condition = condition;
      if (Array.isArray(o["tags"])) dep.tags = o["tags"].map((t) => formatValue(t));
      if (typeof o["enabled"] === "boolean") dep.enabled = o["enabled"];
      if (Array.isArray(o["import-values"])) dep.importValues = o["import-values"] as unknown[];
      const alias = s("alias");
      if (alias !== undefined) dep.alias = alias;
      return dep;
    });
  }
  return md;
}

/** Helm's `Metadata.Validate` (sanitizing spaces and unprintables first). */
function validateMetadata(md: MutableMetadata, fail: (m: string) => HelmError): void {
  const clean = (s: string | undefined): string | undefined => (s === undefined ? undefined : s.replace(/\s/gu, " ").replace(/[\p{C}]/gu, ""));
  md.name = clean(md.name) ?? "";
  for (const k of ["description", "home", "icon", "condition", "tags", "appVersion", "kubeVersion"] as const) {
    const v = clean(md[k]);
    if (v !== undefined) md[k] = v;
  }
  if (md.apiVersion === "") throw fail("validation: chart.metadata.apiVersion is required");
  if (md.name === "") throw fail("validation: chart.metadata.name is required");
  if (md.name.includes("/") || md.name === "." || md.name === "..") throw fail(`validation: chart.metadata.name ${JSON.stringify(md.name)} is invalid`);
  if (md.version === "") throw fail("validation: chart.metadata.version is required");
  if (!isSemver(md.version)) throw fail(`validation: chart.metadata.version ${JSON.stringify(md.version)} is invalid`);
  if (md.type !== undefined && md.type !== "" && md.type !== "application" && md.type !== "library") throw fail("validation: chart.metadata.type must be application or library");
  const seen = new Set<string>();
  for (const d of md.dependencies ?? []) {
    if (d.alias !== undefined && d.alias !== "" && !/^[a-zA-Z0-9_-]+$/.test(d.alias)) throw fail(`validation: dependency ${JSON.stringify(d.name)} has disallowed characters in the alias`);
    const key = d.alias !== undefined && d.alias !== "" ? d.alias : d.name;
    if (seen.has(key)) throw fail(`validation: more than one dependency with name or alias ${JSON.stringify(key)}`);
    seen.add(key);
  }
}

/** Masterminds/semver's NewVersion accepts `v1`, `1.2`, `1.2.3-pre+build`. */
export function isSemver(v: string): boolean {
  if (valid(v) !== null) return true;
  return /^v?\d+(\.\d+)?(\.\d+)?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(v) && coerce(v) !== null;
}
