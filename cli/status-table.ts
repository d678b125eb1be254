import { stringify } from "yaml";
import type { ClusterSummary } from "../demo/index.js";

/** `flotilla status` output formats, as kubectl names them. */
export const STATUS_FORMATS = ["table", "wide", "json", "yaml"] as const;
export type StatusFormat = (typeof STATUS_FORMATS)[number];

/** kubectl's short age: 45s, 3m12s, 45m, 5h, 3d. */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${String(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${String(m)}m` : `${String(m)}m${String(s % 60)}s`;
  if (m < 180) return `${String(m)}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${String(h)}h`;
  return `${String(Math.floor(h / 24))}d`;
}

const short = (rev: string | null | undefined): string => (rev === null || rev === undefined || rev === "" ? "<none>" : rev.slice(0, 7));

function labelsOf(c: ClusterSummary): string {
  const entries = Object.entries(c.labels).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? "<none>" : entries.map(([k, v]) => `${k}=${v}`).join(",");
}

/** An offline cluster is reported as offline, not as failed: its last known health is kept but marked. */
function healthOf(c: ClusterSummary): string {
  return c.connection === "Online" ? c.health : `${c.health} (offline)`;
}

function lastSeenOf(c: ClusterSummary, now: number): string {
  if (c.lastSeen === null || c.lastSeen === undefined) return "<never>";
  const at = Date.parse(c.lastSeen);
  return Number.isNaN(at) ? "<unknown>" : humanAge(now - at);
}

/** The hub says the cluster runs its last good state because HEAD failed for it (fleet conditions). */
function isBehindHead(c: ClusterSummary): boolean {
  const behind = (c as { behindHead?: unknown }).behindHead;
  return typeof behind === "object" && behind !== null;
}

function row(c: ClusterSummary, now: number, wide: boolean): string[] {
  const synced = c.apps.filter((a) => a.sync === "Synced").length;
  const base = [
    c.name,
    labelsOf(c),
    c.connection === "Online" ? "true" : "false",
    `${String(synced)}/${String(c.apps.length)}`,
    isBehindHead(c) ? `${c.sync} (behind HEAD)` : c.sync,
    healthOf(c),
    short(c.applied?.revision),
    lastSeenOf(c, now),
  ];
  if (!wide) return base;
  const gen = (g: number | null | undefined): string => (g === null || g === undefined ? "-" : String(g));
  const errors = [...new Set([...c.errors.map((e) => e.code), ...c.apps.flatMap((a) => (a.error === undefined ? [] : [a.error.code]))])];
  return [
    ...base,
    short(c.desired?.revision),
    `${gen(c.applied?.generation)}/${gen(c.desired?.generation)}`,
    c.spokeVersion ?? "<none>",
    errors.length === 0 ? "<none>" : errors.join(","),
  ];
}

const HEADERS = ["CLUSTER", "LABELS", "CONNECTED", "APPS", "SYNC", "HEALTH", "REVISION", "LAST SEEN"];
const WIDE_HEADERS = [...HEADERS, "DESIRED", "GENERATION", "SPOKE", "ERRORS"];

/** Left-aligned columns separated by three spaces, like `kubectl get`. */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("   ")).join("\n") + "\n";
}

/** The text `flotilla status` prints (pure: the clusters and the current time in, text out). */
export function formatStatus(clusters: readonly ClusterSummary[], format: StatusFormat, now: number, conditions: readonly ConditionSummary[] = []): string {
  if (format === "json") return `${JSON.stringify({ items: clusters, conditions }, null, 2)}\n`;
  if (format === "yaml") return stringify({ items: clusters, conditions });
  if (clusters.length === 0) return "No clusters found.\n";
  const wide = format === "wide";
  return alignColumns([wide ? WIDE_HEADERS : HEADERS, ...clusters.map((c) => row(c, now, wide))]) + formatConditions(conditions);
}

/** Clusters that make `flotilla status` exit non-zero: the cluster or any of its apps is Degraded. */
export function degradedClusters(clusters: readonly ClusterSummary[]): string[] {
  return clusters.filter((c) => c.health === "Degraded" || c.apps.some((a) => a.health === "Degraded")).map((c) => c.name);
}

/** A fleet-level failure of HEAD as the hub's `/api/v1/conditions` returns it. */
export interface ConditionSummary {
  readonly type: string;
  readonly code: string;
  readonly message: string;
  readonly revision: string | null;
  readonly file?: string | undefined;
  readonly line?: number | undefined;
  readonly appSet?: string | undefined;
  readonly app?: string | undefined;
  readonly clusters: readonly string[] | "all";
}

/** The conditions block under the cluster table: one row per failure, with where and what. */
export function formatConditions(conditions: readonly ConditionSummary[]): string {
  if (conditions.length === 0) return "";
  const rows = conditions.map((c) => [
    c.type,
    c.code,
    short(c.revision),
    c.file === undefined ? "<none>" : `${c.file}${c.line === undefined ? "" : `:${String(c.line)}`}`,
    c.app ?? c.appSet ?? "<fleet>",
    c.clusters === "all" ? "all" : String(c.clusters.length),
    c.message,
  ]);
  return `\n${alignColumns([["CONDITION", "CODE", "REVISION", "FILE", "APP", "CLUSTERS", "MESSAGE"], ...rows])}`;
}

/** `flotilla status --apps`: one row per app per cluster, like `argocd app list`. */
export function formatApps(clusters: readonly ClusterSummary[]): string {
  const rows = clusters.flatMap((c) =>
    c.apps.map((a) => [c.name, a.name, a.appSet === undefined || a.appSet === "" ? "<none>" : a.appSet, a.sync, c.connection === "Online" ? a.health : `${a.health} (offline)`, short(a.revision), a.error?.code ?? "<none>", (a.error?.message ?? a.message ?? "").slice(0, 120)]),
  );
  if (rows.length === 0) return "No applications found.\n";
  return alignColumns([["CLUSTER", "APP", "APPSET", "SYNC", "HEALTH", "REVISION", "ERROR", "MESSAGE"], ...rows]);
}
