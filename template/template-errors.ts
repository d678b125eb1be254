import { FlotillaError, type FlotillaErrorOptions } from "../core/index.js";

/**
 * Stable error codes of the template module. Messages follow Go's `text/template` wording
 * (`template: NAME:LINE: ...` for parse errors, `template: NAME:LINE:COL: executing "NAME" at <...>: ...`
 * for execution errors) so Argo CD and kubeseal users recognise them.
 */
export const TEMPLATE_ERROR = {
  /** The template text does not parse (syntax, unknown function, undefined variable). */
  parse: "TEMPLATE_PARSE",
  /** Execution failed: missing key, wrong argument type, a function returned an error, `fail`, `required`. */
  exec: "TEMPLATE_EXEC",
  /** An unknown Go template option (`goTemplateOptions`). */
  option: "TEMPLATE_OPTION",
  /** Execution ran out of its budget of steps, output size or time (a runaway or hostile template). */
  budget: "TEMPLATE_BUDGET_EXCEEDED",
  /** A function a render must not run: `getHostByName` (no network during a render). */
  refused: "TEMPLATE_FUNCTION_REFUSED",
} as const;

export type TemplateErrorCode = (typeof TEMPLATE_ERROR)[keyof typeof TEMPLATE_ERROR];

export interface TemplateErrorOptions extends FlotillaErrorOptions {
  /** The template's name (Go's `ParseName`). */
  readonly templateName?: string | undefined;
  /** 1-based line of the offending token or node. */
  readonly line?: number | undefined;
  /** Column (bytes from the line start, as Go prints it) of the node an execution error stopped at. */
  readonly column?: number | undefined;
}

/** The error family of template/: parse and execution failures. */
export class TemplateError extends FlotillaError {
  declare readonly code: TemplateErrorCode;
  readonly templateName: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(code: TemplateErrorCode, message: string, options: TemplateErrorOptions = {}) {
    super(code, message, options);
    this.name = "TemplateError";
    this.templateName = options.templateName;
    this.line = options.line;
    this.column = options.column;
  }
}

export function isTemplateError(err: unknown): err is TemplateError {
  return err instanceof TemplateError;
}

/**
 * What a template function throws to report a Go `error` return. The evaluator wraps it as
 * `error calling NAME: MESSAGE` at the calling node, exactly like Go.
 */
export class FuncError extends Error {
  /** The code of the TemplateError the evaluator raises; TEMPLATE_EXEC when absent. */
  readonly code: TemplateErrorCode | undefined;

  constructor(message: string, code?: TemplateErrorCode) {
    super(message);
    this.name = "FuncError";
    this.code = code;
  }
}
