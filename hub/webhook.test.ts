import { describe, expect, it } from "vitest";
import { signWebhookBody, verifyWebhook } from "./webhook.js";

const body = Buffer.from('{"ref":"refs/heads/main"}');

describe("verifyWebhook", () => {
  it("accepts GitHub, GitLab and generic signatures made with the secret", () => {
    expect(verifyWebhook({ "x-hub-signature-256": signWebhookBody(body, "s") }, body, "s")).toEqual({ ok: true, kind: "github" });
    expect(verifyWebhook({ "x-gitlab-token": "s" }, body, "s")).toEqual({ ok: true, kind: "gitlab" });
    expect(verifyWebhook({ "x-flotilla-signature": signWebhookBody(body, "s") }, body, "s")).toEqual({ ok: true, kind: "generic" });
  });

  it("rejects a wrong secret, a changed body and a missing header", () => {
    expect(verifyWebhook({ "x-hub-signature-256": signWebhookBody(body, "other") }, body, "s").ok).toBe(false);
    expect(verifyWebhook({ "x-hub-signature-256": signWebhookBody(body, "s") }, Buffer.from("{}"), "s").ok).toBe(false);
    expect(verifyWebhook({ "x-gitlab-token": "s2" }, body, "s").ok).toBe(false);
    expect(verifyWebhook({}, body, "s").reason).toContain("no X-Hub-Signature-256");
  });
});
