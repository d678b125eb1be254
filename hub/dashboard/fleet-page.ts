import type { DashboardCluster } from "./dashboard-views.js";
import { esc } from "./html.js";
import { parseSelector } from "./label-selector.js";

/** What the fleet page was asked for: `/?q=&l=&group=&state=&page=`. */
export interface FleetQuery {
  /** Substring of the cluster name. */
  readonly q?: string | undefined;
  /** Label selector, kubectl syntax (`env=prod,region!=us`). */
  readonly l?: string | undefined;
  /** A label key to group the summary by. */
  readonly group?: string | undefined;
  /** Only clusters in this map state. */
  readonly state?: string | undefined;
  readonly page?: number | undefined;
}

export const PAGE_SIZE = 100;
/** Above this many clusters the map squares carry no tooltip, to keep the page light. */
const MAP_TITLES_UP_TO = 2000;

/** One word per cluster for the health map and its legend, worst first. */
export const MAP_STATES = ["offline", "degraded", "behind", "outofsync", "progressing", "unknown", "healthy"] as const;
export type MapState = (typeof MAP_STATES)[number];

const LEGEND: Readonly<Record<MapState, string>> = {
  offline: "Offline (last known state kept)",
  degraded: "Degraded",
  behind: "Behind HEAD (render or publish failed)",
  outofsync: "OutOfSync",
  progressing: "Progressing",
  unknown: "Unknown / not reported",
  healthy: "Synced and Healthy",
};

export function mapState(c: DashboardCluster): MapState {
  if (!c.online) return "offline";
  if (c.health === "Degraded") return "degraded";
  if ((c.behindHead ?? []).length > 0) return "behind";
  if (c.sync === "OutOfSync") return "outofsync";
  if (c.health === "Progressing" || c.health === "Missing") return "progressing";
  if (c.health === "Healthy" && c.sync === "Synced") return "healthy";
  return "unknown";
}

function href(query: FleetQuery, change: Partial<FleetQuery>): string {
  const merged = { ...query, ...change };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== "" && !(k === "page" && v === 1)) params.set(k, String(v));
  const s = params.toString();
  return s === "" ? "/" : `/?${s}`;
}

function counts(clusters: readonly DashboardCluster[]): Map<MapState, number> {
  const m = new Map<MapState, number>(MAP_STATES.map((s) => [s, 0]));
  for (const c of clusters) m.set(mapState(c), (m.get(mapState(c)) ?? 0) + 1);
  return m;
}

function legend(all: Map<MapState, number>, query: FleetQuery): string {
  return `<ul class="legend">${MAP_STATES.map(
    (s) => `<li><a href="${esc(href(query, { state: query.state === s ? undefined : s, page: undefined }))}"><i class="m-${s}"></i> ${esc(LEGEND[s])}: <strong data-count="${s}">${String(all.get(s) ?? 0)}</strong></a></li>`,
  ).join("")}</ul>`;
}

/** Every matching cluster as one coloured square: readable at 10 000 (a 100 × 100 block), links when small. */
function healthMap(clusters: readonly DashboardCluster[]): string {
  const titled = clusters.length <= MAP_TITLES_UP_TO;
  const cells = clusters.map((c) => (titled ? `<a class="m-${mapState(c)}" href="/clusters/${encodeURIComponent(c.name)}" title="${esc(c.name)}"></a>` : `<i class="m-${mapState(c)}"></i>`)).join("");
  return `<div id="healthmap" class="healthmap" aria-label="health map of ${String(clusters.length)} clusters">${cells}</div>`;
}

function groups(clusters: readonly DashboardCluster[], key: string, query: FleetQuery): string {
  const by = new Map<string, DashboardCluster[]>();
  for (const c of clusters) {
    const v = c.labels[key] ?? "(none)";
    by.set(v, [...(by.get(v) ?? []), c]);
  }
  const rows = [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([value, members]) => {
      const n = counts(members);
      const sel = value === "(none)" ? `!${key}` : `${key}=${value}`;
      return `<tr data-group="${esc(value)}"><td><a href="${esc(href(query, { l: query.l === undefined || query.l === "" ? sel : `${query.l},${sel}`, group: undefined, page: undefined }))}">${esc(key)}=${esc(value)}</a></td><td>${String(members.length)}</td>${MAP_STATES.map((s) => `<td class="m-t-${s}">${String(n.get(s) ?? 0)}</td>`).join("")}</tr>`;
    })
    .join("");
  return `<table id="groups"><thead><tr><th>${esc(key)}</th><th>Clusters</th>${MAP_STATES.map((s) => `<th>${esc(s)}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table>`;
}

const short = (rev: string | null): string => (rev === null ? "—" : esc(rev.slice(0, 7)));

function ageOf(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${String(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 180) return `${String(m)}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${String(h)}h` : `${String(Math.floor(h / 24))}d`;
}

function row(c: DashboardCluster, now: number): string {
  const labels = Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(", ");
  const rev = c.appliedRevision === c.desiredRevision || c.desiredRevision === null ? short(c.appliedRevision) : `${short(c.appliedRevision)} → ${short(c.desiredRevision)}`;
  const synced = c.apps.filter((a) => a.sync === "Synced").length;
  const seen = c.lastSeen === null ? `<span class="muted">never</span>` : `${esc(ageOf(now - c.lastSeen))} ago`;
  const state = mapState(c);
  return `<tr class="${c.online ? "online-row" : "offline"}" data-cluster="${esc(c.name)}" data-online="${String(c.online)}" data-health="${esc(c.health)}" data-sync="${esc(c.sync)}"><td><i class="m-${state}"></i> <a href="/clusters/${encodeURIComponent(c.name)}">${esc(c.name)}</a><br><span class="muted">${esc(labels)}</span></td><td>${c.online ? `<span class="badge online">online</span>` : `<span class="badge offline">offline</span>`}</td><td><span class="badge ${esc(c.sync)}">${esc(c.sync)}</span>${state === "behind" ? ` <span class="err">behind HEAD</span>` : ""}</td><td><span class="badge ${esc(c.health)}">${esc(c.health)}</span></td><td>${String(synced)}/${String(c.apps.length)}</td><td><code>${rev}</code></td><td>${seen}</td></tr>`;
}

/**
 * The fleet page for real fleets: search, label selector, grouping by a label, a health map of
 * every matching cluster with its legend, and one page of PAGE_SIZE rows. Server-rendered; its
 * weight grows with the map (a few bytes per cluster), not with the rows.
 */
export function fleetPage(all: readonly DashboardCluster[], now: number, query: FleetQuery): string {
  if (all.length === 0) return `<p class="muted">No clusters yet: the hub has not rendered a fleet repository.</p>`;
  const matches = parseSelector(query.l);
  const needle = (query.q ?? "").toLowerCase();
  const selected = all.filter((c) => (matches === null || matches(c.labels)) && (needle === "" || c.name.toLowerCase().includes(needle)));
  const shown = query.state === undefined || query.state === "" ? selected : selected.filter((c) => mapState(c) === query.state);
  const healthy = all.filter((c) => mapState(c) === "healthy").length;
  const online = all.filter((c) => c.online).length;
  const behind = all.filter((c) => (c.behindHead ?? []).length > 0).length;
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, query.page ?? 1));
  const rows = shown.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((c) => row(c, now)).join("\n");
  const keys = [...new Set(all.slice(0, 1000).flatMap((c) => Object.keys(c.labels)))].sort();
  const form = `<form class="filters" method="get" action="/"><input type="search" name="q" placeholder="cluster name" value="${esc(query.q ?? "")}"> <input name="l" placeholder="env=prod,region!=us" value="${esc(query.l ?? "")}"> <select name="group"><option value="">no grouping</option>${keys.map((k) => `<option${k === query.group ? " selected" : ""}>${esc(k)}</option>`).join("")}</select>${query.state === undefined ? "" : `<input type="hidden" name="state" value="${esc(query.state)}">`} <button type="submit">Filter</button>${matches === null ? ` <span class="err">invalid selector</span>` : ""}</form>`;
  const nav =
    pages === 1
      ? ""
      : `<p class="pager">${page > 1 ? `<a rel="prev" href="${esc(href(query, { page: page - 1 }))}">← previous</a> ` : ""}page ${String(page)} of ${String(pages)}${page < pages ? ` <a rel="next" href="${esc(href(query, { page: page + 1 }))}">next →</a>` : ""}</p>`;
  return `<p id="fleet-summary"><strong>${String(healthy)}/${String(all.length)}</strong> clusters Synced and Healthy at HEAD · ${String(online)} online${behind === 0 ? "" : ` · <span class="err">${String(behind)} behind HEAD</span>`}</p>
${form}
${legend(counts(selected), query)}
${healthMap(selected)}
${query.group === undefined || query.group === "" ? "" : groups(selected, query.group, query)}
<p class="muted">${String(shown.length)} of ${String(all.length)} clusters match${shown.length > PAGE_SIZE ? `, ${String(PAGE_SIZE)} a page` : ""}.</p>
<table id="fleet"><thead><tr><th>Cluster</th><th>Connection</th><th>Sync</th><th>Health</th><th>Apps synced</th><th>Revision</th><th>Last seen</th></tr></thead><tbody>${rows}</tbody></table>
${nav}`;
}
