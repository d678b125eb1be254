import { annotationOf, isNamedByServer, isRecord, type KubeObject } from "./kube-object.js";

/** Argo CD's annotations, accepted as is, plus Flotilla's own aliases. */
export const ANNOTATION = {
  syncWave: "argocd.argoproj.io/sync-wave",
  flotillaSyncWave: "flotilla.dev/sync-wave",
  hook: "argocd.argoproj.io/hook",
  hookDeletePolicy: "argocd.argoproj.io/hook-delete-policy",
  syncOptions: "argocd.argoproj.io/sync-options",
  flotillaSyncOptions: "flotilla.dev/sync-options",
  helmHook: "helm.sh/hook",
  helmHookWeight: "helm.sh/hook-weight",
  helmHookDeletePolicy: "helm.sh/hook-delete-policy",
} as const;

export const SYNC_PHASE = { preSync: "PreSync", sync: "Sync", postSync: "PostSync", syncFail: "SyncFail" } as const;
export type SyncPhase = (typeof SYNC_PHASE)[keyof typeof SYNC_PHASE];
/** Argo's hook types: the four phases plus `Skip` (never applied). */
export type HookType = SyncPhase | "Skip";

export const HOOK_DELETE_POLICY = {
  hookSucceeded: "HookSucceeded",
  hookFailed: "HookFailed",
  beforeHookCreation: "BeforeHookCreation",
} as const;
export type HookDeletePolicy = (typeof HOOK_DELETE_POLICY)[keyof typeof HOOK_DELETE_POLICY];

/** The sync-options Flotilla understands, with Argo's names and defaults. */
export interface SyncOptions {
  /** `Prune=false`: never delete this object when it leaves Git. */
  readonly prune: boolean;
  /** `Prune=confirm` is treated as `Prune=false` (no one is there to confirm). */
  readonly pruneLast: boolean;
  /** `Replace=true`: PUT instead of server-side apply. */
  readonly replace: boolean;
  /** `Force=true`: with Replace, or when an immutable field changes, delete and recreate. */
  readonly force: boolean;
  /** `Delete=false`: keep the object when the app is deleted. */
  readonly deleteOnAppDeletion: boolean;
  /** `CreateNamespace=true` (app level): create the destination namespace. */
  readonly createNamespace: boolean;
  /** `ServerSideApply=false` is ignored: Flotilla always uses SSA unless Replace. */
  readonly skipDryRunOnMissingResource: boolean;
  /** `RespectIgnoreDifferences=true` (app level): fields in `ignoreDifferences` are left out of the apply too, not only of drift. */
  readonly respectIgnoreDifferences: boolean;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  prune: true,
  pruneLast: false,
  replace: false,
  force: false,
  deleteOnAppDeletion: true,
  createNamespace: false,
  skipDryRunOnMissingResource: false,
  respectIgnoreDifferences: false,
};

/** Parses `Key=value,Key2=value2` lists (annotation or app syncOptions array) over a base. */
export function parseSyncOptions(values: readonly string[], base: SyncOptions = DEFAULT_SYNC_OPTIONS): SyncOptions {
  const out = { ...base };
  for (const raw of values.flatMap((v) => v.split(","))) {
    const [keyRaw = "", valueRaw = ""] = raw.split("=", 2);
    const key = keyRaw.trim();
    const value = valueRaw.trim().toLowerCase();
    const on = value === "true";
    switch (key) {
      case "Prune":
        out.prune = value !== "false" && value !== "confirm";
        break;
      case "PruneLast":
        out.pruneLast = on;
        break;
      case "Replace":
        out.replace = on;
        break;
      case "Force":
        out.force = on;
        break;
      case "Delete":
        out.deleteOnAppDeletion = value !== "false" && value !== "confirm";
        break;
      case "CreateNamespace":
        out.createNamespace = on;
        break;
      case "SkipDryRunOnMissingResource":
        out.skipDryRunOnMissingResource = on;
        break;
      case "RespectIgnoreDifferences":
        out.respectIgnoreDifferences = on;
        break;
      default:
        // Unknown options (ServerSideApply, Validate, ApplyOutOfSyncOnly, …) do not change Flotilla's behaviour.
        break;
    }
  }
  return out;
}

/** An object's own sync options over the app's. */
export function objectSyncOptions(obj: KubeObject, appOptions: SyncOptions = DEFAULT_SYNC_OPTIONS): SyncOptions {
  const values = [annotationOf(obj, ANNOTATION.syncOptions), annotationOf(obj, ANNOTATION.flotillaSyncOptions)].filter(
    (v): v is string => v !== undefined,
  );
  return parseSyncOptions(values, appOptions);
}

/** `argocd.argoproj.io/sync-wave`, else `flotilla.dev/sync-wave`, else `helm.sh/hook-weight`, else 0 (Argo ignores unparsable values). */
export function syncWave(obj: KubeObject): number {
  for (const key of [ANNOTATION.syncWave, ANNOTATION.flotillaSyncWave, ANNOTATION.helmHookWeight]) {
    const text = annotationOf(obj, key);
    if (text === undefined) continue;
    const trimmed = text.trim();
    if (/^[+-]?\d+$/.test(trimmed)) return Number.parseInt(trimmed, 10);
  }
  return 0;
}

const HELM_HOOKS: Record<string, HookType> = {
  "pre-install": "PreSync",
  "pre-upgrade": "PreSync",
  "post-install": "PostSync",
  "post-upgrade": "PostSync",
};

const HOOK_TYPES: ReadonlySet<string> = new Set(["PreSync", "Sync", "PostSync", "SyncFail", "Skip"]);

/** The hook types an object declares; empty for a normal (non-hook) resource. */
export function hookTypes(obj: KubeObject): HookType[] {
  const argo = annotationOf(obj, ANNOTATION.hook);
  if (argo !== undefined) {
    return argo
      .split(",")
      .map((h) => h.trim())
      .filter((h): h is HookType => HOOK_TYPES.has(h));
  }
  const helm = annotationOf(obj, ANNOTATION.helmHook);
  // Helm marks CRDs `crd-install` too; gitops-engine does not count that as a hook.
  if (helm !== undefined && helm !== "crd-install") {
    const mapped = helm
      .split(",")
      .map((h) => HELM_HOOKS[h.trim()])
      .filter((h): h is HookType => h !== undefined);
    // A Helm hook of other types only (test, pre-delete, post-rollback, …) is still a hook for
    // gitops-engine, with no sync phase: Argo CD never applies it. Skip says the same here.
    return mapped.length === 0 ? ["Skip"] : [...new Set(mapped)];
  }
  return [];
}

/** A hook the API server names (`generateName`): the only objects that may come without a name (as in Argo CD). */
export function isGeneratedHook(obj: KubeObject): boolean {
  return isRecord(obj.metadata) && isNamedByServer(obj) && hookTypes(obj).length > 0;
}

/** Argo's default when none is given is BeforeHookCreation. */
export function hookDeletePolicies(obj: KubeObject): HookDeletePolicy[] {
  const text = annotationOf(obj, ANNOTATION.hookDeletePolicy) ?? annotationOf(obj, ANNOTATION.helmHookDeletePolicy);
  if (text === undefined) return [HOOK_DELETE_POLICY.beforeHookCreation];
  const helm: Record<string, HookDeletePolicy> = {
    "hook-succeeded": "HookSucceeded",
    "hook-failed": "HookFailed",
    "before-hook-creation": "BeforeHookCreation",
  };
  const out = text
    .split(",")
    .map((p) => p.trim())
    .map((p) => helm[p] ?? p)
    .filter((p): p is HookDeletePolicy => p === "HookSucceeded" || p === "HookFailed" || p === "BeforeHookCreation");
  return out.length === 0 ? [HOOK_DELETE_POLICY.beforeHookCreation] : [...new Set(out)];
}
