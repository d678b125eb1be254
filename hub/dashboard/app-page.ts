import type { DashboardApp, DashboardAppDetail, DashboardCluster, DashboardRollout, DashboardSession } from "./dashboard-views.js";
import { rollbackForm, syncForm } from "./action-forms.js";
import { esc, token } from "./html.js";

function badge(value: string): string {
  return `<span class="badge ${token(value)}">${esc(value)}</span>`;
}

/** Argo CD's resource tree, flattened to what a spoke reports: the app, its kinds, their objects. */
function tree(app: DashboardApp): string {
  if (app.objects.length === 0) return `<p class="muted">No objects reported yet.</p>`;
  const byKind = new Map<string, DashboardApp["objects"][number][]>();
  for (const o of app.objects) byKind.set(o.kind, [...(byKind.get(o.kind) ?? []), o]);
  const kinds = [...byKind.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([kind, objects]) =>
        `<li><strong>${esc(kind)}</strong> <span class="muted">×${String(objects.length)}</span><ol class="tree">${objects
          .map((o) => `<li data-object="${esc(`${kind}/${o.namespace ?? ""}/${o.name}`)}">${esc(o.namespace === undefined || o.namespace === "" ? o.name : `${o.namespace}/${o.name}`)} ${badge(o.sync)} ${badge(o.health)}${o.message === undefined || o.message === "" ? "" : ` <span class="muted">${esc(o.message)}</span>`}</li>`)
          .join("")}</ol></li>`,
    )
    .join("");
  return `<ol class="tree" id="tree"><li><strong>${esc(app.name)}</strong> ${badge(app.sync)} ${badge(app.health)}<ol class="tree">${kinds}</ol></li></ol>`;
}

function diffBlock(diff: string): string {
  return diff
    .split("\n")
    .map((l) => (l.startsWith("+") && !l.startsWith("+++") ? `<span class="add">${esc(l)}</span>` : l.startsWith("-") && !l.startsWith("---") ? `<span class="del">${esc(l)}</span>` : esc(l)))
    .join("\n");
}

/** One app on one cluster: status, object tree, the diff a sync would apply, and its history. */
export function appPage(c: DashboardCluster, app: DashboardApp, detail: DashboardAppDetail | undefined, acting: { session?: DashboardSession | undefined; here: string; rollout?: DashboardRollout | undefined } = { here: "/" }): string {
  const target = { app: app.name, cluster: c.name, here: acting.here };
  const newest = detail?.history.at(-1)?.id;
  // Like Argo CD, only a manual app can be rolled back (an automated one would be synced straight back).
  const canRollback = detail?.syncPolicy === "Manual";
  const diffs =
    detail === undefined
      ? ""
      : detail.diffs.length === 0
        ? `<p class="muted">What the cluster was sent matches HEAD.</p>`
        : detail.diffs.map((d) => `<h4>${esc(d.change)} <code>${esc(d.id)}</code></h4><pre class="diff">${diffBlock(d.diff)}</pre>`).join("");
  const history =
    detail === undefined || detail.history.length === 0
      ? `<p class="muted">No deployments recorded since the hub started.</p>`
      : `<table id="history"><thead><tr><th>ID</th><th>Deployed</th><th>Revision</th><th>Commit</th><th>Author</th><th>Committed</th><th>Kind</th><th>By</th><th></th></tr></thead><tbody>${[...detail.history]
          .reverse()
          .map((h) => `<tr data-history="${String(h.id)}"><td>${String(h.id)}</td><td>${esc(h.deployedAt)}</td><td><code>${esc(h.revision.slice(0, 7))}</code></td><td>${esc(h.message ?? "")}</td><td>${esc(h.author ?? "")}</td><td>${esc(h.committedAt ?? "")}</td><td>${esc(h.kind)}</td><td>${esc(h.initiatedBy)}</td><td>${canRollback && h.id !== newest ? rollbackForm(acting.session, { ...target, id: h.id }) : ""}</td></tr>`)
          .join("")}</tbody></table>`;
  const problem = app.errorCode === undefined ? (app.message === undefined ? "" : `<p class="muted">${esc(app.message)}</p>`) : `<p class="err"><code>${esc(app.errorCode)}</code> ${esc(app.message ?? "")}</p>`;
  return `<p><a href="/clusters/${encodeURIComponent(c.name)}">← ${esc(c.name)}</a></p>
<h2 data-app="${esc(app.name)}">${esc(app.name)} <span class="muted">(${esc(app.appSet)})</span> ${badge(app.sync)} ${badge(app.health)}${detail?.syncPolicy === undefined ? "" : ` <span class="badge">${esc(detail.syncPolicy)}</span>`} ${syncForm(acting.session, target)}</h2>
<p>applied <code>${esc((app.revision ?? "—").slice(0, 7))}</code> · desired <code>${esc((app.desiredRevision ?? "—").slice(0, 7))}</code>${acting.rollout === undefined ? "" : ` · <a href="/rollouts/${encodeURIComponent(acting.rollout.appSet)}" id="rollout-link">rollout of ${esc(acting.rollout.appSet)}</a> ${badge(acting.rollout.phase)}`}</p>${problem}
<h3>Objects</h3>${tree(app)}
<h3>Diff against HEAD</h3>${diffs}
<h3>History</h3>${history}
<p class="muted">Or act with <code>flotilla app sync ${esc(app.name)} --cluster ${esc(c.name)}</code>, <code>flotilla app rollback ${esc(app.name)} ID --cluster ${esc(c.name)}</code> or <code>flotilla refresh</code> (API token).</p>`;
}
