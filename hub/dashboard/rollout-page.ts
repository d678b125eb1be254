import type { DashboardCommit, DashboardRollout, DashboardRolloutStep } from "./dashboard-views.js";
import { esc, token } from "./html.js";

function badge(value: string): string {
  return `<span class="badge ${token(value)}">${esc(value)}</span>`;
}

const iso = (ms: number | undefined): string => (ms === undefined ? "" : new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z"));

function duration(from: number, to: number): string {
  const s = Math.max(0, Math.round((to - from) / 1000));
  return s < 120 ? `${String(s)}s` : s < 7200 ? `${String(Math.round(s / 60))}m` : `${String(Math.round(s / 3600))}h`;
}

/** One step of the timeline: what it is now, when it started and finished or halted, and its clusters. */
function stepItem(r: DashboardRollout, s: DashboardRolloutStep, now: number): string {
  const clusters = s.clusters.map((c) => `<a href="/clusters/${encodeURIComponent(c.cluster)}">${esc(c.cluster)}</a> ${badge(c.state)}`).join(" · ");
  const state =
    s.index < 0 ? "NotSelected" : s.haltedAt !== undefined ? "Halted" : s.finishedAt !== undefined ? "Completed" : s.index === r.currentStep && r.phase === "Progressing" ? "Progressing" : s.startedAt === undefined ? "Waiting" : "Progressing";
  const when: string[] = [];
  if (s.startedAt !== undefined) when.push(`started <time>${esc(iso(s.startedAt))}</time>`);
  if (s.finishedAt !== undefined && s.startedAt !== undefined) when.push(`finished <time>${esc(iso(s.finishedAt))}</time> (${duration(s.startedAt, s.finishedAt)})`);
  if (s.haltedAt !== undefined) when.push(`<span class="err">halted <time>${esc(iso(s.haltedAt))}</time></span>`);
  if (state === "Progressing" && s.startedAt !== undefined) when.push(`running for ${duration(s.startedAt, now)}`);
  const title = s.index < 0 ? "Not selected by any step" : `Step ${String(s.index + 1)}`;
  return `<li class="step" data-step="${String(s.index)}" data-state="${esc(state)}"><strong>${title}</strong> ${badge(state)}${when.length === 0 ? "" : ` <span class="muted">${when.join(" · ")}</span>`}<br>${clusters === "" ? `<span class="muted">no clusters</span>` : clusters}</li>`;
}

/** A RollingSync rollout as a timeline: the commit, then each step with its times and clusters. */
export function rolloutSection(r: DashboardRollout, now: number, commit: DashboardCommit | undefined): string {
  const steps = r.steps.map((s) => stepItem(r, s, now)).join("");
  const by = commit === undefined ? "" : ` <span class="muted">${esc(commit.message?.split("\n")[0] ?? "")}${commit.author === undefined ? "" : ` · ${esc(commit.author)}`}${commit.time === undefined ? "" : ` · ${esc(commit.time)}`}</span>`;
  const rolledBack =
    (r.rolledBack ?? []).length === 0
      ? ""
      : `<p class="err">Rolled back: ${(r.rolledBack ?? []).map((b) => `${esc(b.cluster)} to <code>${esc((b.revision ?? "its previous content").slice(0, 7))}</code>`).join(", ")}</p>`;
  const started = r.startedAt === undefined ? "" : `<p class="muted">Started <time>${esc(iso(r.startedAt))}</time>${r.updatedAt === undefined ? "" : ` · last change <time>${esc(iso(r.updatedAt))}</time>`}</p>`;
  return `<section class="rollout" id="rollout-${esc(r.appSet)}" data-app-set="${esc(r.appSet)}" data-phase="${esc(r.phase)}"><h2><a href="/rollouts/${encodeURIComponent(r.appSet)}">${esc(r.appSet)}</a> ${badge(r.phase)}</h2>
<p>Commit <code data-revision="${esc(r.revision)}">${esc(r.revision.slice(0, 7))}</code>${by}</p>${started}
${r.message === undefined ? "" : `<p>${esc(r.message)}</p>`}${rolledBack}<ol class="timeline">${steps}</ol></section>`;
}

export function rolloutsPage(rollouts: readonly DashboardRollout[], now: number, commits: ReadonlyMap<string, DashboardCommit | undefined>): string {
  if (rollouts.length === 0) return `<p class="muted">No RollingSync rollouts.</p>`;
  return rollouts.map((r) => rolloutSection(r, now, commits.get(r.revision))).join("\n");
}

/** One line for the fleet page: each rollout's phase and step, linked to its timeline. */
export function rolloutsSummary(rollouts: readonly DashboardRollout[]): string {
  if (rollouts.length === 0) return "";
  const items = rollouts.map((r) => {
    const steps = r.steps.filter((s) => s.index >= 0).length;
    const at = r.phase === "Progressing" ? ` step ${String(Math.min(r.currentStep + 1, steps))} of ${String(steps)}` : "";
    return `<a href="/rollouts/${encodeURIComponent(r.appSet)}">${esc(r.appSet)}</a> ${badge(r.phase)}${at}`;
  });
  return `<p id="rollouts-summary">Rollouts: ${items.join(" · ")}</p>`;
}
