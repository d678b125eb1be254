import { FlotillaError, type FlotillaErrorOptions } from "../core/index.js";

/**
 * Stable error codes of the helm module. Messages keep Helm's own wording (`parse error at
 * (chart/templates/x.yaml:3): ...`, `execution error at (...)`, `YAML parse error on ...`) so Helm
 * users recognise them; `file` names the chart file and `line` the template line where known.
 */
export const HELM_ERROR = {
  /** No chart where one was asked for (no Chart.yaml, empty archive, missing path). */
  chartNotFound: "HELM_CHART_NOT_FOUND",
  /** The chart itself is invalid: Chart.yaml, values.yaml, dependencies, archive layout or limits. */
  chartInvalid: "HELM_CHART_INVALID",
  /** A template does not parse or fails to execute, or renders YAML that does not parse. */
  template: "HELM_TEMPLATE_ERROR",
  /** A `required` value is missing (or a template called `fail`). */
  requiredValue: "HELM_REQUIRED_VALUE",
  /** The values do not meet a chart's values.schema.json. */
  schema: "HELM_SCHEMA_INVALID",
  /** A bad option: --set syntax, values file, kube version, --show-only with no match, unsupported flag. */
  options: "HELM_OPTIONS_INVALID",
  /** `--post-renderer`'s program failed (could not start, killed, or exited non-zero). */
  postRender: "HELM_POST_RENDER_FAILED",
} as const;

export type HelmErrorCode = (typeof HELM_ERROR)[keyof typeof HELM_ERROR];

export interface HelmErrorOptions extends FlotillaErrorOptions {
  /** The chart the error is about (its name, or the path given by the user). */
  readonly chart?: string | undefined;
  /** 1-based line in `file`, for template errors. */
  readonly line?: number | undefined;
}

export class HelmError extends FlotillaError {
  declare readonly code: HelmErrorCode;
  readonly chart: string | undefined;
  readonly line: number | undefined;

  constructor(code: HelmErrorCode, message: string, options: HelmErrorOptions = {}) {
    super(code, message, options);
    this.name = "HelmError";
    this.chart = options.chart;
    this.line = options.line;
  }

  /** Helm's messages already name the file and line where they know them; no second prefix then. */
  override describe(): string {
    if (this.file !== undefined && this.message.includes(this.file)) return this.message;
    return super.describe();
  }
}

export function isHelmError(err: unknown): err is HelmError {
  return err instanceof HelmError;
}
