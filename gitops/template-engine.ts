import { parseTemplate, renderFastTemplate, type ExecBudget, type Template } from "../template/index.js";
import type { Params } from "./generators/param-utils.js";

/** Go's `missingkey=` option values. */
export type MissingKey = "error" | "default" | "zero";

/** How an ApplicationSet's strings are templated. */
export interface TemplateMode {
  /** Go `text/template` (goTemplate: true) or Argo's older fasttemplate `{{name}}` replacement. */
  readonly goTemplate: boolean;
  readonly missingKey: MissingKey;
  /** Charged for every string rendered (steps, output, time); absent: unlimited. */
  readonly budget?: ExecBudget | undefined;
}

/** One string of a template, compiled once and executed per parameter set. */
export interface StringTemplate {
  /** True when the string holds no action: rendering returns it unchanged. */
  readonly constant: boolean;
  render(params: Params): string;
}

/** Reads `missingkey=...` out of Argo's `goTemplateOptions`; `fallback` when absent. */
export function missingKeyOption(options: readonly string[] | undefined, fallback: MissingKey): MissingKey {
  let result = fallback;
  for (const option of options ?? []) {
    const match = /^missingkey=(error|default|invalid|zero)$/u.exec(option.trim());
    // Go treats "invalid" exactly like "default".
    if (match !== null) result = match[1] === "invalid" ? "default" : (match[1] as MissingKey);
  }
  return result;
}

// `{{.a.b}}` and `{{ .a.b }}` only: the overwhelming majority of ApplicationSet strings.
const SIMPLE_ACTION = /\{\{(?!-)\s*((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*(?<!-)\}\}/gu;

/**
 * Compiles one string. Go templates made only of text and plain field chains take a fast path
 * that looks the fields up directly; whenever a value is missing or is not a string, the real
 * text/template engine renders the string instead, so output and errors are exactly Go's.
 */
export function compileStringTemplate(source: string, mode: TemplateMode, name: string): StringTemplate {
  if (!source.includes("{{")) return { constant: true, render: () => source };
  const budget = mode.budget;
  if (!mode.goTemplate) {
    return {
      constant: false,
      render: (params) => {
        const out = renderFastTemplate(source, params as Readonly<Record<string, string>>);
        budget?.step();
        budget?.output(out.length);
        return out;
      },
    };
  }
  let engine: Template | undefined;
  let parseError: unknown;
  const full = (params: Params): string => {
    if (engine === undefined && parseError === undefined) {
      try {
        engine = parseTemplate(source, { missingKey: mode.missingKey, functionSet: "argocd", name });
      } catch (err) {
        parseError = err;
      }
    }
    if (engine === undefined) throw parseError;
    return engine.execute(params, budget);
  };
  const fast = compileFieldChains(source);
  if (fast === undefined) return { constant: false, render: full };
  const fastSteps = 1 + (source.match(/\{\{/gu)?.length ?? 0);
  return {
    constant: false,
    render: (params) => {
      const out = fast(params);
      if (out === undefined) return full(params);
      if (budget !== undefined) {
        budget.step(fastSteps);
        budget.output(out.length);
      }
      return out;
    },
  };
}

/** Splits `text{{.a.b}}text` into pieces; undefined when the string has any other kind of action. */
function compileFieldChains(source: string): ((params: Params) => string | undefined) | undefined {
  const texts: string[] = [];
  const chains: string[][] = [];
  let last = 0;
  for (const match of source.matchAll(SIMPLE_ACTION)) {
    texts.push(source.slice(last, match.index));
    chains.push(match[1].slice(1).split("."));
    last = match.index + match[0].length;
  }
  const tail = source.slice(last);
  if (texts.some((t) => t.includes("{{")) || tail.includes("{{")) return undefined;
  return (params) => {
    let out = texts[0];
    for (let i = 0; i < chains.length; i++) {
      let value: unknown = params;
      for (const key of chains[i]) {
        if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
        value = (value as Record<string, unknown>)[key];
      }
      if (typeof value !== "string") return undefined;
      out += value;
      out += i + 1 < texts.length ? texts[i + 1] : "";
    }
    return out + tail;
  };
}
