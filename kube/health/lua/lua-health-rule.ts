import { groupOf, type KubeObject } from "../../kube-object.js";
import type { HealthResult } from "../health-status.js";
import { luaHealth } from "./lua-health.js";
import { findLuaHealthScript, type LuaHealthScripts } from "./lua-health-scripts.js";
import type { LuaLimits, LuaRuntime } from "./lua-runtime.js";

export interface LuaHealthRuleOptions {
  readonly runtime: LuaRuntime;
  readonly scripts: LuaHealthScripts;
  /** Milliseconds clock; scripts see it as `os.time()`. */
  readonly now: () => number;
  readonly limits?: LuaLimits | undefined;
}

/** A rating with the rule that gave it: `lua:<key>`, the Argo key the script was found under. */
export type LuaHealthResult = HealthResult;

/**
 * The health rule for objects that have a Lua script: undefined for kinds without one (and for
 * Secrets, which scripts never see), else the script's rating (Unknown when it fails).
 */
export function luaHealthRule(options: LuaHealthRuleOptions): (obj: KubeObject) => LuaHealthResult | undefined {
  return (obj) => {
    const found = findLuaHealthScript(options.scripts, groupOf(obj.apiVersion), obj.kind);
    if (found === undefined) return undefined;
    const rule = `lua:${found.key}`;
    const rated = luaHealth(found.script, obj, { runtime: options.runtime, rule, now: Math.floor(options.now() / 1000), limits: options.limits });
    return rated === undefined ? undefined : { ...rated, rule };
  };
}
