import type { Values } from "./chart.js";
import { HELM_ERROR, HelmError } from "./helm-errors.js";
import { readYamlMap, define } from "./helm-yaml.js";
import { parseSet, StrvalsError } from "./strvals.js";
import { isTable } from "./values-coalesce.js";

/**
 * The user's value layers, as Helm's `values.Options` holds them. Helm applies them in this fixed
 * order whatever the order on the command line: every values file (`-f`), then `--set-json`,
 * `--set`, `--set-string`, `--set-file`, `--set-literal`. Argo CD's `values`/`valuesObject` are
 * one more values file after its `valueFiles`; its `parameters` are `--set` (or `--set-string`
 * with forceString) and `fileParameters` are `--set-file`.
 */
export interface ValueLayers {
  /** `-f/--values`, in order: the name (for errors) and the YAML text. */
  readonly valueFiles?: ReadonlyArray<{ readonly name: string; readonly text: string }>;
  readonly setJson?: readonly string[];
  readonly set?: readonly string[];
  readonly setString?: readonly string[];
  /** `--set-file key=path`; needs `readFile`. */
  readonly setFile?: readonly string[];
  readonly setLiteral?: readonly string[];
}

export interface MergeValueLayersOptions {
  /** Reads a `--set-file` path (I/O belongs to the caller: the CLI reads the disk, Argo the repo). */
  readonly readFile?: (path: string) => string;
}

/** `values.Options.MergeValues`: one values map from all layers. Throws HELM_OPTIONS_INVALID with Helm's wording. */
export function mergeValueLayers(layers: ValueLayers, options: MergeValueLayersOptions = {}): Values {
  let base: Values = {};
  for (const f of layers.valueFiles ?? []) {
    let current: Values;
    try {
      current = readYamlMap(f.text);
    } catch (err) {
      throw new HelmError(HELM_ERROR.options, `failed to parse ${f.name}: ${err instanceof Error ? err.message : String(err)}`, { file: f.name, line: (err as { line?: number }).line });
    }
    base = mergeMaps(base, current);
  }
  const apply = (list: readonly string[] | undefined, flag: string, mode: "typed" | "string" | "file" | "json"): void => {
    for (const value of list ?? []) {
      try {
        parseSet(value, base, { mode, readFile: options.readFile });
      } catch (err) {
        if (!(err instanceof StrvalsError) && !(err instanceof HelmError) && mode !== "file") throw err;
        const detail = err instanceof Error ? err.message : String(err);
        const message = flag === "--set-json" ? `failed parsing --set-json data ${value}` : `failed parsing ${flag} data: ${detail}`;
        throw new HelmError(HELM_ERROR.options, message, { field: flag, cause: err });
      }
    }
  };
  apply(layers.setJson, "--set-json", "json");
  apply(layers.set, "--set", "typed");
  apply(layers.setString, "--set-string", "string");
  if ((layers.setFile ?? []).length > 0 && options.readFile === undefined) {
    throw new HelmError(HELM_ERROR.options, "--set-file needs a file reader", { field: "--set-file" });
  }
  const readFile = options.readFile;
  for (const value of layers.setFile ?? []) {
    try {
      parseSet(value, base, { mode: "file", readFile: (p) => (readFile === undefined ? "" : readFile(p)) });
    } catch (err) {
      if (err instanceof HelmError) throw err;
      throw new HelmError(HELM_ERROR.options, `failed parsing --set-file data: ${err instanceof Error ? err.message : String(err)}`, { field: "--set-file" });
    }
  }
  for (const value of layers.setLiteral ?? []) {
    const eq = value.indexOf("=");
    if (eq < 0) throw new HelmError(HELM_ERROR.options, `failed parsing --set-literal data: key ${JSON.stringify(value)} has no value`, { field: "--set-literal" });
    setLiteral(base, value.slice(0, eq), value.slice(eq + 1));
  }
  return base;
}

/** `--set-literal a.b=v`: the value verbatim, the key split on dots. */
function setLiteral(base: Values, key: string, value: string): void {
  const parts = key.split(".");
  let cur = base;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (!isTable(next)) define(cur, p, {});
    cur = cur[p] as Values;
  }
  define(cur, parts[parts.length - 1] ?? "", value);
}

/** Helm's `mergeMaps`: `b` over `a`, tables merged deeply. */
export function mergeMaps(a: Values, b: Values): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(a)) define(out, k, v);
  for (const [k, v] of Object.entries(b)) {
    const existing = out[k];
    if (isTable(v) && isTable(existing)) define(out, k, mergeMaps(existing, v));
    else define(out, k, v);
  }
  return out;
}
