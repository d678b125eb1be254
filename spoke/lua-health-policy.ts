import { errorMessage, type Clock, type Logger } from "../core/index.js";
import {
  findLuaHealthScript,
  groupOf,
  HEALTH,
  luaHealthRule,
  LuaRuntime,
  NO_LUA_HEALTH_SCRIPTS,
  type HealthResult,
  type KubeObject,
  type LuaHealthScripts,
  type LuaLimits,
} from "../kube/index.js";

export interface LuaHealthPolicyOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** A loaded runtime; without one the policy loads the process-wide runtime itself. */
  readonly runtime?: LuaRuntime | undefined;
  readonly limits?: LuaLimits | undefined;
  /** The runtime became ready: objects rated "waiting" should be rated again. */
  readonly onReady?: () => void;
}

/**
 * The Lua health scripts of the desired state the spoke enforces, as a `HealthOptions.custom`
 * hook: every rating (reconcile, wave waits, watch events) uses the scripts of the bundle last
 * installed. Scripts come from the fleet repository inside the signed bundle, so they are as
 * trusted as the manifests; the sandbox still bounds what each run may take.
 */
export class LuaHealthPolicy {
  readonly #o: LuaHealthPolicyOptions;
  #runtime: LuaRuntime | undefined;
  #scripts: LuaHealthScripts = NO_LUA_HEALTH_SCRIPTS;
  #rule: ((obj: KubeObject) => HealthResult | undefined) | undefined;

  constructor(options: LuaHealthPolicyOptions) {
    this.#o = options;
    this.#runtime = options.runtime;
  }

  /** Installs the scripts of a newly verified desired state (none: built-in rules only). */
  set(scripts: LuaHealthScripts | undefined): void {
    this.#scripts = scripts ?? NO_LUA_HEALTH_SCRIPTS;
    this.#rule = undefined;
    if (this.#scripts.files.size + this.#scripts.overrides.size > 0 && this.#runtime === undefined) this.#load();
  }

  #load(): void {
    LuaRuntime.load().then(
      (runtime) => {
        this.#runtime = runtime;
        this.#rule = undefined;
        this.#o.onReady?.();
      },
      (err: unknown) => {
        this.#o.logger.error({ error: errorMessage(err) }, "the Lua runtime did not load; objects with health scripts stay Unknown");
      },
    );
  }

  /** The script's rating, or undefined when no script covers the kind (the next rule decides). */
  rate(obj: KubeObject): HealthResult | undefined {
    if (this.#scripts.files.size + this.#scripts.overrides.size === 0) return undefined;
    const runtime = this.#runtime;
    if (runtime === undefined) {
      const found = findLuaHealthScript(this.#scripts, groupOf(obj.apiVersion), obj.kind);
      return found === undefined ? undefined : { status: HEALTH.progressing, message: "waiting for the Lua runtime", rule: `lua:${found.key}` };
    }
    this.#rule ??= luaHealthRule({ runtime, scripts: this.#scripts, now: () => this.#o.clock.now(), limits: this.#o.limits });
    return this.#rule(obj);
  }
}
