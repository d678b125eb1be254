import type { ClusterRender } from "../gitops/index.js";
import type { HealthStatus, SyncStatus } from "../protocol/index.js";
import type { HubService } from "./hub-service.js";
import { isAutomated } from "./app-sync.js";
import { affects, describeCondition } from "./fleet-conditions.js";
import { appSetOf, worstHealth, worstSync, type AppIssue } from "./fleet-planner.js";

/**
 * The hub's render and issues indexed by cluster, built once for many views: without it each
 * cluster's view searched the whole render, which made a fleet's views quadratic.
 */
export interface ViewIndex {
  readonly rendered: ReadonlyMap<string, ClusterRender>;
  readonly issues: ReadonlyMap<string, readonly AppIssue[]>;
}

export function viewIndex(hub: HubService): ViewIndex {
  const issues = new Map<string, AppIssue[]>();
  for (const i of hub.issues()) issues.set(i.cluster, [...(issues.get(i.cluster) ?? []), i]);
  return { rendered: new Map(hub.renderedClusters().map((c) => [c.name, c])), issues };
}

/** What the API shows of one app on one cluster (Argo's sync and health names). */
export interface AppView {
  readonly name: string;
  readonly appSet: string;
  readonly cluster: string;
  readonly sync: SyncStatus;
  readonly health: HealthStatus;
  /** The revision the spoke reports applied. */
  readonly revision: string | null;
  readonly desiredRevision: string | null;
  readonly message?: string | undefined;
  /** The spoke's apply error, or the hub's render/allowlist error for this app. */
  readonly error?: { readonly code: string; readonly message: string; readonly file?: string | undefined; readonly field?: string | undefined } | undefined;
  /** Seconds since the cluster's last status report (null: never reported). */
  readonly freshnessSeconds: number | null;
  /** Argo CD's sync policy: Automated apps get each commit, Manual ones wait for `flotilla app sync`. */
  readonly syncPolicy: "Automated" | "Manual";
  /** The hub holds the app (Flux's suspend): no new content until resumed. */
  readonly suspended: boolean;
  /** The id of the latest history entry (what `app rollback` counts from); null before the first publish. */
  readonly historyId: number | null;
}

export interface ClusterView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly inRepo: boolean;
  readonly connection: "Online" | "Offline";
  readonly lastSeen: string | null;
  readonly spokeVersion: string | null;
  readonly hasSealingCert: boolean;
  /** The spoke sent an age-encrypted key backup (GET /api/v1/clusters/:name/key-backup). */
  readonly hasKeyBackup: boolean;
  readonly desired: { readonly generation: number; readonly revision: string; readonly bundleDigest: string } | null;
  readonly applied: { readonly generation: number | null; readonly revision: string | null } | null;
  readonly sync: SyncStatus;
  readonly health: HealthStatus;
  readonly publishError?: string | undefined;
  readonly errors: readonly { readonly code: string; readonly message: string }[];
  /** Set while a fleet-level condition keeps HEAD from this cluster: it runs its last good state. */
  readonly behindHead: { readonly headRevision: string | null; readonly reasons: readonly string[] } | null;
  readonly apps: readonly AppView[];
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function appViews(hub: HubService, cluster: string, now: number, index?: ViewIndex): AppView[] {
  const entry = hub.registry.get(cluster);
  const state = hub.clusterState(cluster);
  const report = entry?.report;
  const reported = new Map((report?.apps ?? []).map((a) => [a.name, a]));
  const clusterIssues = index === undefined ? hub.issues().filter((i) => i.cluster === cluster) : (index.issues.get(cluster) ?? []);
  const issues = new Map(clusterIssues.map((i) => [i.app, i]));
  const desired = new Map((state?.bundle?.apps ?? []).map((a) => [a.name, a]));
  const rendered = (index === undefined ? hub.renderedClusters().find((c) => c.name === cluster) : index.rendered.get(cluster))?.apps ?? [];
  const names = new Set([...desired.keys(), ...rendered.map((a) => a.name), ...reported.keys()]);
  const waiting = hub.waitingForSync(cluster);
  const freshness = entry?.reportAt === undefined ? null : Math.max(0, Math.round((now - entry.reportAt) / 1000));
  return [...names].sort().map((name) => {
    const r = reported.get(name);
    const issue = issues.get(name);
    const d = desired.get(name);
    const appSet = d !== undefined ? appSetOf(d) : (rendered.find((a) => a.name === name)?.appSet ?? issue?.appSet ?? "");
    const error = issue !== undefined ? { ...issue.error } : r?.error;
    const heldBack = waiting.has(name);
    const renderedApp = rendered.find((a) => a.name === name);
    const automated = renderedApp !== undefined ? renderedApp.syncPolicy.automated !== undefined : d !== undefined && isAutomated(d);
    const suspended = hub.isSuspended(cluster, name);
    const missing = d === undefined && (heldBack || issue !== undefined);
    return {
      name,
      appSet,
      cluster,
      // A held app is OutOfSync against HEAD whatever the spoke says of its live objects (Argo compares with Git).
      sync: heldBack || missing ? "OutOfSync" : (r?.sync ?? "Unknown"),
      health: missing ? "Missing" : (r?.health ?? "Unknown"),
      revision: r?.revision ?? report?.revision ?? null,
      desiredRevision: state?.published?.revision ?? null,
      message: heldBack && r?.message === undefined ? (suspended ? "suspended: HEAD differs, resume to get it" : "HEAD differs from what runs: waiting for a sync (manual sync policy)") : r?.message,
      error,
      freshnessSeconds: freshness,
      syncPolicy: automated ? "Automated" : "Manual",
      suspended,
      historyId: hub.appHistory(cluster, name).at(-1)?.id ?? null,
    };
  });
}

export function clusterView(hub: HubService, name: string, now: number, index?: ViewIndex): ClusterView {
  const entry = hub.registry.get(name);
  const state = hub.clusterState(name);
  const apps = appViews(hub, name, now, index);
  const report = entry?.report;
  const behind = state?.published !== undefined && entry?.appliedGeneration !== undefined && entry.appliedGeneration < state.published.generation;
  const emptyApplied = state?.published !== undefined && entry?.appliedGeneration === state.published.generation && (report?.errors ?? []).length === 0;
  return {
    name,
    labels: hub.registry.labels(name),
    inRepo: entry?.inRepo ?? false,
    connection: hub.registry.connection(name, now),
    lastSeen: iso(entry?.lastSeen),
    spokeVersion: entry?.hello?.spokeVersion ?? null,
    hasSealingCert: entry?.hello?.sealingCert !== undefined,
    hasKeyBackup: entry?.keyBackup !== undefined,
    desired: state?.published === undefined ? null : { generation: state.published.generation, revision: state.published.revision, bundleDigest: state.published.bundleDigest },
    applied: report === undefined && entry?.appliedGeneration === undefined ? null : { generation: entry?.appliedGeneration ?? null, revision: report?.revision ?? null },
    // A cluster the fleet gives no apps is Synced and Healthy once it has applied that (empty) state.
    // A cluster that has not applied what the hub last published for it (offline, or still applying) is OutOfSync.
    sync: behind ? "OutOfSync" : apps.length === 0 ? (emptyApplied ? "Synced" : "Unknown") : worstSync(apps.map((a) => a.sync)),
    health: apps.length === 0 ? (emptyApplied ? "Healthy" : "Unknown") : worstHealth(apps.map((a) => a.health)),
    publishError: state?.publishError,
    errors: [
      ...(report?.errors ?? []).map((e) => ({ code: e.code, message: e.message })),
      ...(entry?.keyBackupError === undefined ? [] : [{ ...entry.keyBackupError }]),
      ...(state?.restoreError === undefined ? [] : [{ ...state.restoreError }]),
      ...(index === undefined ? hub.issues().filter((i) => i.cluster === name) : (index.issues.get(name) ?? [])).map((i) => ({ code: i.error.code, message: i.error.message })),
    ],
    behindHead: behindHead(hub, name),
    apps,
  };
}

function behindHead(hub: HubService, name: string): ClusterView["behindHead"] {
  const reasons = hub
    .conditions()
    .filter((c) => affects(c, name))
    .map(describeCondition);
  return reasons.length === 0 ? null : { headRevision: hub.headRevision(), reasons };
}

export function clusterNames(hub: HubService): string[] {
  const names = new Set([...hub.registry.all().map((e) => e.name), ...hub.renderedClusters().map((c) => c.name)]);
  return [...names].sort();
}
