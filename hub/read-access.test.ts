import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { grantsRead, registerReadAccess, safeNext, sessionValue, SESSION_COOKIE } from "./read-access.js";

const options = { readToken: "read-1", apiToken: "api-1" };

function app() {
  const a = Fastify();
  registerReadAccess(a, options);
  a.get("/api/v1/clusters", () => ({ items: [] }));
  a.get("/", () => "fleet");
  a.get("/healthz", () => ({ status: "ok" }));
  return a;
}

describe("read access", () => {
  it("is open without a read token, and otherwise wants the read or API token or their session", () => {
    expect(grantsRead({}, {})).toBe(true);
    expect(grantsRead({}, options)).toBe(false);
    expect(grantsRead({ authorization: "Bearer read-1" }, options)).toBe(true);
    expect(grantsRead({ authorization: "bearer api-1" }, options)).toBe(true);
    expect(grantsRead({ authorization: "Bearer read-" }, options)).toBe(false);
    expect(grantsRead({ cookie: `a=b; ${SESSION_COOKIE}=${sessionValue("read-1")}` }, options)).toBe(true);
    expect(grantsRead({ cookie: `${SESSION_COOKIE}=read-1` }, options)).toBe(false);
    expect(sessionValue("read-1")).not.toContain("read-1");
  });

  it("redirects only to paths on this hub after sign-in", () => {
    expect(safeNext("/clusters/eu-1?fragment=1")).toBe("/clusters/eu-1?fragment=1");
    for (const bad of ["//evil.example/", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "/login?next=/", undefined, 42]) expect(safeNext(bad), String(bad)).toBe("/");
  });

  it("answers the API with 401, sends a browser to /login, and signs it in with a session cookie", async () => {
    const a = app();
    expect((await a.inject({ url: "/healthz" })).statusCode).toBe(200);
    const api = await a.inject({ url: "/api/v1/clusters" });
    expect(api.statusCode).toBe(401);
    expect(api.json()).toMatchObject({ error: { code: "HUB_UNAUTHORIZED" } });
    const page = await a.inject({ url: "/clusters/eu-1" });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe("/login?next=%2Fclusters%2Feu-1");
    const form = await a.inject({ url: "/login?next=%2Fclusters%2Feu-1" });
    expect(form.body).toContain('name="next" value="/clusters/eu-1"');
    const wrong = await a.inject({ method: "POST", url: "/login", payload: "token=nope&next=%2F", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers["set-cookie"]).toBeUndefined();
    const right = await a.inject({ method: "POST", url: "/login", payload: "token=api-1&next=%2F%2Fevil.example", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toBe("/");
    const cookie = String(right.headers["set-cookie"]);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=${sessionValue("api-1")}; Path=/; HttpOnly; SameSite=Strict`));
    expect((await a.inject({ url: "/", headers: { cookie: cookie.split(";")[0] ?? "" } })).body).toBe("fleet");
  });
});
