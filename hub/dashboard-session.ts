import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The dashboard's sessions and CSRF tokens, pure (clock passed in). A session cookie is an HMAC of
 * the token it was earned with (read-access.ts `sessionValue`), so the hub keeps no session table
 * and the cookie never holds the token. Only a session earned with the API token may act; its
 * forms carry a CSRF token bound to that session and to an expiry, MACed with a key derived from
 * the API token: a page from another site can neither read nor forge one.
 */

export const SESSION_COOKIE = "flotilla_session";
/** What the signed-in person said their name was: recorded in the audit log, never trusted. */
export const USER_COOKIE = "flotilla_user";
/** How long a form's CSRF token stays valid; live fragments re-render forms far more often. */
export const CSRF_TTL_MS = 60 * 60 * 1000;

export type SessionRole = "admin" | "read";

export function equalStrings(given: string, want: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The cookie value a token earns: an HMAC of it, so the cookie never holds the token itself. */
export function sessionValue(token: string): string {
  return createHmac("sha256", token).update("flotilla dashboard session v1").digest("base64url");
}

export function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export interface SessionTokens {
  readonly readToken?: string | undefined;
  readonly apiToken?: string | undefined;
}

/** `admin` for a session earned with the API token, `read` for the read token, undefined otherwise. */
export function sessionRole(cookieHeader: string | undefined, tokens: SessionTokens): SessionRole | undefined {
  const session = cookieOf(cookieHeader, SESSION_COOKIE);
  if (session === undefined) return undefined;
  if (tokens.apiToken !== undefined && tokens.apiToken !== "" && equalStrings(session, sessionValue(tokens.apiToken))) return "admin";
  if (tokens.readToken !== undefined && tokens.readToken !== "" && equalStrings(session, sessionValue(tokens.readToken))) return "read";
  return undefined;
}

/** A name someone typed at sign-in, if it is a plain one (as X-Flotilla-User). */
export function claimedName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const decoded = (() => {
    try {
      return decodeURIComponent(value);
    } catch {
      return "";
    }
  })();
  return /^[\w.@+-]{1,64}$/.test(decoded) ? decoded : undefined;
}

function csrfMac(apiToken: string, session: string, expires: number): string {
  const key = createHmac("sha256", apiToken).update("flotilla dashboard csrf v1").digest();
  return createHmac("sha256", key).update(`${session}\n${String(expires)}`).digest("base64url");
}

/** A CSRF token for forms shown to `session`: `<expiry, base36>.<mac>`. */
export function csrfToken(apiToken: string, session: string, now: number): string {
  const expires = now + CSRF_TTL_MS;
  return `${expires.toString(36)}.${csrfMac(apiToken, session, expires)}`;
}

export type CsrfCheck = "ok" | "missing" | "expired" | "invalid";

export function checkCsrf(apiToken: string, session: string, token: unknown, now: number): CsrfCheck {
  if (typeof token !== "string" || token === "") return "missing";
  const dot = token.indexOf(".");
  const expires = dot > 0 ? parseInt(token.slice(0, dot), 36) : NaN;
  if (!Number.isSafeInteger(expires) || !equalStrings(token.slice(dot + 1), csrfMac(apiToken, session, expires))) return "invalid";
  // A genuine token past its expiry, or one claiming more life than the hub ever gives.
  if (expires <= now || expires > now + CSRF_TTL_MS) return "expired";
  return "ok";
}

/**
 * True when the browser says the form came from another site. SameSite=Strict already keeps the
 * cookie off such requests; this refuses them even from a browser that would send it.
 */
export function crossSite(headers: { origin?: string | undefined; host?: string | undefined; "sec-fetch-site"?: string | string[] | undefined }): boolean {
  const fetchSite = headers["sec-fetch-site"];
  if (fetchSite === "cross-site" || fetchSite === "same-site") return true;
  const origin = headers.origin;
  if (origin === undefined) return false;
  if (origin === "null") return true;
  try {
    return new URL(origin).host !== headers.host;
  } catch {
    return true;
  }
}
