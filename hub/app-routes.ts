import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { diffManifests, maskSecret } from "../gitops/index.js";
import type { KubeObject } from "../kube/kube-object.js";
import type { AuditEntry } from "./audit-log.js";
import { runAction, type ActionRequest } from "./app-actions.js";
import { HUB_ERROR } from "./hub-errors.js";
import type { HubService } from "./hub-service.js";
import { appViews } from "./status-views.js";

export interface AppRoutesOptions {
  readonly hub: HubService;
  readonly now: () => number;
  /** Who is calling, when the request carries the API token (or its dashboard session); undefined otherwise. */
  readonly actorOf: (req: FastifyRequest) => AuditEntry["actor"] | undefined;
  /** Why mutations are refused to a caller without the token. */
  readonly refusal: string;
}

function problem(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

interface ActionBody {
  cluster?: unknown;
  prune?: unknown;
  id?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * The application API, as `argocd app` uses Argo CD's: reads (`GET /api/v1/applications/:name`,
 * `/history`, `/manifests`, `/diff`), actions (`POST …/sync`, `…/rollback`, `…/suspend`,
 * `…/resume`) that want the API token and are each recorded in the audit log, and `GET
 * /api/v1/audit`. An action reaches a spoke only as the next signed envelope the hub publishes.
 */
export function registerAppRoutes(app: FastifyInstance, options: AppRoutesOptions): void {
  const { hub } = options;

  const viewsOf = (name: string, cluster: string | undefined): ReturnType<typeof appViews> => {
    const clusters = cluster === undefined ? hub.renderedClusters().map((c) => c.name) : [cluster];
    return clusters.flatMap((c) => appViews(hub, c, options.now()).filter((a) => a.name === name));
  };

  app.get<{ Params: { name: string }; Querystring: { cluster?: string } }>("/api/v1/applications/:name", (req, reply) => {
    const items = viewsOf(req.params.name, req.query.cluster);
    if (items.length === 0) return problem(reply, 404, HUB_ERROR.appNotFound, `no application "${req.params.name}"${req.query.cluster === undefined ? "" : ` on cluster "${req.query.cluster}"`}`);
    return {
      items: items.map((a) => ({
        ...a,
        objects: (hub.registry.get(a.cluster)?.report?.apps ?? []).find((r) => r.name === a.name)?.objects ?? [],
        history: hub.appHistory(a.cluster, a.name).map(({ app: _app, ...h }) => h),
      })),
    };
  });

  app.get<{ Params: { name: string }; Querystring: { cluster?: string } }>("/api/v1/applications/:name/history", (req, reply) => {
    const items = viewsOf(req.params.name, req.query.cluster);
    if (items.length === 0) return problem(reply, 404, HUB_ERROR.appNotFound, `no application "${req.params.name}"`);
    return { items: items.map((a) => ({ cluster: a.cluster, history: hub.appHistory(a.cluster, a.name).map(({ app: _app, ...h }) => h) })) };
  });

  // What the hub last published for a cluster, Secret values masked: `flotilla diff` compares a local render with it.
  app.get<{ Params: { name: string }; Querystring: { app?: string } }>("/api/v1/clusters/:name/manifests", (req, reply) => {
    const state = hub.clusterState(req.params.name);
    if (state === undefined && !hub.renderedClusters().some((c) => c.name === req.params.name)) return problem(reply, 404, HUB_ERROR.notFound, `no cluster ${req.params.name}`);
    const apps = (state?.bundle?.apps ?? []).filter((a) => req.query.app === undefined || a.name === req.query.app);
    return {
      cluster: req.params.name,
      revision: state?.published?.revision ?? null,
      generation: state?.published?.generation ?? null,
      apps: apps.map((a) => ({ name: a.name, namespace: a.namespace ?? null, objects: a.objects.map((o) => maskSecret(o as KubeObject)) })),
    };
  });

  // `argocd app diff`: what a sync would change, HEAD's render against what the cluster was sent.
  app.get<{ Params: { name: string }; Querystring: { cluster?: string } }>("/api/v1/applications/:name/diff", (req, reply) => {
    const clusters = hub.renderedClusters().filter((c) => (req.query.cluster === undefined || c.name === req.query.cluster) && c.apps.some((a) => a.name === req.params.name));
    if (clusters.length === 0) return problem(reply, 404, HUB_ERROR.appNotFound, `no application "${req.params.name}"`);
    return {
      items: clusters.map((c) => {
        const head = c.apps.find((a) => a.name === req.params.name);
        const published = hub.clusterState(c.name)?.bundle?.apps.find((a) => a.name === req.params.name);
        const diffs = diffManifests((published?.objects ?? []) as KubeObject[], head?.objects ?? [], { beforeLabel: "published", afterLabel: "head", namespace: head?.namespace });
        return { cluster: c.name, headRevision: hub.headRevision(), error: head?.error, diffs };
      }),
    };
  });

  app.get<{ Querystring: { limit?: string; app?: string } }>("/api/v1/audit", (req) => {
    const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? "100") || 100));
    return { items: hub.audit.list({ limit, app: req.query.app }) };
  });

  type Action = "sync" | "rollback" | "suspend" | "resume";
  const act = async (req: FastifyRequest<{ Params: { name: string }; Body: ActionBody | undefined }>, reply: FastifyReply, action: Action): Promise<unknown> => {
    const actor = options.actorOf(req);
    if (actor === undefined) return problem(reply, 401, HUB_ERROR.unauthorized, options.refusal);
    const body = typeof req.body === "object" && req.body !== null ? req.body : {};
    const app = req.params.name;
    const cluster = str(body.cluster);
    const id = typeof body.id === "number" && Number.isInteger(body.id) ? body.id : undefined;
    const request: ActionRequest = action === "sync" ? { action, app, cluster, prune: body.prune === true } : action === "rollback" ? { action, app, cluster, id } : { action, app, cluster };
    const outcome = await runAction(hub, actor, request);
    if (!outcome.ok) return problem(reply, outcome.status, outcome.code, outcome.message);
    return { ...outcome.result, audit: outcome.audit };
  };
  for (const action of ["sync", "rollback", "suspend", "resume"] as const) {
    app.post<{ Params: { name: string }; Body: ActionBody | undefined }>(`/api/v1/applications/:name/${action}`, (req, reply) => act(req, reply, action));
  }
}
