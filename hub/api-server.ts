import { timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Clock, Logger } from "../core/index.js";
import { HUB_ERROR } from "./hub-errors.js";
import type { HubService } from "./hub-service.js";
import { appViews, clusterNames, clusterView, viewIndex } from "./status-views.js";
import { registerReadAccess } from "./read-access.js";
import { verifyWebhook } from "./webhook.js";
import { hubDashboardViews, registerDashboard } from "./dashboard/index.js";
import { parseSelector } from "./dashboard/label-selector.js";
import { registerAppRoutes } from "./app-routes.js";
import { runAction } from "./app-actions.js";
import { dashboardSession, registerDashboardActions } from "./dashboard-actions.js";
import type { AuditEntry } from "./audit-log.js";
import type { Leadership } from "./leader-election.js";
import { registerLeaderRoutes, standbyNotice } from "./leader-routes.js";

export { parseSelector };

export interface ApiOptions {
  readonly hub: HubService;
  /** Bearer token for mutations (POST /api/v1/refresh); without one, mutations are refused. */
  readonly apiToken?: string | undefined;
  /** With it, every read (API and dashboard) wants this token or the API token; see read-access.ts. */
  readonly readToken?: string | undefined;
  /** Shared secret for webhooks (GitHub/generic HMAC key, GitLab token); without one the endpoint is off. */
  readonly webhookSecret?: string | undefined;
  readonly hubPublicKey: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Hub failover: `GET /api/v1/leader`, and mutations refused on a standby (leader-routes.ts). */
  readonly leadership?: Leadership | undefined;
}

function tokenMatches(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined || header === undefined) return false;
  const given = Buffer.from(header.replace(/^Bearer\s+/i, ""));
  const want = Buffer.from(token);
  return header.toLowerCase().startsWith("bearer ") && given.length === want.length && timingSafeEqual(given, want);
}

/** What a caller says its name is (`X-Flotilla-User`, sent by the CLI from $USER): recorded, not trusted. */
function claimedUser(req: FastifyRequest): string | undefined {
  const raw = req.headers["x-flotilla-user"];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value !== undefined && /^[\w.@+-]{1,64}$/.test(value) ? value : undefined;
}

function problem(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/** The hub's HTTP API (fastify): read models, refresh, webhooks, health and metrics. */
export function buildApi(options: ApiOptions): FastifyInstance {
  const { hub, clock } = options;
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  registerReadAccess(app, { readToken: options.readToken, apiToken: options.apiToken });

  if (options.leadership !== undefined) registerLeaderRoutes(app, { leadership: options.leadership, mayMutate: (req) => tokenMatches(req.headers.authorization, options.apiToken) });
  app.get("/healthz", () => ({ status: "ok" }));
  app.get("/readyz", (_req, reply) =>
    hub.ready && !hub.store.nc.isClosed() ? { status: "ready" } : problem(reply, 503, "HUB_NOT_READY", "hub is starting or lost NATS"),
  );
  app.get("/metrics", async (_req, reply) => {
    const now = clock.now();
    const counts = { Online: 0, Offline: 0 };
    for (const name of clusterNames(hub)) counts[hub.registry.connection(name, now)] += 1;
    for (const [connection, n] of Object.entries(counts)) hub.metrics.clusters.set({ connection }, n);
    return reply.type(hub.metrics.registry.contentType).send(await hub.metrics.registry.metrics());
  });
  // The web dashboard: `/`, `/clusters/:name`, `/rollouts`, `/events` (server-sent change events).
  const leadership = options.leadership;
  const notice = leadership === undefined ? undefined : () => standbyNotice(leadership.view());
  registerDashboard(app, { views: { ...hubDashboardViews(hub, clock), notice }, session: (req) => dashboardSession(req, { apiToken: options.apiToken, readToken: options.readToken, clock }) });
  registerDashboardActions(app, { hub, apiToken: options.apiToken, readToken: options.readToken, clock, logger: options.logger });

  app.get("/api/v1/hub-key", () => ({ publicKey: options.hubPublicKey }));
  app.get<{ Querystring: { selector?: string } }>("/api/v1/clusters", (req, reply) => {
    const now = clock.now();
    const matches = parseSelector(req.query.selector);
    if (matches === null) return problem(reply, 400, "INVALID_SELECTOR", "selector must look like key=value,key!=value,key");
    const index = viewIndex(hub);
    return { items: clusterNames(hub).filter((n) => matches(hub.registry.labels(n))).map((n) => clusterView(hub, n, now, index)) };
  });
  app.get<{ Params: { name: string } }>("/api/v1/clusters/:name", (req, reply) => {
    if (!clusterNames(hub).includes(req.params.name)) return problem(reply, 404, HUB_ERROR.notFound, `no cluster ${req.params.name}`);
    return clusterView(hub, req.params.name, clock.now());
  });
  app.get<{ Params: { name: string } }>("/api/v1/clusters/:name/cert", (req, reply) => {
    const cert = hub.registry.get(req.params.name)?.hello?.sealingCert;
    if (cert === undefined) return problem(reply, 404, HUB_ERROR.notFound, `cluster ${req.params.name} has not registered a sealing certificate`);
    return reply.type("application/x-pem-file").send(cert);
  });
  // The spoke's sealing keys, age-encrypted to its recovery recipients: only the holder of the
  // recovery identity opens it (`flotilla keys backup --hub`, then `flotilla keys restore`).
  app.get<{ Params: { name: string } }>("/api/v1/clusters/:name/key-backup", (req, reply) => {
    const name = req.params.name;
    if (!clusterNames(hub).includes(name)) return problem(reply, 404, HUB_ERROR.notFound, `no cluster ${name}`);
    const backup = hub.registry.get(name)?.keyBackup;
    if (backup === undefined) return problem(reply, 404, HUB_ERROR.keyBackupNotFound, `cluster ${name} has not sent a key backup (start its spoke with --recovery-recipient)`);
    return reply.type("text/plain; charset=utf-8").header("x-flotilla-received-at", new Date(backup.receivedAt).toISOString()).send(backup.armored);
  });
  app.get<{ Querystring: { cluster?: string; appSet?: string } }>("/api/v1/applications", (req) => {
    const now = clock.now();
    const names = req.query.cluster === undefined ? clusterNames(hub) : [req.query.cluster];
    const index = viewIndex(hub);
    const items = names.flatMap((n) => appViews(hub, n, now, index)).filter((a) => req.query.appSet === undefined || a.appSet === req.query.appSet);
    return { items };
  });
  app.get("/api/v1/rollouts", () => ({
    items: hub.rollouts().map((d) => ({ ...d.record, steps: d.steps })),
  }));
  // Fleet-level failures of HEAD (Argo CD's ComparisonError, for the fleet): `flotilla status` exits non-zero while any holds.
  app.get("/api/v1/conditions", () => ({ headRevision: hub.headRevision(), items: hub.conditions() }));
  app.get("/api/v1/sources", () => ({ items: hub.sources(), renderErrors: hub.renderErrors() }));

  const refusal = options.apiToken === undefined ? "mutations are disabled: start the hub with an API token" : "missing or wrong bearer token";
  const actorOf = (req: FastifyRequest): AuditEntry["actor"] | undefined =>
    tokenMatches(req.headers.authorization, options.apiToken) ? { auth: "api-token", user: claimedUser(req), address: req.ip } : undefined;
  registerAppRoutes(app, { hub, now: () => clock.now(), actorOf, refusal });

  app.post("/api/v1/refresh", async (req: FastifyRequest, reply) => {
    const actor = actorOf(req);
    if (actor === undefined) return problem(reply, 401, HUB_ERROR.unauthorized, refusal);
    const outcome = await runAction(hub, actor, { action: "refresh" });
    if (!outcome.ok) return problem(reply, outcome.status, outcome.code, outcome.message);
    return { ...outcome.result, audit: outcome.audit };
  });

  void app.register((scope, _opts, done) => {
    // Signatures are over the exact bytes, so this route keeps the raw body.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, next) => {
      next(null, body);
    });
    scope.post("/api/webhook", (req, reply) => {
      if (options.webhookSecret === undefined) return problem(reply, 404, HUB_ERROR.notFound, "webhooks are not configured on this hub");
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const check = verifyWebhook(req.headers, body, options.webhookSecret);
      if (!check.ok) {
        hub.metrics.webhooks.inc({ result: "rejected" });
        options.logger.warn({ reason: check.reason }, "webhook rejected");
        return problem(reply, 401, HUB_ERROR.webhookSignature, check.reason ?? "bad signature");
      }
      hub.metrics.webhooks.inc({ result: "accepted" });
      void hub.refresh();
      return reply.code(202).send({ status: "accepted", kind: check.kind });
    });
    done();
  });
  return app;
}
