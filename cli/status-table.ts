import type { ClusterSummary } from "../demo/index.js";

/** `flotilla status` output formats, as kubectl names them. */
export const STATUS_FORMATS = ["table", "wide", "json"] as const;
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

function row(c: ClusterSummary, now: number, wide: boolean): string[] {
  const synced = c.apps.filter((a) => a.sync === "Synced").length;
  const base = [
    c.name,
    labelsOf(c),
    c.connection === "Online" ? "true" : "false",
    `${String(synced)}/${String(c.apps.length)}`,
    c.sync,
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
export function formatStatus(clusters: readonly ClusterSummary[], format: StatusFormat, now: number): string {
  if (format === "json") return `${JSON.stringify({ items: clusters }, null, 2)}\n`;
  if (clusters.length === 0) return "No clusters found.\n";
  const wide = format === "wide";
  return alignColumns([wide ? WIDE_HEADERS : HEADERS, ...clusters.map((c) => row(c, now, wide))]);
}

/** Clusters that make `flotilla status` exit non-zero: the cluster or any of its apps is Degraded. */
export function degradedClusters(clusters: readonly ClusterSummary[]): string[] {
  return clusters.filter((c) => c.health === "Degraded" || c.apps.some((a) => a.health === "Degraded")).map((c) => c.name);
}
