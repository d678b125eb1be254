import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { DashboardSession, DashboardViews } from "./dashboard-views.js";
import { actionBar } from "./action-forms.js";
import { esc, layout } from "./html.js";
import { conditionsBanner } from "./conditions-banner.js";
import { appPage } from "./app-page.js";
import { fleetPage } from "./fleet-page.js";
import { clusterFragment } from "./pages.js";
import { rolloutSection, rolloutsPage, rolloutsSummary } from "./rollout-page.js";
import type { DashboardCommit, DashboardRollout } from "./dashboard-views.js";

export interface DashboardOptions {
  readonly views: DashboardViews;
  /** How often the views are checked for changes to push over SSE (default 1 s). */
  readonly pollMs?: number;
  /** A change event is sent at least this often so ages ("12s ago") stay current (default 5 s). */
  readonly refreshMs?: number;
  /** How the asking browser is signed in; its action forms appear only for an API-token session. */
  readonly session?: ((req: FastifyRequest) => DashboardSession) | undefined;
}

/** What changes the page: everything but the ages, which the periodic refresh covers. */
function viewsDigest(views: DashboardViews): string {
  if (views.version !== undefined) return views.version();
  const clusters = views.clusters().map((c) => ({ ...c, lastSeen: c.lastSeen === null }));
  return createHash("sha256").update(JSON.stringify([clusters, views.rollouts(), views.conditions?.() ?? []])).digest("base64url");
}

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(body);
}

/**
 * The hub's web dashboard as a fastify plugin: `/` (clusters × applications), `/clusters/:name`
 * (apps and objects), `/rollouts` (RollingSync steps), and `/events` (server-sent events telling
 * the page to fetch its fragment again). Server-rendered HTML, a few lines of vanilla JS, no
 * secret values: it only ever renders the statuses in `views`.
 */
export function registerDashboard(app: FastifyInstance, options: DashboardOptions): void {
  const { views } = options;
  const pollMs = options.pollMs ?? 1000;
  const refreshMs = options.refreshMs ?? 5000;
  const clients = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  let lastDigest = "";
  let lastSent = 0;

  const banners = (): string => {
    const notice = views.notice?.();
    return (notice === undefined ? "" : `<section id="notice" class="banner notice" role="status"><p>${esc(notice)}</p></section>`) + conditionsBanner(views.conditions?.() ?? []);
  };
  // The banner is part of every fragment, so it appears and clears live on every page.
  const sessionOf = (req: FastifyRequest): DashboardSession | undefined => options.session?.(req);
  const page = (req: FastifyRequest, title: string, url: string, fragment: boolean, inner: string): string => {
    const body = banners() + actionBar(sessionOf(req), url) + inner;
    return fragment ? body : layout({ fleet: views.fleet, title, fragmentUrl: `${url}?fragment=1`, body });
  };

  app.get<{ Querystring: { fragment?: string; q?: string; l?: string; group?: string; state?: string; page?: string } }>("/", (req, reply) => {
    const { q, l, group, state } = req.query;
    const query = { q, l, group, state, page: req.query.page === undefined ? undefined : Number(req.query.page) || 1 };
    const search = new URLSearchParams(Object.entries({ q, l, group, state, page: req.query.page }).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    // The live fragment keeps the filters of the page it belongs to.
    const url = search === "" ? "/" : `/?${search}&`;
    const body = rolloutsSummary(views.rollouts()) + fleetPage(views.clusters(), views.now(), query);
    const here = search === "" ? "/" : `/?${search}`;
    if (req.query.fragment !== undefined) return html(reply, page(req, "Fleet", here, true, body));
    return html(reply, layout({ fleet: views.fleet, title: "Fleet", fragmentUrl: url === "/" ? "/?fragment=1" : `${url}fragment=1`, body: banners() + actionBar(sessionOf(req), here) + body }));
  });

  app.get<{ Params: { name: string; app: string }; Querystring: { fragment?: string } }>("/clusters/:name/apps/:app", async (req, reply) => {
    const cluster = views.clusters().find((c) => c.name === req.params.name);
    const one = cluster?.apps.find((a) => a.name === req.params.app);
    if (cluster === undefined || one === undefined) return html(reply.code(404), page(req, "Not found", "/", false, `<p>No such application. <a href="/">Back to the fleet</a></p>`));
    const detail = await views.appDetail?.(cluster.name, one.name);
    const url = `/clusters/${encodeURIComponent(cluster.name)}/apps/${encodeURIComponent(one.name)}`;
    return html(reply, page(req, `${one.name} · ${cluster.name}`, url, req.query.fragment !== undefined, appPage(cluster, one, detail, { session: sessionOf(req), here: url, rollout: views.rollouts().find((r) => r.appSet === one.appSet) })));
  });

  app.get<{ Params: { name: string }; Querystring: { fragment?: string } }>("/clusters/:name", (req, reply) => {
    const cluster = views.clusters().find((c) => c.name === req.params.name);
    if (cluster === undefined) return html(reply.code(404), page(req, "Not found", "/", false, `<p>No cluster named <code>${req.params.name.replace(/[^a-z0-9-]/g, "")}</code>. <a href="/">Back to the fleet</a></p>`));
    const url = `/clusters/${encodeURIComponent(cluster.name)}`;
    return html(reply, page(req, cluster.name, url, req.query.fragment !== undefined, clusterFragment(cluster, views.now())));
  });

  const commitsOf = async (rollouts: readonly DashboardRollout[]): Promise<Map<string, DashboardCommit | undefined>> => {
    const out = new Map<string, DashboardCommit | undefined>();
    for (const r of rollouts) if (!out.has(r.revision)) out.set(r.revision, await views.commit?.(r.revision));
    return out;
  };
  app.get<{ Querystring: { fragment?: string } }>("/rollouts", async (req, reply) => {
    const rollouts = views.rollouts();
    return html(reply, page(req, "Rollouts", "/rollouts", req.query.fragment !== undefined, rolloutsPage(rollouts, views.now(), await commitsOf(rollouts))));
  });
  app.get<{ Params: { appSet: string }; Querystring: { fragment?: string } }>("/rollouts/:appSet", async (req, reply) => {
    const rollout = views.rollouts().find((r) => r.appSet === req.params.appSet);
    if (rollout === undefined) return html(reply.code(404), page(req, "Not found", "/rollouts", false, `<p>No RollingSync rollout for that ApplicationSet. <a href="/rollouts">All rollouts</a></p>`));
    const url = `/rollouts/${encodeURIComponent(rollout.appSet)}`;
    return html(reply, page(req, `Rollout ${rollout.appSet}`, url, req.query.fragment !== undefined, `<p><a href="/rollouts">← all rollouts</a></p>${rolloutSection(rollout, views.now(), await views.commit?.(rollout.revision))}`));
  });

  const broadcast = (): void => {
    for (const res of clients) res.write(`event: change\ndata: ${JSON.stringify({ at: views.now() })}\n\n`);
    lastSent = views.now();
  };
  const tick = (): void => {
    let digest: string;
    try {
      digest = viewsDigest(views);
    } catch {
      return;
    }
    if (digest !== lastDigest || views.now() - lastSent >= refreshMs) {
      lastDigest = digest;
      broadcast();
    }
  };

  app.get("/events", (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
    res.write("retry: 2000\n\n");
    clients.add(res);
    timer ??= setInterval(tick, pollMs);
    req.raw.once("close", () => {
      clients.delete(res);
      if (clients.size === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    });
  });

  // Open event streams would keep the server from closing.
  app.addHook("preClose", (done) => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    for (const res of clients) res.end();
    clients.clear();
    done();
  });
}
