import { errorMessage, isFlotillaError } from "../core/index.js";
import type { AuditEntry } from "./audit-log.js";
import { HUB_ERROR } from "./hub-errors.js";
import type { HubService } from "./hub-service.js";

/**
 * One operator action, whoever asks (the API for the CLI, the dashboard's forms): carried out by
 * the hub, counted in the metrics and recorded in the audit log. Sync and rollback reach a spoke
 * only as the next signed envelope the hub publishes; there is no other path.
 */
export type ActionRequest =
  | { readonly action: "sync"; readonly app: string; readonly cluster?: string | undefined; readonly prune: boolean }
  | { readonly action: "rollback"; readonly app: string; readonly cluster?: string | undefined; readonly id?: number | undefined }
  | { readonly action: "suspend" | "resume"; readonly app: string; readonly cluster?: string | undefined }
  | { readonly action: "refresh" };

export type ActionOutcome =
  | { readonly ok: true; readonly result: Readonly<Record<string, unknown>>; readonly audit: number }
  | { readonly ok: false; readonly status: number; readonly code: string; readonly message: string; readonly audit?: number | undefined };

const STATUS_OF: Readonly<Record<string, number>> = {
  [HUB_ERROR.appNotFound]: 404,
  [HUB_ERROR.historyNotFound]: 404,
  [HUB_ERROR.rollbackAutomated]: 409,
};

/** The name an actor is recorded under in history entries (`alice (api-token)`). */
export function actorName(actor: AuditEntry["actor"]): string {
  return actor.user === undefined ? actor.auth : `${actor.user} (${actor.auth})`;
}

export async function runAction(hub: HubService, actor: AuditEntry["actor"], request: ActionRequest): Promise<ActionOutcome> {
  const { action } = request;
  if (action === "refresh") {
    await hub.refresh();
    hub.metrics.actions.inc({ action, result: "ok" });
    const entry = await hub.audit.record({ actor, action, target: {}, result: "ok" });
    return { ok: true, result: { status: "refreshed", sources: hub.sources(), conditions: hub.conditions() }, audit: entry.id };
  }
  const { app, cluster } = request;
  const by = actorName(actor);
  const params: Record<string, string | number | boolean> = {};
  if (cluster !== undefined) params["cluster"] = cluster;
  if (action === "rollback" && cluster === undefined) return { ok: false, status: 400, code: "INVALID_REQUEST", message: "rollback names one cluster (--cluster)" };
  try {
    let result: Record<string, unknown>;
    let clusters: string[];
    if (action === "sync") {
      params["prune"] = request.prune;
      const items = await hub.syncApp({ app, cluster, prune: request.prune, by });
      clusters = items.map((i) => i.cluster);
      result = { items };
    } else if (action === "rollback") {
      if (request.id !== undefined) params["id"] = request.id;
      const item = await hub.rollbackApp({ app, cluster: cluster ?? "", id: request.id, by });
      clusters = [item.cluster];
      result = { items: [item] };
    } else {
      clusters = await hub.setSuspended({ app, cluster, suspended: action === "suspend" });
      result = { items: clusters.map((c) => ({ cluster: c, suspended: action === "suspend" })) };
    }
    hub.metrics.actions.inc({ action, result: "ok" });
    const entry = await hub.audit.record({ actor, action, target: { app, clusters }, params, result: "ok" });
    return { ok: true, result, audit: entry.id };
  } catch (err) {
    hub.metrics.actions.inc({ action, result: "error" });
    const code = isFlotillaError(err) ? err.code : "HUB_ACTION_FAILED";
    const entry = await hub.audit.record({ actor, action, target: { app, clusters: cluster === undefined ? undefined : [cluster] }, params, result: "error", message: `${code}: ${errorMessage(err)}` });
    return { ok: false, status: STATUS_OF[code] ?? (isFlotillaError(err) ? 400 : 500), code, message: errorMessage(err), audit: entry.id };
  }
}
