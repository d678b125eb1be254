import type { DashboardSession } from "./dashboard-views.js";
import { esc } from "./html.js";

/**
 * The dashboard's action forms: plain POST forms (no script) to `/ui/…`, each with the session's
 * CSRF token and the page to come back to. Shown only to a session earned with the API token.
 */

function hidden(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join("");
}

/** The strip above every page: who is signed in, refresh, sign out; or a link to sign in to act. */
export function actionBar(session: DashboardSession | undefined, here: string): string {
  if (session === undefined) return "";
  if (session.role === "admin" && session.csrf !== undefined) {
    return `<div class="actions" id="actions"><span>Signed in with the API token</span><form method="post" action="/ui/refresh" class="act">${hidden({ csrf: session.csrf, next: here })}<button type="submit" data-action="refresh">Refresh from Git</button></form><form method="post" action="/logout"><button type="submit">Sign out</button></form></div>`;
  }
  if (!session.canSignIn) return "";
  const signOut = session.role === "read" ? `<form method="post" action="/logout"><button type="submit">Sign out</button></form>` : "";
  return `<div class="actions" id="actions"><span class="muted">${session.role === "read" ? "Signed in read-only." : "Read-only."}</span><a href="/login?next=${encodeURIComponent(here)}">Sign in with the API token to refresh, sync and roll back</a>${signOut}</div>`;
}

/** `argocd app sync`, as a button (and a prune box) for one app on one cluster. */
export function syncForm(session: DashboardSession | undefined, input: { app: string; cluster: string; here: string }): string {
  if (session?.role !== "admin" || session.csrf === undefined) return "";
  return `<form method="post" action="/ui/apps/${encodeURIComponent(input.app)}/sync" class="act" id="sync">${hidden({ csrf: session.csrf, cluster: input.cluster, next: input.here })}<button type="submit" data-action="sync">Sync</button> <label><input type="checkbox" name="prune" value="true"> prune</label></form>`;
}

/** `argocd app rollback ID`, as a button on a history row. */
export function rollbackForm(session: DashboardSession | undefined, input: { app: string; cluster: string; id: number; here: string }): string {
  if (session?.role !== "admin" || session.csrf === undefined) return "";
  return `<form method="post" action="/ui/apps/${encodeURIComponent(input.app)}/rollback" class="act">${hidden({ csrf: session.csrf, cluster: input.cluster, id: String(input.id), next: input.here })}<button type="submit" data-action="rollback" data-history="${String(input.id)}">Roll back to ${String(input.id)}</button></form>`;
}

/** What an action did, shown after the POST: the hub's answer and the audit entry, with a way back. */
export function actionResult(input: { ok: boolean; title: string; message: string; audit?: number | undefined; back: string }): string {
  return `<section class="result${input.ok ? "" : " failed"}" id="result" data-result="${input.ok ? "ok" : "refused"}" role="${input.ok ? "status" : "alert"}"><p><strong>${esc(input.title)}</strong></p><p>${esc(input.message)}</p>${input.audit === undefined ? "" : `<p class="muted">Audit entry ${String(input.audit)} (<code>flotilla audit</code>).</p>`}<p><a href="${esc(input.back)}">← back</a></p></section>`;
}
