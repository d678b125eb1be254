import type { GitHttpRequest, GitHttpResponse, HttpClient } from "isomorphic-git";
import http from "isomorphic-git/http/node";

const MAX_REDIRECTS = 5;

/**
 * isomorphic-git's Node HTTP client with redirects handled here instead of by simple-get, which
 * keeps the Authorization header when a redirect changes scheme or port (only a new host name
 * drops it). Here a redirect that leaves the origin (scheme, host, port) never carries
 * credentials, a redirect from https to plain http is refused, and a POST is never redirected
 * (git follows redirects on the initial request only).
 */
export function guardedHttpClient(base: HttpClient = http): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const origin = new URL(req.url).origin;
      let url = req.url;
      let headers = { ...(req.headers ?? {}) };
      for (let hop = 0; ; hop++) {
        const res = await base.request({ ...req, url, headers, fetchOptions: { ...(req.fetchOptions as object | undefined), followRedirects: false } });
        const location = headerValue(res.headers, "location");
        if (res.statusCode < 300 || res.statusCode >= 400 || location === undefined) return { ...res, url };
        if ((req.method ?? "GET").toUpperCase() !== "GET" || hop >= MAX_REDIRECTS) return { ...res, url };
        await discard(res);
        const next = new URL(location, url);
        if (next.protocol !== "https:" && next.protocol !== "http:") throw new Error(`refusing a redirect to a ${next.protocol} URL`);
        if (new URL(url).protocol === "https:" && next.protocol === "http:") throw new Error("refusing a redirect from https to plain http");
        if (next.origin !== origin) headers = withoutCredentials(headers);
        url = next.href;
      }
    },
  };
}

function headerValue(headers: GitHttpResponse["headers"], name: string): string | undefined {
  if (headers === undefined) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    const lower = key.toLowerCase();
    if (lower !== "authorization" && lower !== "cookie") out[key] = value;
  }
  return out;
}

async function discard(res: GitHttpResponse): Promise<void> {
  const body = res.body;
  if (body === undefined) return;
  try {
    await body.return?.();
  } catch {
    // a response we throw away
  }
}
