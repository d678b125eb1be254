import { isFlotillaError } from "../core/index.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { isPlainObject, type Params } from "./generators/param-utils.js";
import { compileStringTemplate, type TemplateMode } from "./template-engine.js";
import { isBudgetExceeded } from "./render-budget.js";

/** A JSON tree whose strings (and map keys) were compiled once; `render` runs them per param set. */
export type CompiledTree = (params: Params) => unknown;

/**
 * Compiles an Application template the way Argo renders one (`deeplyReplace`): every string value
 * and every map key is a template; numbers, booleans and nulls are kept. Subtrees without any
 * action are returned as the same object on every render (callers never mutate rendered apps),
 * which is what makes rendering thousands of clusters cheap.
 */
export function compileTree(value: unknown, mode: TemplateMode, options: { name: string; field: string; file: string | undefined }): CompiledTree {
  const compiled = compileNode(value, mode, options.name, options.field, options.file);
  return compiled.constant ? () => value : compiled.render;
}

interface Node {
  readonly constant: boolean;
  readonly render: CompiledTree;
}

function wrap(err: unknown, field: string, file: string | undefined): unknown {
  // A budget failure is the whole ApplicationSet's, not this field's: it travels up unchanged.
  if (isFlotillaError(err) && !(err instanceof GitOpsError) && !isBudgetExceeded(err)) {
    return new GitOpsError(GITOPS_ERROR.template, err.message, { file, field, cause: err });
  }
  return err;
}

function compileNode(value: unknown, mode: TemplateMode, name: string, field: string, file: string | undefined): Node {
  if (typeof value === "string") {
    const template = compileStringTemplate(value, mode, name);
    if (template.constant) return { constant: true, render: () => value };
    return {
      constant: false,
      render: (params) => {
        try {
          return template.render(params);
        } catch (err) {
          throw wrap(err, field, file);
        }
      },
    };
  }
  if (Array.isArray(value)) {
    const list = value as unknown[];
    const items = list.map((item, i) => compileNode(item, mode, name, `${field}[${i}]`, file));
    if (items.every((i) => i.constant)) return { constant: true, render: () => list };
    return { constant: false, render: (params) => items.map((i) => i.render(params)) };
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([key, member]) => {
      const keyTemplate = compileStringTemplate(key, mode, name);
      return { key, keyTemplate, node: compileNode(member, mode, name, `${field}.${key}`, file) };
    });
    if (entries.every((e) => e.keyTemplate.constant && e.node.constant)) return { constant: true, render: () => value };
    return {
      constant: false,
      render: (params) => {
        const out: Record<string, unknown> = {};
        for (const e of entries) {
          let key = e.key;
          if (!e.keyTemplate.constant) {
            try {
              key = e.keyTemplate.render(params);
            } catch (err) {
              throw wrap(err, `${field}.${e.key}`, file);
            }
          }
          out[key] = e.node.render(params);
        }
        return out;
      },
    };
  }
  return { constant: true, render: () => value };
}

/** mergo.Merge(dst, src) without override: fills the empty fields of `dst` from `src` (generator templates). */
export function fillEmpty(dst: Record<string, unknown>, src: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...dst };
  for (const [key, value] of Object.entries(src)) {
    const current = out[key];
    if (isEmptyValue(current)) out[key] = value;
    else if (isPlainObject(current) && isPlainObject(value)) out[key] = fillEmpty(current, value);
  }
  return out;
}

function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** RFC 7386 JSON merge patch (Argo applies templatePatch as a strategic merge patch; Application lists have no merge keys, so lists replace). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}
