import type { DashboardCluster } from "./dashboard-views.js";
import { esc, token } from "./html.js";

function badge(value: string): string {
  return `<span class="badge ${token(value)}">${esc(value)}</span>`;
}

const short = (rev: string | null): string => (rev === null ? "—" : esc(rev.slice(0, 7)));

/** kubectl-style age. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${String(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 180) return `${String(m)}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${String(h)}h` : `${String(Math.floor(h / 24))}d`;
}

function freshness(c: DashboardCluster, now: number): string {
  return c.lastSeen === null ? `<span class="muted">never</span>` : `${esc(age(now - c.lastSeen))} ago`;
}

function connection(c: DashboardCluster): string {
  return c.online ? `<span class="badge online">online</span>` : `<span class="badge offline">offline</span>`;
}

function behindOf(c: DashboardCluster): string {
  const reasons = c.behindHead ?? [];
  return reasons.length === 0 ? "" : `<p class="err" data-behind-head="true">Behind HEAD, running its last good state: ${reasons.map(esc).join("; ")}</p>`;
}

/** One cluster: its apps with revision, errors and the objects each app manages. */
export function clusterFragment(c: DashboardCluster, now: number): string {
  const labels = Object.entries(c.labels).map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`).join(" ");
  const errors = c.errors.length === 0 ? "" : `<ul>${c.errors.map((e) => `<li class="err"><code>${esc(e.code)}</code> ${esc(e.message)}</li>`).join("")}</ul>`;
  const apps = c.apps
    .map((a) => {
      const objects =
        a.objects.length === 0
          ? `<p class="muted">No objects reported yet.</p>`
          : `<table class="objects"><thead><tr><th>Kind</th><th>Namespace</th><th>Name</th><th>Sync</th><th>Health</th><th>Message</th></tr></thead><tbody>${a.objects
              .map((o) => `<tr><td>${esc(o.kind)}</td><td>${esc(o.namespace ?? "")}</td><td>${esc(o.name)}</td><td>${badge(o.sync)}</td><td>${badge(o.health)}</td><td>${esc(o.message ?? "")}</td></tr>`)
              .join("")}</tbody></table>`;
      const problem = a.errorCode === undefined ? (a.message === undefined ? "" : `<p class="muted">${esc(a.message)}</p>`) : `<p class="err"><code>${esc(a.errorCode)}</code> ${esc(a.message ?? "")}</p>`;
      return `<section class="app" data-app="${esc(a.name)}" data-health="${esc(a.health)}" data-sync="${esc(a.sync)}"><h3><a href="/clusters/${encodeURIComponent(c.name)}/apps/${encodeURIComponent(a.name)}">${esc(a.name)}</a> <span class="muted">(${esc(a.appSet)})</span> ${badge(a.sync)} ${badge(a.health)} <code>${short(a.revision)}</code></h3>${problem}${objects}</section>`;
    })
    .join("\n");
  return `<h2>${esc(c.name)} ${connection(c)} ${badge(c.sync)} ${badge(c.health)}</h2>
<p>${labels} · applied <code>${short(c.appliedRevision)}</code> · desired <code>${short(c.desiredRevision)}</code> · last seen ${freshness(c, now)}</p>${behindOf(c)}${errors}
${apps === "" ? `<p class="muted">No applications target this cluster.</p>` : apps}`;
}
