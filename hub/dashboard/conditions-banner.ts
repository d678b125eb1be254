import type { DashboardCondition } from "./dashboard-views.js";
import { esc } from "./html.js";

const MAX_SHOWN = 5;

/** The red banner every page carries while HEAD is not published everywhere; "" when it is. */
export function conditionsBanner(conditions: readonly DashboardCondition[]): string {
  if (conditions.length === 0) return "";
  const items = conditions.slice(0, MAX_SHOWN).map((c) => {
    const where = c.file === undefined ? "" : `<code>${esc(c.file)}${c.line === undefined ? "" : `:${String(c.line)}`}</code> `;
    const what = [c.appSet, c.app].filter((x) => x !== undefined && x !== "").join(" / ");
    const held = c.clusters === "all" ? "the whole fleet" : `${String(c.clusters)} cluster${c.clusters === 1 ? "" : "s"}`;
    return `<li data-condition="${esc(c.type)}" data-code="${esc(c.code)}"><strong>${esc(c.type)}</strong> <code>${esc(c.code)}</code> ${where}${esc(c.message)}${what === "" ? "" : ` <span class="muted">(${esc(what)})</span>`} · holds back ${held}</li>`;
  });
  const more = conditions.length > MAX_SHOWN ? `<li>… and ${String(conditions.length - MAX_SHOWN)} more (<code>flotilla status</code>)</li>` : "";
  const revision = conditions.find((c) => c.revision !== null)?.revision;
  const at = revision === undefined || revision === null ? "" : ` <code>${esc(revision.slice(0, 12))}</code>`;
  return `<section id="conditions" class="banner" role="alert"><p><strong>HEAD${at} is not published everywhere.</strong> The clusters it holds back keep their last good state.</p><ul>${items.join("")}${more}</ul></section>`;
}
