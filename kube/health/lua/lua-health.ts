import type { KubeObject } from "../../kube-object.js";
import { HEALTH, type HealthStatus, type HealthStatusCode } from "../health-status.js";
import type { LuaJson } from "./lua-values.js";
import type { LuaLimits, LuaRuntime } from "./lua-runtime.js";

/** Longest message a script may set; the rest is cut (status reports carry short messages). */
export const MAX_LUA_MESSAGE = 1024;

const VALID: ReadonlySet<string> = new Set<string>(Object.values(HEALTH));

/** Argo CD's message for a status it does not know (util/lua/lua.go `invalidHealthStatus`). */
export const INVALID_HEALTH_STATUS = "Lua returned an invalid health status";

export interface LuaHealthRun {
  readonly runtime: LuaRuntime;
  /** The rule name (`lua:cert-manager.io/Certificate`); the result carries it, messages do not repeat it. */
  readonly rule: string;
  /** Seconds since the epoch, for `os.time()`. */
  readonly now: number;
  readonly limits?: LuaLimits | undefined;
}

function cut(text: string): string {
  return text.length <= MAX_LUA_MESSAGE ? text : `${text.slice(0, MAX_LUA_MESSAGE - 1)}…`;
}

/**
 * Argo's `json.Unmarshal` of the encoded table into `HealthStatus`: an array, or a status or
 * message that is not a string, is a type error, which Argo turns into an empty HealthStatus
 * (undefined here); an object gives its fields.
 */
function asHealthFields(value: LuaJson[] | { [key: string]: LuaJson }): { status: string; message: string } | undefined {
  if (Array.isArray(value)) return undefined;
  let status = "";
  let message = "";
  // Go's encoding/json matches field names case-insensitively.
  for (const [key, v] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (lower !== "status" && lower !== "message") continue;
    if (v !== null && typeof v !== "string") return undefined;
    if (lower === "status") status = v ?? "";
    else message = v ?? "";
  }
  return { status, message };
}

/**
 * Rates `obj` with an Argo CD health script. Returns undefined when Argo would get an empty
 * HealthStatus (the script returns nil, an empty table or fields of the wrong type): the next
 * rule then decides. Never throws for anything the script does: a failure is Unknown with the reason.
 */
export function luaHealth(script: string, obj: KubeObject, run: LuaHealthRun): HealthStatus | undefined {
  const result = run.runtime.run(script, { chunkName: "health.lua", globals: { obj }, now: run.now, limits: run.limits });
  if (!result.ok) return { status: HEALTH.unknown, message: cut(`health script failed: ${result.message}`) };
  const value = result.value;
  if (value === null) return undefined;
  if (typeof value !== "object") return { status: HEALTH.unknown, message: `expect table output from Lua script, not ${typeof value}` };
  const fields = asHealthFields(value);
  if (fields === undefined) return undefined;
  if (!VALID.has(fields.status)) return { status: HEALTH.unknown, message: INVALID_HEALTH_STATUS };
  return { status: fields.status as HealthStatusCode, ...(fields.message === "" ? {} : { message: cut(fields.message) }) };
}
