import type { FastifyInstance, FastifyRequest } from "fastify";
import { HUB_ERROR } from "./hub-errors.js";
import type { Leadership, LeaderView } from "./leader-election.js";

export interface LeaderRoutesOptions {
  readonly leadership: Leadership;
  /** The request carries the API (mutation) token: only such callers learn where the leader is from a refusal. */
  readonly mayMutate: (req: FastifyRequest) => boolean;
}

/**
 * `GET /api/v1/leader`, and the standby's answer to mutations. Like the controllers of Kubernetes,
 * only the leader acts: a standby serves every read, but an authorised POST to `/api/v1/…` gets 503
 * `HUB_NOT_LEADER` naming the leader (body `leader`, header `X-Flotilla-Leader`), with Retry-After.
 * It is not forwarded: the caller sees which hub it reached and decides (the CLI prints it). Webhooks
 * are accepted by every hub: on a standby they only fetch, which keeps it warm.
 */
export function registerLeaderRoutes(app: FastifyInstance, options: LeaderRoutesOptions): void {
  const { leadership } = options;
  app.get("/api/v1/leader", () => leadership.view());
  app.addHook("preHandler", (req, reply, done) => {
    const path = req.url.split("?")[0] ?? req.url;
    if (req.method === "GET" || req.method === "HEAD" || !path.startsWith("/api/v1/") || leadership.holds() || !options.mayMutate(req)) {
      done();
      return;
    }
    const view = leadership.view();
    const leader = view.leader;
    const where = leader === null ? "no hub holds the lease right now" : `hub ${leader.id}${leader.url === undefined ? "" : ` at ${leader.url}`} leads`;
    if (leader?.url !== undefined) void reply.header("x-flotilla-leader", leader.url);
    void reply
      .code(503)
      .header("retry-after", "2")
      .send({ error: { code: HUB_ERROR.notLeader, message: `this hub (${view.self.id}) is a standby and does not act; ${where}: send the request there` }, leader });
  });
}

/** The dashboard's line on a standby (undefined on the leader): the page is served, the actions are the leader's. */
export function standbyNotice(view: LeaderView): string | undefined {
  if (view.self.role === "leader") return undefined;
  const leader = view.leader === null ? "no hub leads right now" : `hub ${view.leader.id}${view.leader.url === undefined ? "" : ` at ${view.leader.url}`} leads`;
  return `This hub (${view.self.id}) is a standby: it shows what the leader published; ${leader}.`;
}
