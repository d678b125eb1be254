import { isFlotillaError } from "../core/index.js";
import { parseLuaHealthScripts, type HealthScriptFile } from "../kube/health/lua/lua-health-scripts.js";
import { BUNDLE_HEALTH_VERSION, type BundleHealthV1 } from "../protocol/index.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { confinePath } from "./repo-path.js";
import type { RepoSnapshot } from "./repo-snapshot.js";

/** Where the fleet keeps its health customizations unless the hub says otherwise (docs/fleet-repo.md). */
export const DEFAULT_HEALTH_PATH = "health";

/** The fleet's health customizations: none, the wire form for every bundle, or why they do not load. */
export type FleetHealth = { readonly kind: "none" } | { readonly kind: "lua"; readonly health: BundleHealthV1 } | { readonly kind: "error"; readonly error: GitOpsError };

/**
 * Reads `<healthPath>/` of one revision: Argo CD's `<group>/<kind>/health.lua` files and
 * `argocd-cm`-style ConfigMaps (kube/health/lua/lua-health-scripts.ts). Pure over the snapshot.
 * Any malformed or oversized entry fails the whole directory (the hub then keeps shipping the last
 * good set): half a set of rules would rate some kinds by scripts and others by nothing.
 */
export function loadFleetHealth(snapshot: RepoSnapshot, healthPath: string = DEFAULT_HEALTH_PATH): FleetHealth {
  const root = confinePath(healthPath, { field: "healthPath" });
  const prefix = root === "" ? "" : `${root}/`;
  const files: HealthScriptFile[] = [];
  try {
    for (const file of snapshot.files()) {
      if (!file.startsWith(prefix)) continue;
      const path = file.slice(prefix.length);
      const depth = path.split("/").length;
      const wanted = (depth <= 3 && path.endsWith("/health.lua")) || (depth === 1 && /\.(ya?ml|json)$/iu.test(path));
      if (wanted) files.push({ path, text: snapshot.readText(file) });
    }
    if (files.length === 0) return { kind: "none" };
    const scripts = parseLuaHealthScripts(files);
    return { kind: "lua", health: { version: BUNDLE_HEALTH_VERSION, lua: { overrides: Object.fromEntries(scripts.overrides), files: Object.fromEntries(scripts.files) } } };
  } catch (err) {
    if (err instanceof GitOpsError) return { kind: "error", error: err };
    if (isFlotillaError(err)) {
      const file = err.file === undefined ? root : `${prefix}${err.file}`;
      return { kind: "error", error: new GitOpsError(GITOPS_ERROR.invalid, `health customizations: ${err.message}`, { file, field: err.field, cause: err }) };
    }
    throw err;
  }
}
