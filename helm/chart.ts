/**
 * The chart model, as Helm's `pkg/chart` holds it after loading: metadata from Chart.yaml (and
 * requirements.yaml for apiVersion v1), default values, templates, other files (for `.Files`
 * and `crds/`), the schema and the subcharts. Paths are chart-relative with `/` separators.
 */

export type Values = Record<string, unknown>;

export interface ChartFile {
  readonly name: string;
  readonly data: Uint8Array;
}

export interface ChartMaintainer {
  readonly name?: string;
  readonly email?: string;
  readonly url?: string;
}

export interface ChartDependency {
  readonly name: string;
  readonly version?: string;
  readonly repository?: string;
  /** Comma-separated value paths; the first that holds a bool decides. */
  readonly condition?: string;
  readonly tags?: readonly string[];
  readonly enabled?: boolean;
  /** Strings (`exports.NAME`) or `{child, parent}` maps. */
  readonly importValues?: readonly unknown[];
  readonly alias?: string;
}

export interface ChartMetadata {
  readonly apiVersion: string;
  readonly name: string;
  readonly version: string;
  readonly home?: string;
  readonly sources?: readonly string[];
  readonly description?: string;
  readonly keywords?: readonly string[];
  readonly maintainers?: readonly ChartMaintainer[];
  readonly icon?: string;
  readonly condition?: string;
  readonly tags?: string;
  readonly appVersion?: string;
  readonly deprecated?: boolean;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly kubeVersion?: string;
  readonly dependencies?: readonly ChartDependency[];
  /** "application" (also when empty) or "library". */
  readonly type?: string;
}

export interface Chart {
  readonly metadata: ChartMetadata;
  /** Every file as loaded, subcharts excluded (Helm's `Raw`). */
  readonly raw: readonly ChartFile[];
  /** `templates/**` files. */
  readonly templates: readonly ChartFile[];
  /** values.yaml, parsed (numbers are float64 as in Helm). */
  readonly values: Values;
  /** values.schema.json bytes, if any. */
  readonly schema: Uint8Array | undefined;
  /** Every other file: `.Files`, `crds/`. */
  readonly files: readonly ChartFile[];
  /** Subcharts from charts/ (directories and .tgz archives), in load order. */
  readonly dependencies: readonly Chart[];
  /** Where the chart came from, for error messages (a path, URL or "archive"). */
  readonly source: string;
}

export function isLibraryChart(chart: Chart): boolean {
  return (chart.metadata.type ?? "").toLowerCase() === "library";
}

export function hasManifestExtension(name: string): boolean {
  return /\.(ya?ml|json)$/i.test(name);
}
