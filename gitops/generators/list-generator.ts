import { parse as parseYaml } from "yaml";
import { KUBE_TO_JS_OPTIONS, KUBE_YAML_OPTIONS } from "../kube-yaml.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import type { GeneratorContext } from "./generator-context.js";
import { cloneJson, isPlainObject, type Params } from "./param-utils.js";

/**
 * The list generator (Argo `list.go`). goTemplate: each element is a param set as is.
 * fasttemplate: every value must be a string; `values` is flattened to `values.<key>`.
 * `elementsYaml` (a YAML list in a string, usually templated by a matrix parent) is appended.
 */
export function listGenerator(spec: Record<string, unknown>, ctx: GeneratorContext, field: string): Params[] {
  const where = { file: ctx.file, field };
  const elements = spec["elements"] ?? [];
  if (!Array.isArray(elements)) throw new GitOpsError(GITOPS_ERROR.invalid, "elements must be a list", { ...where, field: `${field}.elements` });
  const out: Params[] = [];
  elements.forEach((element: unknown, i) => {
    const at = `${field}.elements[${i}]`;
    if (!isPlainObject(element)) throw new GitOpsError(GITOPS_ERROR.invalid, "each element must be an object", { ...where, field: at });
    if (ctx.mode.goTemplate) {
      out.push(cloneJson(element));
      return;
    }
    const params: Params = {};
    for (const [key, value] of Object.entries(element)) {
      if (key === "values") {
        if (!isPlainObject(value)) throw new GitOpsError(GITOPS_ERROR.invalid, "error parsing values map", { ...where, field: `${at}.values` });
        for (const [k, v] of Object.entries(value)) {
          if (typeof v !== "string") {
            throw new GitOpsError(GITOPS_ERROR.invalid, "error parsing value as string (fasttemplate mode takes only strings; set goTemplate: true)", {
              ...where,
              field: `${at}.values.${k}`,
            });
          }
          params[`values.${k}`] = v;
        }
      } else {
        if (typeof value !== "string") {
          throw new GitOpsError(GITOPS_ERROR.invalid, "error parsing value as string (fasttemplate mode takes only strings; set goTemplate: true)", {
            ...where,
            field: `${at}.${key}`,
          });
        }
        params[key] = value;
      }
    }
    out.push(params);
  });
  const elementsYaml = spec["elementsYaml"];
  if (typeof elementsYaml === "string" && elementsYaml !== "") {
    let parsed: unknown;
    try {
      parsed = parseYaml(elementsYaml, { ...KUBE_YAML_OPTIONS, ...KUBE_TO_JS_OPTIONS });
    } catch (err) {
      throw new GitOpsError(GITOPS_ERROR.parse, `elementsYaml does not parse: ${(err as Error).message}`, { ...where, field: `${field}.elementsYaml` });
    }
    if (parsed === null || parsed === undefined) return out;
    if (!Array.isArray(parsed) || !parsed.every(isPlainObject)) {
      throw new GitOpsError(GITOPS_ERROR.invalid, "elementsYaml must be a YAML list of objects", { ...where, field: `${field}.elementsYaml` });
    }
    out.push(...(parsed as Params[]));
  }
  return out;
}
