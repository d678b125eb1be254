// Fuzzing the hub's webhook endpoint, the one write path open without a token: the signature
// check (verifyWebhook, pure) and the real route of a running hub (NATS, git repo, HTTP). Anyone
// who can reach the hub sends random headers, header arrays, content types and bodies; only a
// body signed with the shared secret is accepted, nothing else answers 5xx, and every refusal
// carries a code. The payload itself is never interpreted (any accepted delivery refreshes every
// source), so the bytes are only hashed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, systemClock } from "../../core/index.js";
import { HUB_ERROR } from "../../hub/hub-errors.js";
import { signWebhookBody, startHub, verifyWebhook, type RunningHub } from "../../hub/index.js";
import { makeGitRepo, startNats, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { baseFleet } from "../hub/fleet-fixture.js";
import { bounded, bounds, expectNoPollution } from "./fuzz-support.js";

const SECRET = "fuzz-webhook-secret-do-not-echo";
const HEADERS = ["x-hub-signature-256", "x-gitlab-token", "x-flotilla-signature", "content-type", "__proto__", "constructor"] as const;

const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom("sha256=", "sha256=00", SECRET.slice(0, -1), `${SECRET} `, "sha1=abc", "\u0000"),
  fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
);
const headersArb = fc.dictionary(fc.constantFrom(...HEADERS), headerValue, { maxKeys: 4 });
const bodyArb = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? "null")),
  fc.constant(Buffer.from('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"ref":"refs/heads/main"}')),
);

describe("fuzz: verifyWebhook", () => {
  it("accepts only a signature made with the secret over these exact bytes; never throws", () => {
    fc.assert(
      fc.property(headersArb, bodyArb, fc.boolean(), (headers, body, signIt) => {
        const all: Record<string, string | string[] | undefined> = { ...headers };
        if (signIt) all["x-hub-signature-256"] = signWebhookBody(body, SECRET);
        const check = bounded(() => verifyWebhook(all, body, SECRET));
        expectNoPollution();
        const gitlabOk = !("x-hub-signature-256" in all) && [all["x-gitlab-token"]].flat()[0] === SECRET;
        const genericOk = !("x-hub-signature-256" in all) && !("x-gitlab-token" in all) && [all["x-flotilla-signature"]].flat()[0] === signWebhookBody(body, SECRET);
        expect(check.ok).toBe(signIt || gitlabOk || genericOk);
        if (!check.ok) expect(check.reason ?? "").not.toContain(SECRET);
      }),
      bounds(1000, 1_000),
    );
  });
});

describe("fuzz: the hub's /api/webhook route", () => {
  let nats: NatsServerHandle;
  let repo: GitRepo;
  let dir: string;
  let hub: RunningHub;

  beforeAll(async () => {
    nats = await startNats();
    repo = await makeGitRepo(baseFleet("1"));
    dir = await mkdtemp(join(tmpdir(), "flotilla-fuzz-webhook-"));
    hub = await startHub(
      {
        fleet: "prod",
        nats: { servers: nats.url },
        signingKeyFile: join(dir, "hub.pem"),
        repos: [{ url: repo.dir }],
        gitCacheDir: join(dir, "cache"),
        allowLocalRepos: true,
        listen: { host: "127.0.0.1", port: 0 },
        pollIntervalMs: 0,
        webhookSecret: SECRET,
      },
      { clock: systemClock, logger: silentLogger() },
    );
  });

  afterAll(async () => {
    await hub?.close();
    await nats?.stop();
    await repo?.remove();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("answers 202 only to a signed delivery, a coded 4xx to everything else, never 5xx", async () => {
    const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/json; charset=utf-16");
    await fc.assert(
      fc.asyncProperty(headersArb, bodyArb, contentType, fc.boolean(), async (headers, body, type, signIt) => {
        const sent = new Headers();
        for (const [name, value] of Object.entries(headers)) {
          if (name === "__proto__" || name === "constructor" || name === "content-type") continue;
          for (const v of [value].flat()) {
            try {
              sent.append(name, v);
            } catch {
              // not a legal HTTP header value: a client cannot send it
            }
          }
        }
        if (type !== "") sent.set("content-type", type);
        if (signIt) sent.set("x-hub-signature-256", signWebhookBody(body, SECRET));
        const res = await fetch(`${hub.url}/api/webhook`, { method: "POST", headers: sent, body });
        const text = await res.text();
        expect(res.status).toBeLessThan(500);
        expect(text).not.toContain(SECRET);
        if (signIt) expect(res.status).toBe(202);
        if (res.status === 401) expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(HUB_ERROR.webhookSignature);
        if (res.status !== 202 && res.status !== 401) expect((JSON.parse(text) as { code?: string; error?: { code: string } }).code ?? "").toMatch(/^FST_/);
      }),
      bounds(150, 2_000),
    );
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    expectNoPollution();
  });
});
