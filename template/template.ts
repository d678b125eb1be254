import { systemClock, type Clock } from "../core/index.js";
import type { ExecBudget } from "./exec-budget.js";
import { compile, type Compiled, type MissingKey } from "./exec.js";
import { functionSet, userFunction, type FunctionSet } from "./function-sets.js";
import type { FuncMap } from "./go-function.js";
import { parse } from "./parser.js";
import { systemRandom, type RandomSource } from "./random-source.js";

export interface TemplateOptions {
  /** The template's name in error messages (Go's `template.New(name)`); Argo CD uses "". */
  readonly name?: string;
  /** Go's `missingkey=` option. Default "error" (Argo CD ApplicationSets with goTemplateOptions). */
  readonly missingKey?: MissingKey;
  /** Extra functions, variadic `interface{}` in Go terms; they override same-named ones. */
  readonly funcs?: Readonly<Record<string, (...args: unknown[]) => unknown>>;
  /** Which Sprig set to expose: Argo CD's (default) or Sealed Secrets', or only Go's builtins. */
  readonly functionSet?: FunctionSet;
  /** Time source for `now`, `date`, `ago`, certificate validity. */
  readonly clock?: Clock;
  /** Randomness and fresh keys for `rand*`, `uuidv4`, `encryptAES`, `genCA`, ...; crypto/rand by default. */
  readonly random?: RandomSource;
}

/** A parsed template. Parse once, execute many times; execution is pure apart from `now`. */
export interface Template {
  /**
   * Renders with `data` as dot. Throws TemplateError (code TEMPLATE_EXEC) like Go's Execute, or
   * code TEMPLATE_BUDGET_EXCEEDED when `budget` runs out (steps, output size or time).
   */
  execute(data: unknown, budget?: ExecBudget): string;
}

/**
 * Parses Go `text/template` source with Sprig functions. Throws TemplateError (code
 * TEMPLATE_PARSE) with Go's message, e.g. `template: NAME:3: unexpected "}" in operand`.
 */
export function parseTemplate(source: string, options: TemplateOptions = {}): Template {
  const funcs = resolveFunctions(options);
  const name = options.name ?? "";
  const parsed = parse(source, name, (fn) => funcs.has(fn));
  const compiled: Compiled = compile({ ...parsed, funcs, missingKey: options.missingKey ?? "error" });
  return { execute: (data: unknown, budget?: ExecBudget) => compiled.execute(data, budget) };
}

/** Parses and executes in one step. */
export function renderTemplate(source: string, data: unknown, options: TemplateOptions = {}): string {
  return parseTemplate(source, options).execute(data);
}

function resolveFunctions(options: TemplateOptions): FuncMap {
  const base = functionSet(options.functionSet ?? "argocd", options.clock ?? systemClock, options.random ?? systemRandom);
  if (options.funcs === undefined) return base;
  const merged = new Map(base);
  for (const [name, fn] of Object.entries(options.funcs)) merged.set(name, userFunction(fn));
  return merged;
}
