import { parseAllDocuments } from "yaml";
import { KubeError, KUBE_ERROR } from "../../kube-errors.js";
import { isRecord } from "../../kube-object.js";

/**
 * Health scripts in Argo CD's two forms (docs/health.md):
 *
 * - files: `<group>/<kind>/health.lua` (a core kind: `<kind>/health.lua`), as argo-cd's
 *   `resource_customizations/`; `_` in a directory name is a wildcard (`_.crossplane.io/_`);
 * - overrides: an `argocd-cm`-style ConfigMap with `resource.customizations.health.<group>_<kind>`
 *   keys (`<kind>` alone for the core group, `all` for every kind; `*` wildcards), or the legacy
 *   `resource.customizations` key (YAML: `<group>/<kind>: {health.lua: ...}`).
 *
 * As in Argo CD an override wins over a file, an exact key over a wildcard.
 */
export interface LuaHealthScripts {
  /** By Argo key (`group/Kind`, or `Kind` for the core group); keys may hold `*`. */
  readonly overrides: ReadonlyMap<string, string>;
  readonly files: ReadonlyMap<string, string>;
}

export const NO_LUA_HEALTH_SCRIPTS: LuaHealthScripts = { overrides: new Map(), files: new Map() };

/** Bounds on what a fleet may ship: a script is code every spoke runs, and it travels in every bundle. */
export const LUA_HEALTH_LIMITS = { scriptBytes: 64 * 1024, totalBytes: 1024 * 1024, scripts: 1000 } as const;

export const HEALTH_SCRIPT_FILE = "health.lua";
const CUSTOMIZATIONS_KEY = "resource.customizations";
const HEALTH_KEY_PREFIX = "resource.customizations.health.";

/** Argo's `GetConfigMapKey`: `group/Kind`, or `Kind` for the core group. */
export function argoKey(group: string, kind: string): string {
  return group === "" ? kind : `${group}/${kind}`;
}

/** Kinds no script ever rates: a script may read every field it is given, and a Secret's are secret. */
export function isLuaExempt(group: string, kind: string): boolean {
  return group === "" && kind === "Secret";
}

function globToRegExp(pattern: string, crossSlash: boolean): RegExp {
  const any = crossSlash ? ".*" : "[^/]*";
  const one = crossSlash ? "." : "[^/]";
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, any).replace(/\?/g, one);
  return new RegExp(`^${body}$`, "u");
}

function wildcard(map: ReadonlyMap<string, string>, key: string, crossSlash: boolean): [string, string] | undefined {
  // Sorted so the pick does not depend on file or map order (Argo sorts its built-in globs).
  for (const pattern of [...map.keys()].filter((k) => k.includes("*") || k.includes("?")).sort()) {
    if (globToRegExp(pattern, crossSlash).test(key)) return [pattern, map.get(pattern) ?? ""];
  }
  return undefined;
}

/** The script for a kind and the key it was found under (`lua:<key>` names it), Argo's lookup order. */
export function findLuaHealthScript(scripts: LuaHealthScripts, group: string, kind: string): { key: string; script: string } | undefined {
  if (isLuaExempt(group, kind)) return undefined;
  const key = argoKey(group, kind);
  const exactOverride = scripts.overrides.get(key);
  if (exactOverride !== undefined) return { key, script: exactOverride };
  const overrideGlob = wildcard(scripts.overrides, key, true);
  if (overrideGlob !== undefined) return { key: overrideGlob[0], script: overrideGlob[1] };
  const exactFile = scripts.files.get(key);
  if (exactFile !== undefined) return { key, script: exactFile };
  const fileGlob = wildcard(scripts.files, key, false);
  return fileGlob === undefined ? undefined : { key: fileGlob[0], script: fileGlob[1] };
}

function invalid(message: string, file: string, field?: string): KubeError {
  return new KubeError(KUBE_ERROR.invalidHealthScript, message, { file, ...(field === undefined ? {} : { field }), userError: true });
}

/** `cert-manager.io_Certificate` → `cert-manager.io/Certificate`; `Pod` → `Pod`; `all` → `*\/*` (Argo's convertToOverrideKey). */
function overrideKey(groupKind: string, file: string, field: string): string {
  const parts = groupKind.split("_");
  if (parts.length === 2) return `${parts[0] ?? ""}/${parts[1] ?? ""}`;
  if (parts.length === 1 && groupKind !== "") return groupKind === "all" ? "*/*" : groupKind;
  throw invalid(`key must be resource.customizations.health.<group>_<kind> or .<kind>, got ${JSON.stringify(groupKind)}`, file, field);
}

/** A directory's path (below the health root) as an Argo key: `_` segments are wildcards, as Argo's built-in globs. */
function fileKey(dir: string): string {
  return dir
    .split("/")
    .map((segment) => segment.replace(/_/g, "*"))
    .join("/");
}

export interface HealthScriptFile {
  /** Path below the health root, `/`-separated. */
  readonly path: string;
  readonly text: string;
}

function addOverridesFromConfigMap(data: Record<string, unknown>, file: string, into: Map<string, string>): void {
  for (const [key, value] of Object.entries(data)) {
    const field = `data.${key}`;
    if (key.startsWith(HEALTH_KEY_PREFIX)) {
      if (typeof value !== "string") throw invalid("a health script must be a string", file, field);
      into.set(overrideKey(key.slice(HEALTH_KEY_PREFIX.length), file, field), value);
    } else if (key === CUSTOMIZATIONS_KEY) {
      if (typeof value !== "string") throw invalid("resource.customizations must be a YAML string", file, field);
      let legacy: unknown;
      try {
        legacy = parseAllDocuments(value)[0]?.toJS();
      } catch {
        throw invalid("resource.customizations is not valid YAML", file, field);
      }
      if (legacy === undefined || legacy === null) continue;
      if (!isRecord(legacy)) throw invalid("resource.customizations must map group/kind to customizations", file, field);
      for (const [groupKind, custom] of Object.entries(legacy)) {
        if (!isRecord(custom)) continue;
        const script = custom["health.lua"];
        if (script === undefined) continue;
        if (typeof script !== "string") throw invalid("health.lua must be a string", file, `${field}.${groupKind}`);
        // Split keys (above) win over the legacy key, as in Argo's settings manager.
        if (!into.has(groupKind)) into.set(groupKind, script);
      }
    }
  }
}

function addOverridesFromYaml(text: string, file: string, into: Map<string, string>): void {
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch {
    throw invalid("not valid YAML", file);
  }
  for (const doc of docs) {
    if (doc.errors.length > 0) throw invalid(`not valid YAML: ${doc.errors[0]?.message ?? ""}`, file);
    const value: unknown = doc.toJS();
    if (!isRecord(value) || value["kind"] !== "ConfigMap") continue;
    const data = value["data"];
    if (data === undefined || data === null) continue;
    if (!isRecord(data)) throw invalid("data must be a mapping", file, "data");
    addOverridesFromConfigMap(data, file, into);
  }
}

/**
 * Reads a health directory's files (paths below its root). Scripts are `.../health.lua` one or two
 * directories deep; `*.yaml`/`*.yml`/`*.json` files at the root are read for ConfigMaps; anything
 * else (Argo's `health_test.yaml`, `testdata/`, `actions/`) is ignored. Throws KUBE_INVALID_HEALTH_SCRIPT
 * naming the file for a malformed entry or one past LUA_HEALTH_LIMITS.
 */
export function parseLuaHealthScripts(files: Iterable<HealthScriptFile>): LuaHealthScripts {
  const overrides = new Map<string, string>();
  const scripts = new Map<string, string>();
  let total = 0;
  for (const { path, text } of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const segments = path.split("/");
    const name = segments[segments.length - 1] ?? "";
    const isScript = name === HEALTH_SCRIPT_FILE && (segments.length === 2 || segments.length === 3);
    const isConfig = segments.length === 1 && /\.(ya?ml|json)$/iu.test(name);
    if (!isScript && !isConfig) continue;
    if (Buffer.byteLength(text) > LUA_HEALTH_LIMITS.scriptBytes && isScript) {
      throw invalid(`health script is larger than ${LUA_HEALTH_LIMITS.scriptBytes} bytes`, path);
    }
    if (isScript) scripts.set(fileKey(segments.slice(0, -1).join("/")), text);
    else addOverridesFromYaml(text, path, overrides);
    total += Buffer.byteLength(text);
  }
  for (const [key, script] of overrides) {
    if (Buffer.byteLength(script) > LUA_HEALTH_LIMITS.scriptBytes) throw invalid(`health script for ${key} is larger than ${LUA_HEALTH_LIMITS.scriptBytes} bytes`, key);
  }
  if (overrides.size + scripts.size > LUA_HEALTH_LIMITS.scripts) throw invalid(`more than ${LUA_HEALTH_LIMITS.scripts} health scripts`, ".");
  if (total > LUA_HEALTH_LIMITS.totalBytes) throw invalid(`health scripts add up to more than ${LUA_HEALTH_LIMITS.totalBytes} bytes`, ".");
  return { overrides, files: scripts };
}
