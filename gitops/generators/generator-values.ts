import { isFlotillaError } from "../../core/index.js";
import { isBudgetExceeded } from "../render-budget.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { compileStringTemplate } from "../template-engine.js";
import type { GeneratorContext } from "./generator-context.js";
import { isPlainObject, type Params } from "./param-utils.js";

/** A generator's `values` (map of strings); anything else is rejected with its field. */
export function stringValues(raw: unknown, field: string, file: string | undefined): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) throw new GitOpsError(GITOPS_ERROR.invalid, "values must be a map of strings", { file, field });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== "string") throw new GitOpsError(GITOPS_ERROR.invalid, "values must be strings", { file, field: `${field}.${k}` });
    out[k] = v;
  }
  return out;
}

/**
 * Argo's `appendTemplatedValues`: each value is a template rendered with the generator's own
 * params, then added as `.values.<k>` (goTemplate) or `values.<k>` (fasttemplate).
 */
export function appendTemplatedValues(params: Params, values: Record<string, string>, ctx: GeneratorContext, field: string): Params {
  const keys = Object.keys(values);
  if (keys.length === 0) return params;
  const rendered: Record<string, string> = {};
  for (const key of keys) {
    const template = compileStringTemplate(values[key], ctx.mode, `${ctx.appSetName}:${field}.${key}`);
    try {
      rendered[key] = template.render(params);
    } catch (err) {
      if (isFlotillaError(err) && !isBudgetExceeded(err)) {
        throw new GitOpsError(GITOPS_ERROR.template, err.message, { file: ctx.file, field: `${field}.${key}`, cause: err });
      }
      throw err;
    }
  }
  if (ctx.mode.goTemplate) {
    const existing = isPlainObject(params["values"]) ? params["values"] : {};
    return { ...params, values: { ...existing, ...rendered } };
  }
  const out: Params = { ...params };
  for (const key of keys) out[`values.${key}`] = rendered[key];
  return out;
}
