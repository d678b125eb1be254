import { activeBudget, goFunc, goJson, goQuote, isTemplateError, toYaml, type GoFunction, type TemplateSet } from "../template/index.js";
import { readYaml, HelmYamlError } from "./helm-yaml.js";
import { isTable } from "./values-coalesce.js";
import { fromToml } from "./toml-decode.js";
import { toToml } from "./toml-encode.js";

/**
 * Helm's own template functions (pkg/engine/funcs.go and engine.go), on top of Sprig: the
 * encoders swallow errors as Helm's do, `required` and `fail` mark their message so the render
 * can report it as Helm does (`execution error at (file:line:col): message`), `lookup` returns an
 * empty map (no cluster, as in `helm template`), `getHostByName` returns "" (DNS disabled).
 */
export const HELM_ERR_START = "HELM_ERR_START";
export const HELM_ERR_END = "HELM_ERR_END";

/** Go's limit on the same template name nested in `include` (engine.go's recursionMaxNums). */
const RECURSION_MAX = 1000;

function tryYaml(s: string): unknown {
  return readYaml(s);
}

function errorText(err: unknown): string {
  if (err instanceof HelmYamlError) return `error converting YAML to JSON: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

export const HELM_FUNCS: Readonly<Record<string, GoFunction>> = {
  toYaml: goFunc(["any"], (v: unknown) => {
    try {
      return toYaml(v);
    } catch {
      return "";
    }
  }),
  toYamlPretty: goFunc(["any"], (v: unknown) => {
    try {
      return toYaml(v, { indentSeq: true });
    } catch {
      return "";
    }
  }),
  fromYaml: goFunc(["string"], (s: string) => {
    try {
      const v = tryYaml(s);
      if (v === null || v === undefined) return {};
      if (isTable(v)) return v;
      return { Error: `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(v) ? "array" : typeof v} into Go value of type map[string]interface {}` };
    } catch (err) {
      return { Error: errorText(err) };
    }
  }),
  fromYamlArray: goFunc(["string"], (s: string) => {
    try {
      const v = tryYaml(s);
      if (v === null || v === undefined) return [];
      if (Array.isArray(v)) return v as unknown[];
      return [`error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${isTable(v) ? "object" : typeof v} into Go value of type []interface {}`];
    } catch (err) {
      return [errorText(err)];
    }
  }),
  toJson: goFunc(["any"], (v: unknown) => {
    try {
      return goJson(v);
    } catch {
      return "";
    }
  }),
  fromJson: goFunc(["string"], (s: string) => {
    try {
      const v = JSON.parse(s) as unknown;
      if (v === null) return {};
      if (isTable(v)) return v;
      return { Error: `json: cannot unmarshal ${Array.isArray(v) ? "array" : typeof v} into Go value of type map[string]interface {}` };
    } catch (err) {
      return { Error: err instanceof Error ? err.message : String(err) };
    }
  }),
  fromJsonArray: goFunc(["string"], (s: string) => {
    try {
      const v = JSON.parse(s) as unknown;
      if (v === null) return [];
      if (Array.isArray(v)) return v as unknown[];
      return [`json: cannot unmarshal ${isTable(v) ? "object" : typeof v} into Go value of type []interface {}`];
    } catch (err) {
      return [err instanceof Error ? err.message : String(err)];
    }
  }),
  toToml: goFunc(["any"], (v: unknown) => {
    try {
      return toToml(v);
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }),
  fromToml: goFunc(["string"], (s: string) => fromToml(s)),
  required: goFunc(["string", "any"], (warn: string, val: unknown) => {
    if (val === null || val === undefined || val === "") throw new Error(HELM_ERR_START + warn + HELM_ERR_END);
    return val;
  }),
  fail: goFunc(["string"], (msg: string) => {
    throw new Error(HELM_ERR_START + msg + HELM_ERR_END);
  }),
  lookup: goFunc(["string", "string", "string", "string"], () => ({})),
  getHostByName: goFunc(["string"], () => ""),
};

/** Templates run by `include`/`tpl` report their own errors; the caller wraps them as Go does. */
function nested(err: unknown): never {
  if (isTemplateError(err) && (err.code === "TEMPLATE_BUDGET_EXCEEDED" || /exceeded maximum template depth/.test(err.message))) throw err;
  throw new Error(err instanceof Error ? err.message : String(err));
}

/**
 * `include` and `tpl`, bound to the set they run in (Helm re-injects both into each `tpl` clone,
 * so defines made inside a `tpl` text are visible to its `include`s). One counter per render.
 */
export function templateSetFuncs(): Readonly<Record<string, (set: TemplateSet) => GoFunction>> {
  const includedNames = new Map<string, number>();
  return {
    include: (set) =>
      goFunc(["string", "any"], (name: string, data: unknown) => {
        const n = includedNames.get(name) ?? 0;
        if (n > RECURSION_MAX) throw new Error(`rendering template has a nested reference name: ${name}: unable to execute template`);
        includedNames.set(name, n + 1);
        try {
          if (!set.has(name)) throw new Error(`template: no template ${goQuote(name)} associated with template "gotpl"`);
          return set.execute(name, data, activeBudget());
        } catch (err) {
          return nested(err);
        } finally {
          includedNames.set(name, (includedNames.get(name) ?? 1) - 1);
        }
      }),
    tpl: (set) =>
      goFunc(["string", "any"], (text: string, vals: unknown) => {
        let clone: TemplateSet;
        try {
          clone = set.extend("gotpl", text);
        } catch (err) {
          return nested(new Error(`cannot parse template ${goQuote(text)}: ${err instanceof Error ? err.message : String(err)}`));
        }
        let out: string;
        try {
          out = clone.execute("gotpl", vals, activeBudget());
        } catch (err) {
          if (isTemplateError(err) && err.code === "TEMPLATE_BUDGET_EXCEEDED") throw err;
          return nested(new Error(`error during tpl function execution for ${goQuote(text)}: ${err instanceof Error ? err.message : String(err)}`));
        }
        return out.replaceAll("<no value>", "");
      }),
  };
}
