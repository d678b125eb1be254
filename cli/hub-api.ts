import { FlotillaError, errorMessage } from "../core/index.js";
import type { CliContext } from "./context.js";

/**
 * The hub's API for the commands added after demo/hub-client.ts (conditions, apps, actions, audit):
 * plain JSON over fetch, reads and mutations with the bearer token from `--auth-token` or
 * $FLOTILLA_HUB_TOKEN (the hub's API token for mutations, its read or API token for reads).
 */
export interface HubApiOptions {
  readonly url: string;
  readonly token?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  /** Sent as X-Flotilla-User: the name the hub's audit log records beside the token that was checked. */
  readonly user?: string | undefined;
}

export class HubApi {
  readonly url: string;
  readonly #token: string | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #timeoutMs: number;
  readonly #user: string | undefined;

  constructor(options: HubApiOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.#token = options.token === undefined || options.token.trim() === "" ? undefined : options.token.trim();
    this.#signal = options.signal;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#user = options.user;
  }

  get<T>(path: string): Promise<T> {
    return this.#request<T>("GET", path, undefined);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#request<T>("POST", path, body);
  }

  async #request<T>(method: string, path: string, body: unknown): Promise<T> {
    const signals = [AbortSignal.timeout(this.#timeoutMs), ...(this.#signal === undefined ? [] : [this.#signal])];
    const headers: Record<string, string> = { accept: "application/json", ...(this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` }) };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.#user !== undefined && /^[\w.@+-]{1,64}$/.test(this.#user)) headers["x-flotilla-user"] = this.#user;
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, { method, headers, signal: AbortSignal.any(signals), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new FlotillaError("HUB_UNREACHABLE", `cannot reach the hub at ${this.url}: ${cause ?? errorMessage(err)}`, { field: "--hub" });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? {} : JSON.parse(text);
    } catch {
      throw new FlotillaError("HUB_BAD_RESPONSE", `${method} ${path} did not return JSON; is ${this.url} a Flotilla hub?`, { field: "--hub" });
    }
    if (!res.ok) {
      const error = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
      const code = typeof error?.code === "string" ? error.code : res.status === 401 ? "HUB_UNAUTHORIZED" : "HUB_HTTP_ERROR";
      const message = typeof error?.message === "string" ? error.message : `${method} ${path} returned HTTP ${String(res.status)}`;
      throw new FlotillaError(code, res.status === 401 && this.#token === undefined ? `${message} (set FLOTILLA_HUB_TOKEN or --auth-token)` : message, {
        field: res.status === 401 ? "FLOTILLA_HUB_TOKEN" : undefined,
      });
    }
    return parsed as T;
  }
}

/** The API client for a command's `--hub` and `--auth-token` (falling back to $FLOTILLA_HUB / $FLOTILLA_HUB_TOKEN). */
export function hubApiFor(url: string, token: string | undefined, ctx: Pick<CliContext, "env" | "shutdown">): HubApi {
  return new HubApi({ url, token: token ?? ctx.env.FLOTILLA_HUB_TOKEN, signal: ctx.shutdown, user: ctx.env.USER });
}
