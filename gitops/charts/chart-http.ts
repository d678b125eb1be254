import http from "node:http";
import https from "node:https";
import { rootCertificates } from "node:tls";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";

/** How chart repositories and registries are reached (the hub's settings). */
export interface ChartHttpSettings {
  /** Extra trusted CA certificates (PEM), added to Node's roots (helm's `--ca-file`). */
  readonly ca?: string | undefined;
  /** Per request, connect to last byte. Default 30 s. */
  readonly timeoutMs?: number | undefined;
}

export interface ChartHttpRequest {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The body is refused past this many bytes (GITOPS_TOO_LARGE). */
  readonly maxBytes: number;
  /** For messages: what is being read (`index.yaml of https://…`). */
  readonly what: string;
  readonly where: { readonly file?: string | undefined; readonly field: string };
}

export interface ChartHttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

const MAX_REDIRECTS = 5;

/**
 * GET with the guards the git client has: a redirect that leaves the origin drops Authorization,
 * a redirect from https to http is refused, and Authorization is never sent over plain http (the
 * caller only adds it for https URLs; a redirect cannot downgrade). Bodies are size-limited.
 */
export async function chartHttpGet(req: ChartHttpRequest, settings: ChartHttpSettings = {}): Promise<ChartHttpResponse> {
  let url = new URL(req.url);
  const origin = url.origin;
  let headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (url.protocol === "http:") headers = withoutCredentials(headers);
  for (let hop = 0; ; hop++) {
    const res = await getOnce(url, headers, req, settings);
    const location = res.headers.location;
    if (res.status < 300 || res.status >= 400 || location === undefined || hop >= MAX_REDIRECTS) return res;
    const next = new URL(location, url);
    if (next.protocol !== "https:" && next.protocol !== "http:") throw fetchError(req, `redirected to a ${next.protocol} URL`);
    if (url.protocol === "https:" && next.protocol === "http:") throw fetchError(req, "redirected from https to plain http");
    if (next.origin !== origin) headers = withoutCredentials(headers);
    url = next;
  }
}

function fetchError(req: ChartHttpRequest, why: string): GitOpsError {
  return new GitOpsError(GITOPS_ERROR.chartFetch, `cannot read ${req.what}: ${why}`, req.where);
}

function getOnce(url: URL, headers: Record<string, string>, req: ChartHttpRequest, settings: ChartHttpSettings): Promise<ChartHttpResponse> {
  const timeoutMs = settings.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = { method: "GET", headers: { "user-agent": "flotilla", ...headers }, timeout: timeoutMs };
    if (url.protocol === "https:" && settings.ca !== undefined) options.ca = [...rootCertificates, settings.ca];
    const client = url.protocol === "https:" ? https : http;
    const request = client.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const declared = Number(res.headers["content-length"] ?? "0");
      if (declared > req.maxBytes) {
        res.destroy();
        reject(new GitOpsError(GITOPS_ERROR.tooLarge, `${req.what} is ${declared} bytes, over the limit of ${req.maxBytes} bytes`, req.where));
        return;
      }
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > req.maxBytes) {
          res.destroy();
          reject(new GitOpsError(GITOPS_ERROR.tooLarge, `${req.what} is over the limit of ${req.maxBytes} bytes`, req.where));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.href }));
      res.on("error", (err) => reject(fetchError(req, err.message)));
    });
    request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", (err) => reject(fetchError(req, err.message)));
    request.end();
  });
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    const lower = key.toLowerCase();
    if (lower !== "authorization" && lower !== "cookie") out[key] = value;
  }
  return out;
}

/** Basic auth for `username:password`. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}
