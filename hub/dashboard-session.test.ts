import { describe, expect, it } from "vitest";
import { checkCsrf, claimedName, crossSite, csrfToken, CSRF_TTL_MS, sessionRole, sessionValue, SESSION_COOKIE } from "./dashboard-session.js";

const API = "api-token-1";
const READ = "read-token-1";
const NOW = Date.parse("2026-01-01T12:00:00Z");

describe("dashboard sessions and CSRF tokens", () => {
  it("tells an API-token session from a read-token one, and refuses anything else", () => {
    const tokens = { apiToken: API, readToken: READ };
    expect(sessionRole(`${SESSION_COOKIE}=${sessionValue(API)}`, tokens)).toBe("admin");
    expect(sessionRole(`a=b; ${SESSION_COOKIE}=${sessionValue(READ)}`, tokens)).toBe("read");
    expect(sessionRole(`${SESSION_COOKIE}=${API}`, tokens)).toBeUndefined();
    expect(sessionRole(undefined, tokens)).toBeUndefined();
    expect(sessionRole(`${SESSION_COOKIE}=${sessionValue(API)}`, { readToken: READ })).toBeUndefined();
  });

  it("accepts its own fresh token only: not expired, not for another session, not forged, not from far in the future", () => {
    const session = sessionValue(API);
    const token = csrfToken(API, session, NOW);
    expect(token).not.toContain(API);
    expect(checkCsrf(API, session, token, NOW + 1000)).toBe("ok");
    expect(checkCsrf(API, session, token, NOW + CSRF_TTL_MS + 1)).toBe("expired");
    expect(checkCsrf(API, sessionValue(READ), token, NOW)).toBe("invalid");
    expect(checkCsrf("another-api-token", session, token, NOW)).toBe("invalid");
    const [exp, mac] = token.split(".");
    expect(checkCsrf(API, session, `${(Number.parseInt(exp ?? "", 36) + 1).toString(36)}.${mac ?? ""}`, NOW)).toBe("invalid");
    expect(checkCsrf(API, session, csrfToken(API, session, NOW + 10 * CSRF_TTL_MS), NOW)).toBe("expired");
    for (const missing of [undefined, "", 42]) expect(checkCsrf(API, session, missing, NOW)).toBe("missing");
    expect(checkCsrf(API, session, "garbage", NOW)).toBe("invalid");
  });

  it("sees a cross-site form by its Origin or Sec-Fetch-Site", () => {
    expect(crossSite({ host: "hub:8080" })).toBe(false);
    expect(crossSite({ host: "hub:8080", origin: "http://hub:8080", "sec-fetch-site": "same-origin" })).toBe(false);
    expect(crossSite({ host: "hub:8080", origin: "http://evil.example" })).toBe(true);
    expect(crossSite({ host: "hub:8080", origin: "null" })).toBe(true);
    expect(crossSite({ host: "hub:8080", "sec-fetch-site": "cross-site" })).toBe(true);
  });

  it("keeps only plain names for the audit log", () => {
    expect(claimedName("alice")).toBe("alice");
    expect(claimedName("al%20ice")).toBeUndefined();
    expect(claimedName("<b>")).toBeUndefined();
  });
});
