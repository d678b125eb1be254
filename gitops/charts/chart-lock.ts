import { createHash } from "node:crypto";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { ChartDependency } from "../../helm/index.js";
import { isPlainObject } from "../generators/param-utils.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";

/** One locked dependency of a Chart.lock: an exact version from one repository. */
export interface LockedDependency {
  readonly name: string;
  readonly version: string;
  readonly repository: string;
}

/** Helm's `chart.Lock` (Chart.lock, or requirements.lock for apiVersion v1 charts). */
export interface ChartLock {
  /** RFC 3339 time the lock was written. */
  readonly generated: string;
  /** `sha256:<hex>` of Chart.yaml's dependencies and the locked list (`HashReq`). */
  readonly digest: string;
  readonly dependencies: readonly LockedDependency[];
}

type Where = { readonly file?: string | undefined; readonly field: string };

/** Reads a Chart.lock; GITOPS_CHART_DEPENDENCY naming the file when it is not one. */
export function parseChartLock(text: string, where: Where): ChartLock {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch {
    throw new GitOpsError(GITOPS_ERROR.chartDependency, "the lock file does not parse as YAML", where);
  }
  if (!isPlainObject(doc)) throw new GitOpsError(GITOPS_ERROR.chartDependency, "the lock file is not a map", where);
  const deps = Array.isArray(doc["dependencies"]) ? doc["dependencies"] : [];
  return {
    generated: typeof doc["generated"] === "string" ? doc["generated"] : "",
    digest: typeof doc["digest"] === "string" ? doc["digest"] : "",
    dependencies: deps.map((d: unknown, i) => {
      if (!isPlainObject(d) || typeof d["name"] !== "string") throw new GitOpsError(GITOPS_ERROR.chartDependency, `the lock file's dependencies[${i}] has no name`, where);
      return { name: d["name"], version: scalar(d["version"]), repository: scalar(d["repository"]) };
    }),
  };
}

function scalar(v: unknown): string {
  if (typeof v === "string") return v;
  return typeof v === "number" || typeof v === "boolean" ? String(v) : "";
}

/**
 * The Chart.lock text helm writes (sigs.k8s.io/yaml: keys sorted, sequences not indented, the
 * time quoted).
 */
export function formatChartLock(lock: ChartLock): string {
  const body = stringifyYaml(
    { dependencies: lock.dependencies.map((d) => ({ name: d.name, repository: d.repository, version: d.version })), digest: lock.digest },
    { indentSeq: false, sortMapEntries: true, lineWidth: 0 },
  );
  return `${body}generated: ${JSON.stringify(lock.generated)}\n`;
}

/** Go's time.RFC3339Nano for a UTC instant: fraction without trailing zeros, none when zero. */
export function rfc3339Nano(date: Date): string {
  return date.toISOString().replace(/\.(\d*?)0*Z$/u, (_m, frac: string) => (frac === "" ? "Z" : `.${frac}Z`));
}

/**
 * Helm's `resolver.HashReq(req, lock)`: sha256 of Go's `json.Marshal([2][]*chart.Dependency{req,
 * lock})`, with chart.Dependency's field order and omitempty rules, and Go's HTML-safe escaping.
 */
export function hashRequirements(req: readonly ChartDependency[], lock: readonly LockedDependency[]): string {
  const json = `[${goDependencies(req)},${goDependencies(lock)}]`;
  return `sha256:${createHash("sha256").update(json).digest("hex")}`;
}

function goDependencies(list: readonly (ChartDependency | LockedDependency)[]): string {
  return `[${list.map((d) => goDependency(d)).join(",")}]`;
}

function goDependency(d: ChartDependency | LockedDependency): string {
  const dep = d as ChartDependency;
  const parts = [`"name":${goJson(dep.name)}`];
  if (dep.version !== undefined && dep.version !== "") parts.push(`"version":${goJson(dep.version)}`);
  parts.push(`"repository":${goJson(dep.repository ?? "")}`);
  if (dep.condition !== undefined && dep.condition !== "") parts.push(`"condition":${goJson(dep.condition)}`);
  if (dep.tags !== undefined && dep.tags.length > 0) parts.push(`"tags":${goJson(dep.tags)}`);
  if (dep.enabled === true) parts.push(`"enabled":true`);
  if (dep.importValues !== undefined && dep.importValues.length > 0) parts.push(`"import-values":${goJson(dep.importValues)}`);
  if (dep.alias !== undefined && dep.alias !== "") parts.push(`"alias":${goJson(dep.alias)}`);
  return `{${parts.join(",")}}`;
}

/** encoding/json's Marshal: map keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped. */
export function goJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => goJson(v)).join(",")}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${goJson(k)}:${goJson(value[k])}`).join(",")}}`;
  }
  if (value === undefined) return "null";
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
