import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { loginPage } from "./dashboard/index.js";
import { HUB_ERROR } from "./hub-errors.js";
import { claimedName, cookieOf, equalStrings as equal, sessionValue, SESSION_COOKIE, USER_COOKIE } from "./dashboard-session.js";

export { sessionValue, SESSION_COOKIE };

/**
 * Who may read the hub. Without a read token the API and the dashboard are open (a hub behind a
 * private network, the demo); with one, every read wants it, or the API token, as a bearer token,
 * or the dashboard's session cookie that `POST /login` sets after checking it.
 */
export interface ReadAccessOptions {
  readonly readToken?: string | undefined;
  /** The mutation token (`--api-token-file`) also grants reads. */
  readonly apiToken?: string | undefined;
}

/** Paths anyone may reach: probes, metrics, the sign-in pages, and routes with their own auth. */
const OPEN_PATHS = new Set(["/healthz", "/readyz", "/metrics", "/login", "/logout", "/api/webhook", "/api/v1/refresh"]);

function tokens(options: ReadAccessOptions): string[] {
  return [options.readToken, options.apiToken].filter((t): t is string => t !== undefined && t !== "");
}

/** True when the request carries a bearer token or a session cookie that grants reads. */
export function grantsRead(headers: { authorization?: string | undefined; cookie?: string | undefined }, options: ReadAccessOptions): boolean {
  if (options.readToken === undefined) return true;
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1];
  const session = cookieOf(headers.cookie, SESSION_COOKIE);
  return tokens(options).some((t) => (bearer !== undefined && equal(bearer, t)) || (session !== undefined && equal(session, sessionValue(t))));
}

/** Where to go after signing in: a path on this hub only (`//host` or a URL would be an open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/(?![/\\])[^\s]*$/.test(next) && !next.startsWith("/login") ? next : "/";
}

function wantsHtml(req: FastifyRequest): boolean {
  return !req.url.startsWith("/api/") && req.url !== "/events" && !req.url.includes("fragment=");
}

/**
 * Adds the read check to every route but the open ones (with a read token), and the dashboard's
 * `/login` and `/logout` (with any token: the API token signs a browser in to act).
 */
export function registerReadAccess(app: FastifyInstance, options: ReadAccessOptions): void {
  if (tokens(options).length === 0) return;
  if (options.readToken !== undefined) {
    app.addHook("onRequest", (req, reply, done) => {
      const path = req.url.split("?")[0] ?? req.url;
      // The dashboard's action forms check their own, stricter, session (dashboard-actions.ts).
      if (OPEN_PATHS.has(path) || path.startsWith("/ui/") || grantsRead(req.headers, options)) {
        done();
        return;
      }
      if (wantsHtml(req)) {
        void reply.code(303).header("location", `/login?next=${encodeURIComponent(req.url)}`).header("cache-control", "no-store").send();
        return;
      }
      void reply.code(401).header("www-authenticate", 'Bearer realm="flotilla-hub"').send({
        error: { code: HUB_ERROR.unauthorized, message: "this hub wants a token for reads: send Authorization: Bearer <read or API token> (the CLI reads FLOTILLA_HUB_TOKEN)" },
      });
    });
  }

  const readProtected = options.readToken !== undefined;
  const html = (reply: FastifyReply, code: number, input: { failed: boolean; next: string }): FastifyReply =>
    reply.code(code).type("text/html; charset=utf-8").header("cache-control", "no-store").send(loginPage({ ...input, readProtected }));
  app.get<{ Querystring: { next?: string } }>("/login", (req, reply) => html(reply, 200, { failed: false, next: safeNext(req.query.next) }));
  // A plain HTML form posts url-encoded; URLSearchParams is the standard parser for it.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, next) => {
    next(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.post<{ Body: { token?: string; next?: string; name?: string } }>("/login", (req, reply) => {
    const body = typeof req.body === "object" ? req.body : {};
    const given = typeof body.token === "string" ? body.token.trim() : "";
    const next = safeNext(body.next);
    const match = tokens(options).find((t) => equal(given, t));
    if (match === undefined) return html(reply, 401, { failed: true, next });
    const secure = req.protocol === "https" ? "; Secure" : "";
    const name = claimedName(typeof body.name === "string" ? body.name.trim() : undefined);
    const cookies = [`${SESSION_COOKIE}=${sessionValue(match)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200${secure}`];
    cookies.push(name === undefined ? `${USER_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}` : `${USER_COOKIE}=${encodeURIComponent(name)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200${secure}`);
    return reply.code(303).header("set-cookie", cookies).header("location", next).send();
  });
  // Signing out only clears cookies, so it needs no CSRF token: the worst a forged one does is sign someone out.
  app.post("/logout", (req, reply) => {
    const secure = req.protocol === "https" ? "; Secure" : "";
    return reply
      .code(303)
      .header("set-cookie", [SESSION_COOKIE, USER_COOKIE].map((n) => `${n}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`))
      .header("location", readProtected ? "/login" : "/")
      .send();
  });
}
