import { satisfies, coerce } from "semver";
import type { Chart, ChartDependency, ChartFile, Values } from "./chart.js";
import { coalesceTables, coalesceValues, deepCopy, isTable, valuesPathValue, valuesTable, type Warn } from "./values-coalesce.js";

/**
 * A chart as rendering sees it after Helm's `ProcessDependenciesWithMerge`: aliased subcharts
 * renamed, disabled ones (condition, tags) removed, import-values folded into `values`.
 */
export interface ResolvedChart {
  readonly chart: Chart;
  /** The chart's name here: its alias when it has one. */
  readonly name: string;
  values: Values;
  readonly requirements: ResolvedRequirement[];
  dependencies: ResolvedChart[];
}

interface ResolvedRequirement {
  name: string;
  readonly version: string | undefined;
  readonly condition: string | undefined;
  readonly tags: readonly string[];
  enabled: boolean;
  readonly alias: string | undefined;
  readonly importValues: readonly unknown[];
}

function resolve(chart: Chart, name = chart.metadata.name): ResolvedChart {
  return {
    chart,
    name,
    values: chart.values,
    requirements: (chart.metadata.dependencies ?? []).map((d: ChartDependency) => ({
      name: d.name,
      version: d.version,
      condition: d.condition,
      tags: d.tags ?? [],
      enabled: d.enabled ?? false,
      alias: d.alias === "" ? undefined : d.alias,
      importValues: d.importValues ?? [],
    })),
    dependencies: chart.dependencies.map((d) => resolve(d)),
  };
}

/** Masterminds' `IsCompatibleRange`: false for an unparsable range or version (so an empty range never matches). */
export function isCompatibleRange(range: string | undefined, version: string): boolean {
  if (range === undefined || range.trim() === "") return false;
  const v = coerce(version, { includePrerelease: true }) === null ? null : version.replace(/^v/, "");
  if (v === null) return false;
  try {
    const normalized = range.replace(/,/g, " ").replace(/(^|\s)v(?=\d)/g, "$1");
    return satisfies(v, normalized, { loose: true }) || satisfies(coerce(v)?.version ?? v, normalized, { loose: true });
  } catch {
    return false;
  }
}

/** Helm's `ProcessDependenciesWithMerge(chart, userValues)` (what install and template run). */
export function processDependencies(chart: Chart, userValues: Values, warn: Warn = () => {}): ResolvedChart {
  const root = resolve(chart);
  processDependencyEnabled(root, userValues, "", warn);
  processDependencyImportValues(root, warn);
  return root;
}

function processDependencyEnabled(c: ResolvedChart, v: Values, path: string, warn: Warn): void {
  if (c.chart.metadata.dependencies === undefined) return;
  const chartDependencies: ResolvedChart[] = c.dependencies.filter(
    (existing) => !c.requirements.some((req) => existing.name === req.name && isCompatibleRange(req.version, existing.chart.metadata.version)),
  );
  for (const req of c.requirements) {
    const found = c.dependencies.find((d) => d.name === req.name && isCompatibleRange(req.version, d.chart.metadata.version));
    if (found !== undefined) chartDependencies.push({ ...found, name: req.alias ?? found.name });
    if (req.alias !== undefined) req.name = req.alias;
  }
  c.dependencies = chartDependencies;
  for (const r of c.requirements) r.enabled = true;
  const cvals = coalesceValues(c, v, false, warn);
  processTags(c.requirements, cvals, warn);
  processConditions(c.requirements, cvals, path, warn);
  const removed = new Set(c.requirements.filter((r) => !r.enabled).map((r) => r.name));
  c.dependencies = c.dependencies.filter((d) => !removed.has(d.name));
  for (const t of c.dependencies) processDependencyEnabled(t, cvals, `${path}${t.name}.`, warn);
  c.requirements.splice(0, c.requirements.length, ...c.requirements.filter((r) => !removed.has(r.name)));
}

function processConditions(reqs: readonly ResolvedRequirement[], cvals: Values, cpath: string, warn: Warn): void {
  for (const r of reqs) {
    for (const cond of (r.condition ?? "").trim().split(",")) {
      if (cond.length === 0) continue;
      const vv = valuesPathValue(cvals, cpath + cond);
      if (vv === undefined) continue;
      if (typeof vv === "boolean") {
        r.enabled = vv;
        break;
      }
      warn(`Warning: Condition path '${cond}' for chart ${r.name} returned non-bool value`);
    }
  }
}

function processTags(reqs: readonly ResolvedRequirement[], cvals: Values, warn: Warn): void {
  const vt = valuesTable(cvals, "tags");
  if (vt === undefined) return;
  for (const r of reqs) {
    let hasTrue = false;
    let hasFalse = false;
    for (const k of r.tags) {
      if (!Object.prototype.hasOwnProperty.call(vt, k)) continue;
      const b = vt[k];
      if (typeof b === "boolean") {
        if (b) hasTrue = true;
        else hasFalse = true;
      } else warn(`Warning: Tag '${k}' for chart ${r.name} returned non-bool value`);
    }
    if (!hasTrue && hasFalse) r.enabled = false;
    else r.enabled = true;
  }
}

function processDependencyImportValues(c: ResolvedChart, warn: Warn): void {
  for (const d of c.dependencies) processDependencyImportValues(d, warn);
  processImportValues(c, warn);
}

/** `import-values`: copies `exports.X` or `{child, parent}` tables of subcharts into the parent's values (merge mode). */
function processImportValues(c: ResolvedChart, warn: Warn): void {
  if (c.chart.metadata.dependencies === undefined) return;
  const cvals = coalesceValues(c, undefined, true, warn);
  let b: Values = {};
  for (const r of c.requirements) {
    for (const riv of r.importValues) {
      if (isTable(riv)) {
        const child = String(riv["child"]);
        const parent = String(riv["parent"]);
        const vv = valuesTable(cvals, `${r.name}.${child}`);
        if (vv === undefined) {
          warn(`Warning: ImportValues missing table from chart ${r.name}: no table named ${JSON.stringify(child)}`);
          continue;
        }
        b = coalesceTables(b, pathToMap(parent, deepCopy(vv)), true, warn);
      } else if (typeof riv === "string") {
        const vm = valuesTable(cvals, `${r.name}.exports.${riv}`);
        if (vm === undefined) {
          warn(`Warning: ImportValues missing table: no table named ${JSON.stringify(`exports.${riv}`)}`);
          continue;
        }
        b = coalesceTables(b, deepCopy(vm), true, warn);
      }
    }
  }
  c.values = coalesceTables(deepCopy(cvals), b, true, warn);
}

function pathToMap(path: string, data: Values): Values {
  if (path === ".") return data;
  let cur: Values = data;
  const parts = path.split(".");
  for (let i = parts.length - 1; i >= 0; i--) cur = { [parts[i] ?? ""]: cur };
  return cur;
}

/** `CRDObjects`: crds/*.{yaml,yml,json} of the chart, then of its (enabled) subcharts, with their full paths. */
export function crdObjects(c: ResolvedChart, parentPath = ""): Array<{ readonly filename: string; readonly file: ChartFile }> {
  const full = chartFullPath(c, parentPath);
  const own = c.chart.files.filter((f) => f.name.startsWith("crds/") && /\.(ya?ml|json)$/i.test(f.name)).map((file) => ({ filename: `${full}/${file.name}`, file }));
  return [...own, ...c.dependencies.flatMap((d) => crdObjects(d, full))];
}

export function chartFullPath(c: ResolvedChart, parentPath: string): string {
  return parentPath === "" ? c.name : `${parentPath}/charts/${c.name}`;
}
