import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { loginPage } from "./dashboard/index.js";
import { HUB_ERROR } from "./hub-errors.js";

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

export const SESSION_COOKIE = "flotilla_session";

/** Paths anyone may reach: probes, metrics, the login page, and routes with their own auth. */
const OPEN_PATHS = new Set(["/healthz", "/readyz", "/metrics", "/login", "/api/webhook", "/api/v1/refresh"]);

function equal(given: string, want: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The cookie value a token earns: an HMAC of it, so the cookie never holds the token itself. */
export function sessionValue(token: string): string {
  return createHmac("sha256", token).update("flotilla dashboard session v1").digest("base64url");
}

function tokens(options: ReadAccessOptions): string[] {
  return [options.readToken, options.apiToken].filter((t): t is string => t !== undefined && t !== "");
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** True when the request carries a bearer token or a session cookie that grants reads. */
export function grantsRead(headers: { authorization?: string | undefined; cookie?: string | undefined }, options: ReadAccessOptions): boolean {
  if (options.readToken === undefined) return true;
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1];
  const session = cookie(headers.cookie, SESSION_COOKIE);
  return tokens(options).some((t) => (bearer !== undefined && equal(bearer, t)) || (session !== undefined && equal(session, sessionValue(t))));
}

/** Where to go after signing in: a path on this hub only (`//host` or a URL would be an open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/(?![/\\])[^\s]*$/.test(next) && !next.startsWith("/login") ? next : "/";
}

function wantsHtml(req: FastifyRequest): boolean {
  return !req.url.startsWith("/api/") && req.url !== "/events" && !req.url.includes("fragment=");
}

/** Adds the read check to every route but the open ones, and the dashboard's `/login`. */
export function registerReadAccess(app: FastifyInstance, options: ReadAccessOptions): void {
  if (options.readToken === undefined) return;
  app.addHook("onRequest", (req, reply, done) => {
    const path = req.url.split("?")[0] ?? req.url;
    if (OPEN_PATHS.has(path) || grantsRead(req.headers, options)) {
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

  const html = (reply: FastifyReply, code: number, input: { failed: boolean; next: string }): FastifyReply =>
    reply.code(code).type("text/html; charset=utf-8").header("cache-control", "no-store").send(loginPage(input));
  app.get<{ Querystring: { next?: string } }>("/login", (req, reply) => html(reply, 200, { failed: false, next: safeNext(req.query.next) }));
  // A plain HTML form posts url-encoded; URLSearchParams is the standard parser for it.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, next) => {
    next(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.post<{ Body: { token?: string; next?: string } }>("/login", (req, reply) => {
    const body = typeof req.body === "object" ? req.body : {};
    const given = typeof body.token === "string" ? body.token.trim() : "";
    const next = safeNext(body.next);
    const match = tokens(options).find((t) => equal(given, t));
    if (match === undefined) return html(reply, 401, { failed: true, next });
    const secure = req.protocol === "https" ? "; Secure" : "";
    return reply
      .code(303)
      .header("set-cookie", `${SESSION_COOKIE}=${sessionValue(match)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200${secure}`)
      .header("location", next)
      .send();
  });
}
