import { createHmac, timingSafeEqual } from "node:crypto";

/** Which provider signed a webhook, judged by its headers. */
export type WebhookKind = "github" | "gitlab" | "generic";

export interface WebhookCheck {
  readonly ok: boolean;
  readonly kind?: WebhookKind | undefined;
  readonly reason?: string | undefined;
}

function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function hmacHex(secret: string, body: Uint8Array): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/**
 * Verifies a webhook over the raw body (pure): GitHub `X-Hub-Signature-256: sha256=<hmac>`,
 * GitLab `X-Gitlab-Token: <secret>`, or the generic `X-Flotilla-Signature: sha256=<hmac>`.
 * Header names are lower-case, as Node delivers them.
 */
export function verifyWebhook(headers: Readonly<Record<string, string | string[] | undefined>>, body: Uint8Array, secret: string): WebhookCheck {
  const github = header(headers, "x-hub-signature-256");
  if (github !== undefined) {
    return safeEqual(github, `sha256=${hmacHex(secret, body)}`) ? { ok: true, kind: "github" } : { ok: false, kind: "github", reason: "X-Hub-Signature-256 does not match" };
  }
  const gitlab = header(headers, "x-gitlab-token");
  if (gitlab !== undefined) {
    return safeEqual(gitlab, secret) ? { ok: true, kind: "gitlab" } : { ok: false, kind: "gitlab", reason: "X-Gitlab-Token does not match" };
  }
  const generic = header(headers, "x-flotilla-signature");
  if (generic !== undefined) {
    return safeEqual(generic, `sha256=${hmacHex(secret, body)}`) ? { ok: true, kind: "generic" } : { ok: false, kind: "generic", reason: "X-Flotilla-Signature does not match" };
  }
  return { ok: false, reason: "no X-Hub-Signature-256, X-Gitlab-Token or X-Flotilla-Signature header" };
}

/** Signs a body the way verifyWebhook expects for GitHub and the generic form (for clients and tests). */
export function signWebhookBody(body: Uint8Array, secret: string): string {
  return `sha256=${hmacHex(secret, body)}`;
}
