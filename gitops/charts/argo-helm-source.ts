import { parse as parseYaml } from "yaml";
import { errorMessage } from "../../core/index.js";
import { isPlainObject } from "../generators/param-utils.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";

/** One `--set` / `--set-string` of Argo's `helm.parameters`. */
export interface HelmParameter {
  readonly name: string;
  readonly value: string;
  readonly forceString: boolean;
}

/**
 * Argo CD's `source.helm`, read and checked (field names as in Argo's ApplicationSourceHelm). Paths
 * are as written: value files resolve against the chart directory, or against another source of
 * the app when they start with `$<ref>/`.
 */
export interface ArgoHelmSource {
  readonly releaseName: string | undefined;
  readonly valueFiles: readonly string[];
  readonly ignoreMissingValueFiles: boolean;
  /**
   * `valuesObject` (as JSON text) when set, else `values` (Argo's ValuesYAML: valuesObject wins):
   * one more values file after `valueFiles`, read by the engine as Helm reads a values file.
   */
  readonly values: string | undefined;
  readonly parameters: readonly HelmParameter[];
  readonly fileParameters: readonly { readonly name: string; readonly path: string }[];
  readonly skipCrds: boolean;
  readonly skipSchemaValidation: boolean;
  readonly skipTests: boolean;
  readonly namespace: string | undefined;
  readonly kubeVersion: string | undefined;
  readonly apiVersions: readonly string[];
}

const KNOWN = new Set([
  "releaseName", "valueFiles", "ignoreMissingValueFiles", "values", "valuesObject", "parameters", "fileParameters",
  "skipCrds", "skipSchemaValidation", "skipTests", "namespace", "kubeVersion", "apiVersions", "version", "passCredentials",
]);

type Where = { readonly file?: string | undefined; readonly field: string };

/** Reads `source.helm`; undefined → every field at its default. Throws GITOPS_INVALID naming the field. */
export function readArgoHelmSource(raw: unknown, where: Where): ArgoHelmSource {
  const at = (field: string): Where => ({ ...where, field: `${where.field}.${field}` });
  const bad = (field: string, why: string): GitOpsError => new GitOpsError(GITOPS_ERROR.invalid, `helm.${field} ${why}`, at(field));
  const helm = raw === undefined || raw === null ? {} : raw;
  if (!isPlainObject(helm)) throw new GitOpsError(GITOPS_ERROR.invalid, "helm must be a map", where);
  for (const key of Object.keys(helm)) if (!KNOWN.has(key)) throw bad(key, "is not an Argo CD helm source field");
  const str = (field: string): string | undefined => {
    const v = helm[field];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") throw bad(field, "must be a string");
    return v;
  };
  const bool = (field: string): boolean => {
    const v = helm[field];
    if (v === undefined || v === null) return false;
    if (typeof v !== "boolean") throw bad(field, "must be true or false");
    return v;
  };
  const strings = (field: string): string[] => {
    const v = helm[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) throw bad(field, "must be a list of strings");
    return v as string[];
  };
  const version = str("version");
  if (version !== undefined && version !== "v3") throw bad("version", `${JSON.stringify(version)} is not supported (only v3)`);
  if (bool("passCredentials")) throw bad("passCredentials", "is not supported: credentials are scoped by URL prefix and never passed to other hosts");
  return {
    releaseName: str("releaseName"),
    valueFiles: strings("valueFiles"),
    ignoreMissingValueFiles: bool("ignoreMissingValueFiles"),
    values: inlineValues(helm, at),
    parameters: list(helm["parameters"], at("parameters"), (p, i) => {
      const name = p["name"];
      if (typeof name !== "string" || name === "") throw new GitOpsError(GITOPS_ERROR.invalid, `helm.parameters[${i}].name must be a non-empty string`, at(`parameters[${i}].name`));
      const value = p["value"] ?? "";
      if (typeof value !== "string") throw new GitOpsError(GITOPS_ERROR.invalid, `helm.parameters[${i}].value must be a string`, at(`parameters[${i}].value`));
      return { name, value, forceString: p["forceString"] === true };
    }),
    fileParameters: list(helm["fileParameters"], at("fileParameters"), (p, i) => {
      const name = p["name"];
      const path = p["path"];
      if (typeof name !== "string" || name === "" || typeof path !== "string" || path === "") {
        throw new GitOpsError(GITOPS_ERROR.invalid, `helm.fileParameters[${i}] needs a name and a path`, at(`fileParameters[${i}]`));
      }
      return { name, path };
    }),
    skipCrds: bool("skipCrds"),
    skipSchemaValidation: bool("skipSchemaValidation"),
    skipTests: bool("skipTests"),
    namespace: str("namespace"),
    kubeVersion: str("kubeVersion"),
    apiVersions: strings("apiVersions"),
  };
}

function list<T>(raw: unknown, where: Where, item: (p: Record<string, unknown>, i: number) => T): T[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new GitOpsError(GITOPS_ERROR.invalid, `${where.field.split(".").pop() ?? "list"} must be a list`, where);
  return raw.map((p: unknown, i) => {
    if (!isPlainObject(p)) throw new GitOpsError(GITOPS_ERROR.invalid, `entry ${i} must be a map`, { ...where, field: `${where.field}[${i}]` });
    return item(p, i);
  });
}

/** Argo's ValuesYAML: `valuesObject` if set, else `values` (a YAML string, or a map Argo also accepts). */
function inlineValues(helm: Record<string, unknown>, at: (f: string) => Where): string | undefined {
  const object = helm["valuesObject"];
  if (object !== undefined && object !== null) {
    if (!isPlainObject(object)) throw new GitOpsError(GITOPS_ERROR.invalid, "helm.valuesObject must be a map", at("valuesObject"));
    return JSON.stringify(object);
  }
  const values = helm["values"];
  if (values === undefined || values === null || values === "") return undefined;
  if (isPlainObject(values)) return JSON.stringify(values);
  if (typeof values !== "string") throw new GitOpsError(GITOPS_ERROR.invalid, "helm.values must be a YAML string", at("values"));
  let parsed: unknown;
  try {
    parsed = parseYaml(values, { maxAliasCount: 100 });
  } catch (err) {
    throw new GitOpsError(GITOPS_ERROR.parse, `helm.values does not parse: ${errorMessage(err)}`, at("values"));
  }
  if (parsed === null || parsed === undefined) return undefined;
  if (!isPlainObject(parsed)) throw new GitOpsError(GITOPS_ERROR.invalid, "helm.values must hold a YAML map", at("values"));
  return values;
}

/** The variables Argo CD substitutes in value file paths and parameters (its build environment). */
export interface ArgoBuildEnv {
  readonly ARGOCD_APP_NAME: string;
  readonly ARGOCD_APP_NAMESPACE: string;
  readonly ARGOCD_APP_PROJECT_NAME: string;
  readonly ARGOCD_APP_REVISION: string;
  readonly ARGOCD_APP_REVISION_SHORT: string;
  readonly ARGOCD_APP_SOURCE_REPO_URL: string;
  readonly ARGOCD_APP_SOURCE_PATH: string;
  readonly ARGOCD_APP_SOURCE_TARGET_REVISION: string;
  readonly KUBE_VERSION: string;
  readonly KUBE_API_VERSIONS: string;
}

/** Go's os.Expand as Argo's Env.Envsubst uses it: `$NAME` and `${NAME}`, unknown names become "", `$$` is `$`. */
export function envsubst(text: string, env: ArgoBuildEnv): string {
  if (!text.includes("$")) return text;
  const vars = env as unknown as Record<string, string>;
  return text.replace(/\$(\$|\{([^}]*)\}|[A-Za-z0-9_]+)/gu, (_m, token: string, braced: string | undefined) => {
    if (token === "$") return "$";
    const name = braced ?? token;
    return Object.hasOwn(vars, name) ? vars[name] ?? "" : "";
  });
}
