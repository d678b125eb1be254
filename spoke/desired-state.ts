import { createHash } from "node:crypto";
import type { BundleHealthRead } from "../protocol/index.js";
import { canonicalJson, parseIgnoreDifferences, parseSyncOptions, type IgnoreDifferences, type KubeObject, type LuaHealthScripts, type SyncOptions } from "../kube/index.js";

/** One app of a bundle as the spoke uses it (normalised from the wire's loose app object). */
export interface DesiredApp {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly objects: readonly KubeObject[];
  readonly syncOptions: SyncOptions;
  /** Argo `syncPolicy.automated.prune`; without `automated`, Flotilla still prunes only when `prune` is set. */
  readonly prune: boolean;
  readonly selfHeal: boolean;
  readonly preserveResourcesOnDeletion: boolean;
  /** Argo's `ignoreDifferences` (jsonPointers): fields others own, left out of drift (and of the apply with RespectIgnoreDifferences). */
  readonly ignoreDifferences: IgnoreDifferences;
  /** sha256 of the app's canonical JSON, computed by the spoke (the same for the hub and the Git paths). */
  readonly digest: string;
}

/** What the spoke enforces: a verified bundle plus where it came from. */
export interface DesiredState {
  readonly generation: number;
  readonly revision: string;
  readonly bundleDigest: string;
  readonly apps: readonly DesiredApp[];
  /** "hub" for a verified envelope, "git" for standalone bootstrap. */
  readonly source: "hub" | "git";
  /** The fleet's Lua health scripts (the bundle's `health` field); absent when it has none. */
  readonly luaHealth?: LuaHealthScripts | undefined;
  /** Why the bundle's health field was not used (a version this spoke does not know), for the status report. */
  readonly healthIssue?: string | undefined;
}

/** A bundle's `health` field (or a render's) as the spoke rates with it. */
export function luaHealthOf(read: BundleHealthRead): Pick<DesiredState, "luaHealth" | "healthIssue"> {
  if (read.kind === "none") return {};
  if (read.kind === "unsupported") return { healthIssue: read.message };
  return { luaHealth: { overrides: new Map(Object.entries(read.overrides)), files: new Map(Object.entries(read.files)) } };
}

function rec(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Normalises one wire app (protocol `appBundleSchema`, gitops `AppRender`) into a DesiredApp. */
export function desiredApp(app: Record<string, unknown>): DesiredApp {
  const policy = rec(app.syncPolicy);
  const automated = policy.automated === undefined ? undefined : rec(policy.automated);
  const syncOptions = Array.isArray(policy.syncOptions) ? policy.syncOptions.filter((s): s is string => typeof s === "string") : [];
  const objects = (Array.isArray(app.objects) ? app.objects : []) as KubeObject[];
  const namespace = typeof app.namespace === "string" && app.namespace !== "" ? app.namespace : undefined;
  const prune = automated?.prune === true || policy.prune === true;
  const selfHeal = automated?.selfHeal === true || policy.selfHeal === true;
  const preserve = app.preserveResourcesOnDeletion === true || policy.preserveResourcesOnDeletion === true;
  const name = String(app.name);
  const ignore = Array.isArray(app.ignoreDifferences) && app.ignoreDifferences.length > 0 ? app.ignoreDifferences : undefined;
  // ignoreDifferences joins the digest only when set, so apps without it keep the digests they had.
  const digest = `sha256:${createHash("sha256")
    .update(canonicalJson({ name, namespace: namespace ?? null, objects, syncOptions, prune, selfHeal, preserve, ...(ignore === undefined ? {} : { ignoreDifferences: ignore }) }))
    .digest("hex")}`;
  return { name, namespace, objects, syncOptions: parseSyncOptions(syncOptions), prune, selfHeal, preserveResourcesOnDeletion: preserve, ignoreDifferences: parseIgnoreDifferences(ignore), digest };
}
