import { createHash } from "node:crypto";
import type { AppRender, ClusterRender, FleetRender, RenderError } from "../gitops/fleet-render-types.js";
import type { AppBundle, AppStatus, Bundle, BundleHealthV1, HealthStatus, SyncStatus } from "../protocol/index.js";
import { checkAllowlist, policyFor, type Allowlists } from "./allowlist.js";

/** Why an app for a cluster kept its last good state instead of the new render. */
export interface AppIssue {
  readonly cluster: string;
  readonly app: string;
  readonly appSet: string;
  readonly error: RenderError;
}

const bundles = new WeakMap<AppRender, AppBundle>();

/**
 * The app as it travels in a bundle: the renderer's fields, objects still sealed. One per AppRender
 * (renders are never mutated), so an app the incremental render kept is the same AppBundle in every
 * plan and its content key is computed once. Frozen objects (shared between clusters) are not copied.
 */
export function toAppBundle(app: AppRender): AppBundle {
  let bundle = bundles.get(app);
  if (bundle === undefined) {
    bundle = {
      name: app.name,
      appSet: app.appSet,
      namespace: app.namespace,
      project: app.project,
      labels: { ...app.labels },
      source: { ...app.source },
      syncPolicy: { ...app.syncPolicy, syncOptions: [...app.syncPolicy.syncOptions] },
      ignoreDifferences: [...app.ignoreDifferences],
      digest: app.digest,
      objects: Object.isFrozen(app.objects) && app.objects.every((o) => Object.isFrozen(o)) ? (app.objects as AppBundle["objects"]) : app.objects.map((o) => ({ ...o })),
    };
    bundles.set(app, bundle);
  }
  return bundle;
}

export function appSetOf(app: AppBundle): string {
  return typeof app.appSet === "string" ? app.appSet : "";
}

/** Digest over an ApplicationSet's apps for one cluster (names + app digests). */
export function appsDigest(apps: readonly AppBundle[]): string {
  const h = createHash("sha256");
  for (const a of [...apps].sort((x, y) => x.name.localeCompare(y.name))) h.update(`${a.name}=${a.digest ?? ""}\n`);
  return `sha256:${h.digest("hex")}`;
}

/**
 * The apps a cluster should get at the new revision, per ApplicationSet: an app that failed to
 * render or breaks its allowlist keeps its last published version (or is left out if it never had
 * one) and is reported, so one bad app never blocks the rest of the fleet. An ApplicationSet that
 * failed as a whole (`failedAppSets`, e.g. past its render budget) keeps every app it had.
 */
export function newAppsFor(
  cluster: ClusterRender,
  current: readonly AppBundle[],
  allowlists: Allowlists | undefined,
  failedAppSets: ReadonlySet<string> = new Set(),
): { byAppSet: Map<string, AppBundle[]>; issues: AppIssue[] } {
  const currentByName = new Map(current.map((a) => [a.name, a]));
  const byAppSet = new Map<string, AppBundle[]>();
  const issues: AppIssue[] = [];
  for (const app of cluster.apps) {
    let chosen: AppBundle | undefined;
    let error = app.error;
    if (error === undefined) {
      const violation = checkAllowlist(app, policyFor(app, allowlists));
      if (violation !== null) error = violation;
    }
    if (error === undefined) chosen = toAppBundle(app);
    else {
      issues.push({ cluster: cluster.name, app: app.name, appSet: app.appSet, error });
      chosen = currentByName.get(app.name);
    }
    const list = byAppSet.get(app.appSet) ?? [];
    if (chosen !== undefined) list.push(chosen);
    byAppSet.set(app.appSet, list);
  }
  for (const appSet of failedAppSets) {
    const kept = current.filter((a) => appSetOf(a) === appSet);
    if (kept.length > 0) byAppSet.set(appSet, kept);
  }
  return { byAppSet, issues };
}

/** The bundle for one cluster; `health` (the fleet's Lua health scripts) is the same for every cluster. */
export function bundleOf(cluster: string, revision: string, apps: readonly AppBundle[], health?: BundleHealthV1): Bundle {
  return {
    apiVersion: "flotilla.dev/v1",
    kind: "Bundle",
    cluster,
    revision,
    apps: [...apps].sort((a, b) => a.name.localeCompare(b.name)),
    ...(health === undefined ? {} : { health }),
  };
}

/** Several fleet repositories' health customizations as one set: a later repository's script wins for its key. */
export function mergeHealth(healths: readonly (BundleHealthV1 | undefined)[]): BundleHealthV1 | undefined {
  const present = healths.filter((h): h is BundleHealthV1 => h !== undefined);
  if (present.length <= 1) return present[0];
  return {
    version: 1,
    lua: {
      overrides: Object.assign({}, ...present.map((h) => h.lua.overrides)) as Record<string, string>,
      files: Object.assign({}, ...present.map((h) => h.lua.files)) as Record<string, string>,
    },
  };
}

/** gitops-engine's order: the later, the worse. */
const HEALTH_ORDER: readonly HealthStatus[] = ["Healthy", "Suspended", "Progressing", "Missing", "Degraded", "Unknown"];
const SYNC_ORDER: readonly SyncStatus[] = ["Synced", "OutOfSync", "Unknown"];

export function worstHealth(values: readonly HealthStatus[]): HealthStatus {
  return values.reduce<HealthStatus>((w, v) => (HEALTH_ORDER.indexOf(v) > HEALTH_ORDER.indexOf(w) ? v : w), "Healthy");
}

export function worstSync(values: readonly SyncStatus[]): SyncStatus {
  return values.reduce<SyncStatus>((w, v) => (SYNC_ORDER.indexOf(v) > SYNC_ORDER.indexOf(w) ? v : w), "Synced");
}

/** Health of a set of apps in a report; an app that failed to apply counts as Degraded, a missing one as Unknown. */
export function observedHealth(appNames: readonly string[], reported: readonly AppStatus[]): { health: HealthStatus; sync: SyncStatus } {
  const byName = new Map(reported.map((a) => [a.name, a]));
  const health: HealthStatus[] = [];
  const sync: SyncStatus[] = [];
  for (const name of appNames) {
    const app = byName.get(name);
    health.push(app === undefined ? "Unknown" : app.error !== undefined ? "Degraded" : app.health);
    sync.push(app?.sync ?? "Unknown");
  }
  return { health: worstHealth(health), sync: worstSync(sync) };
}

function healthOfRenders(renders: readonly FleetRender[]): Pick<FleetRender, "health" | "healthFailed"> {
  const health = mergeHealth(renders.map((r) => r.health));
  const failed = renders.some((r) => r.healthFailed === true);
  return { ...(health === undefined ? {} : { health }), ...(failed ? { healthFailed: true } : {}) };
}

/** Merges the renders of several fleet repositories: clusters by name, apps concatenated. */
export function mergeRenders(renders: readonly { source: string; render: FleetRender }[]): FleetRender {
  if (renders.length === 1 && renders[0] !== undefined) return renders[0].render;
  const clusters = new Map<string, ClusterRender>();
  for (const { render } of renders) {
    for (const c of render.clusters) {
      const prev = clusters.get(c.name);
      clusters.set(c.name, prev === undefined ? c : { ...prev, labels: { ...prev.labels, ...c.labels }, apps: [...prev.apps, ...c.apps] });
    }
  }
  return {
    revision: renders.map((r) => `${r.source}@${r.render.revision}`).join(",").slice(0, 256),
    clusters: [...clusters.values()],
    appSets: renders.flatMap((r) => r.render.appSets),
    errors: renders.flatMap((r) => r.render.errors),
    ...healthOfRenders(renders.map((r) => r.render)),
  };
}
