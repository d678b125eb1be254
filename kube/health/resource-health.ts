import { isRecord, type KubeObject } from "../kube-object.js";
import { builtinHealth } from "./builtin-health.js";
import { list, str } from "./fields.js";
import { HEALTH, type HealthResult, type HealthStatus } from "./health-status.js";
import { applyHealthRule, HEALTH_RULE_ANNOTATION, parseHealthRule, type HealthRule } from "./jsonpath-rule.js";
import { isCustomResource, kstatusHealth } from "./kstatus-rule.js";

/** Argo CD keeps a hook's object rated while its own finalizer holds it (gitops-engine `hook.HookFinalizer`). */
const HOOK_FINALIZER = "argocd.argoproj.io/hook-finalizer";

export interface HealthOptions {
  /** Rules configured for whole kinds (`group/Kind`), checked before the built-ins (Argo's resource customizations). */
  readonly overrides?: ReadonlyMap<string, HealthRule>;
  /**
   * User-provided rules for any kind (Lua health scripts), asked after the object's own annotation
   * and the configured overrides and before the built-ins, as Argo CD's resource customizations
   * override its built-in checks. Return undefined to fall through; a throw rates the object
   * Unknown with the error's message (gitops-engine does the same for a failing override).
   */
  readonly custom?: (obj: KubeObject) => HealthResult | undefined;
  /** Rate custom resources no other rule covers by kstatus conventions (default true). */
  readonly kstatus?: boolean;
}

const rated = (h: HealthStatus, rule: string): HealthResult => ({ ...h, rule });

function groupKind(obj: unknown): { group: string; kind: string } {
  const apiVersion = str(obj, "apiVersion") ?? "";
  const slash = apiVersion.indexOf("/");
  return { group: slash < 0 ? "" : apiVersion.slice(0, slash), kind: str(obj, "kind") ?? "" };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One object's health and the rule that rated it, or undefined when its kind has no health notion
 * (ConfigMaps, RBAC…), which does not count toward app health. Order, first answer wins:
 *  1. absent object: Missing; deletion pending (unless Argo's hook finalizer holds it): Progressing;
 *  2. the object's own `flotilla.dev/health` annotation (`annotation:jsonpath`);
 *  3. a configured override for its group/kind (`override:<group>/<Kind>`);
 *  4. the custom hook (Lua scripts, `lua:<group>/<Kind>`);
 *  5. gitops-engine's built-in check for the kind (`builtin:<Kind>`);
 *  6. for a custom resource, kstatus conventions (`kstatus`).
 * Never throws, whatever the object holds: a malformed rule or a failing hook rates it Degraded or
 * Unknown with the reason.
 */
export function resourceHealth(obj: KubeObject | undefined, options: HealthOptions = {}): HealthResult | undefined {
  if (obj === undefined) return { status: HEALTH.missing, rule: "missing" };
  if (!isRecord(obj)) return { status: HEALTH.unknown, message: "not a Kubernetes object", rule: "none" };
  const deleting = str(obj, "metadata", "deletionTimestamp");
  if (deleting !== undefined && deleting !== "" && !list(obj, "metadata", "finalizers").includes(HOOK_FINALIZER)) {
    return { status: HEALTH.progressing, message: "Pending deletion", rule: "deletion" };
  }
  const { group, kind } = groupKind(obj);
  const own = str(obj, "metadata", "annotations", HEALTH_RULE_ANNOTATION);
  if (own !== undefined) {
    try {
      return rated(applyHealthRule(obj, parseHealthRule(own)), "annotation:jsonpath");
    } catch (err) {
      return { status: HEALTH.degraded, message: errorText(err), rule: "annotation:jsonpath" };
    }
  }
  const override = options.overrides?.get(`${group}/${kind}`);
  if (override !== undefined) {
    try {
      return rated(applyHealthRule(obj, override), `override:${group}/${kind}`);
    } catch (err) {
      return { status: HEALTH.unknown, message: errorText(err), rule: `override:${group}/${kind}` };
    }
  }
  if (options.custom !== undefined) {
    try {
      const custom = options.custom(obj);
      if (custom !== undefined) return custom;
    } catch (err) {
      return { status: HEALTH.unknown, message: errorText(err), rule: `custom:${group}/${kind}` };
    }
  }
  const builtin = builtinHealth(obj, group, kind);
  if (builtin !== undefined) return builtin;
  if (options.kstatus !== false && isCustomResource(group, kind)) return kstatusHealth(obj);
  return undefined;
}
