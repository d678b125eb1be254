import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Clock, Logger } from "../core/index.js";
import { runAction, type ActionRequest } from "./app-actions.js";
import type { AuditEntry } from "./audit-log.js";
import { actionResult, layout, type DashboardSession } from "./dashboard/index.js";
import { checkCsrf, claimedName, cookieOf, crossSite, csrfToken, sessionRole, sessionValue, USER_COOKIE } from "./dashboard-session.js";
import type { HubService } from "./hub-service.js";
import { safeNext } from "./read-access.js";

export interface DashboardActionsOptions {
  readonly hub: HubService;
  readonly apiToken?: string | undefined;
  readonly readToken?: string | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface FormBody {
  csrf?: unknown;
  next?: unknown;
  cluster?: unknown;
  prune?: unknown;
  id?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** How a request's browser is signed in, with a fresh CSRF token for an API-token session. */
export function dashboardSession(req: FastifyRequest, options: Pick<DashboardActionsOptions, "apiToken" | "readToken" | "clock">): DashboardSession {
  const role = sessionRole(req.headers.cookie, options);
  const canSignIn = options.apiToken !== undefined && options.apiToken !== "";
  if (role === "admin" && options.apiToken !== undefined) return { role, canSignIn, csrf: csrfToken(options.apiToken, sessionValue(options.apiToken), options.clock.now()) };
  return { role: role ?? "anonymous", canSignIn };
}

/**
 * The dashboard's buttons: `POST /ui/refresh`, `/ui/apps/:app/sync`, `/ui/apps/:app/rollback`,
 * plain form posts. Each is refused unless it comes from this hub's own page (no cross-site
 * Origin or Sec-Fetch-Site), with a session cookie earned with the API token (SameSite=Strict,
 * HttpOnly), and a CSRF token issued to that session and not expired. What passes goes through
 * runAction, the very code path of the API and the CLI: the audit log records it as
 * `dashboard-session`, and a sync or rollback reaches the spoke as a new signed envelope.
 */
export function registerDashboardActions(app: FastifyInstance, options: DashboardActionsOptions): void {
  const { hub, apiToken } = options;

  const page = (reply: FastifyReply, status: number, input: Parameters<typeof actionResult>[0]): FastifyReply =>
    reply
      .code(status)
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(layout({ fleet: hub.fleet, title: input.title, fragmentUrl: "", body: actionResult(input) }));

  const refuse = (req: FastifyRequest, reply: FastifyReply, status: number, reason: string, message: string, back: string): FastifyReply => {
    options.logger.warn({ path: req.url.split("?")[0], reason, address: req.ip }, "dashboard action refused");
    return page(reply, status, { ok: false, title: "Refused", message, back });
  };

  const handle = async (req: FastifyRequest<{ Body: FormBody | undefined }>, reply: FastifyReply, build: (body: FormBody) => ActionRequest | string): Promise<FastifyReply> => {
    const body: FormBody = typeof req.body === "object" && req.body !== null ? req.body : {};
    const back = safeNext(body.next);
    if (crossSite(req.headers)) return refuse(req, reply, 403, "cross-site", "This form did not come from this hub's own pages (cross-site request). Nothing was done.", back);
    if (apiToken === undefined || apiToken === "") return refuse(req, reply, 403, "no-api-token", "This hub has no API token, so it takes no actions. Nothing was done.", back);
    const role = sessionRole(req.headers.cookie, options);
    if (role === undefined) return refuse(req, reply, 401, "no-session", "Not signed in: sign in with the hub's API token to act. Nothing was done.", back);
    if (role === "read") return refuse(req, reply, 403, "read-only", "This session was signed in with the read token, which cannot act: sign in with the API token. Nothing was done.", back);
    const csrf = checkCsrf(apiToken, sessionValue(apiToken), body.csrf, options.clock.now());
    if (csrf !== "ok") {
      const why = csrf === "expired" ? "the form is too old" : csrf === "missing" ? "the form carries no CSRF token" : "the form's CSRF token is not one this hub issued";
      return refuse(req, reply, 403, `csrf-${csrf}`, `Refused: ${why}. Reload the page and try again. Nothing was done.`, back);
    }
    const request = build(body);
    if (typeof request === "string") return page(reply, 400, { ok: false, title: "Refused", message: request, back });
    const actor: AuditEntry["actor"] = { auth: "dashboard-session", user: claimedName(cookieOf(req.headers.cookie, USER_COOKIE)), address: req.ip };
    const outcome = await runAction(hub, actor, request);
    const what = request.action === "refresh" ? "Refresh" : `${request.action === "sync" ? "Sync" : "Rollback"} of ${request.app}${request.cluster === undefined ? "" : ` on ${request.cluster}`}`;
    if (!outcome.ok) return page(reply, outcome.status, { ok: false, title: `${what} failed`, message: `${outcome.code}: ${outcome.message}`, audit: outcome.audit, back });
    return page(reply, 200, { ok: true, title: `${what}: done`, message: describe(outcome.result), audit: outcome.audit, back });
  };

  app.post<{ Body: FormBody | undefined }>("/ui/refresh", (req, reply) => handle(req, reply, () => ({ action: "refresh" })));
  app.post<{ Body: FormBody | undefined; Params: { app: string } }>("/ui/apps/:app/sync", (req, reply) =>
    handle(req, reply, (b) => ({ action: "sync", app: req.params.app, cluster: str(b.cluster), prune: b.prune === "true" || b.prune === "on" })),
  );
  app.post<{ Body: FormBody | undefined; Params: { app: string } }>("/ui/apps/:app/rollback", (req, reply) =>
    handle(req, reply, (b) => {
      const id = Number(b.id);
      if (!Number.isInteger(id) || id < 1) return "A rollback names a history id.";
      const cluster = str(b.cluster);
      if (cluster === undefined) return "A rollback names one cluster.";
      return { action: "rollback", app: req.params.app, cluster, id };
    }),
  );
}

/** One line per cluster from the hub's answer: what was published. */
function describe(result: Readonly<Record<string, unknown>>): string {
  if (result["status"] === "refreshed") {
    const sources = (result["sources"] as { id: string; revision?: string }[] | undefined) ?? [];
    return `Fetched ${sources.map((s) => `${s.id} at ${(s.revision ?? "?").slice(0, 7)}`).join(", ")}.`;
  }
  const items = (result["items"] as { cluster: string; generation?: number | null; revision?: string | null; pending?: boolean; error?: string; id?: number }[] | undefined) ?? [];
  return items
    .map((i) => {
      if (i.error !== undefined) return `${i.cluster}: publish failed (${i.error}).`;
      if (i.pending === true) return `${i.cluster}: requested; the hub carries it out as soon as HEAD renders for it.`;
      const to = i.id === undefined ? "" : ` (history ${String(i.id)})`;
      return `${i.cluster}: signed envelope generation ${String(i.generation ?? "?")} at ${(i.revision ?? "?").slice(0, 7)} published${to}.`;
    })
    .join(" ");
}
