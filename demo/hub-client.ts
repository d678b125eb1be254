import { z } from "zod";
import { FlotillaError, errorMessage } from "../core/index.js";

/**
 * The hub's HTTP API as a user's tool sees it (`flotilla status`, the demo's progress view):
 * only the fields those tools show are validated, everything else passes through untouched.
 */
export const HUB_CLIENT_ERRORS = {
  unreachable: "HUB_UNREACHABLE",
  badResponse: "HUB_BAD_RESPONSE",
  httpError: "HUB_HTTP_ERROR",
  /** The hub refused a label selector's syntax. */
  invalidSelector: "INVALID_SELECTOR",
  /** The hub wants a read token (started with --read-token-file), and none or a wrong one was sent. */
  unauthorized: "HUB_UNAUTHORIZED",
} as const;

const revisionPair = z.looseObject({ generation: z.number().nullable().optional(), revision: z.string().nullable().optional() });

const appSummarySchema = z.looseObject({
  name: z.string(),
  appSet: z.string().optional(),
  sync: z.string(),
  health: z.string(),
  revision: z.string().nullable().optional(),
  message: z.string().optional(),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
});

const clusterSummarySchema = z.looseObject({
  name: z.string(),
  labels: z.record(z.string(), z.string()).default({}),
  connection: z.string(),
  lastSeen: z.string().nullable().optional(),
  spokeVersion: z.string().nullable().optional(),
  desired: revisionPair.nullable().optional(),
  applied: revisionPair.nullable().optional(),
  /** Why the hub's newest publish to this cluster failed; it keeps the last good state and retries. */
  publishError: z.string().optional(),
  sync: z.string(),
  health: z.string(),
  errors: z.array(z.looseObject({ code: z.string(), message: z.string() })).default([]),
  apps: z.array(appSummarySchema).default([]),
});

const clusterListSchema = z.looseObject({ items: z.array(clusterSummarySchema) });

const rolloutSchema = z.looseObject({
  appSet: z.string(),
  phase: z.string(),
  message: z.string().optional(),
});
const sourceSchema = z.looseObject({ id: z.string(), revision: z.string().optional(), publishedRevision: z.string().optional(), error: z.looseObject({ code: z.string(), message: z.string() }).optional() });
const sourceListSchema = z.looseObject({ items: z.array(sourceSchema) });
const hubKeySchema = z.looseObject({ publicKey: z.string() });

const rolloutListSchema = z.looseObject({ items: z.array(rolloutSchema) });

export type ClusterSummary = z.infer<typeof clusterSummarySchema>;
export type AppSummary = z.infer<typeof appSummarySchema>;
export type RolloutSummary = z.infer<typeof rolloutSchema>;
export type SourceSummary = z.infer<typeof sourceSchema>;

export interface HubClientOptions {
  /** Base URL of the hub, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly timeoutMs?: number;
  /** Aborts in-flight requests (the CLI's shutdown signal). */
  readonly signal?: AbortSignal;
  /** Bearer token for a hub whose reads are protected: its read token or its API token. */
  readonly token?: string | undefined;
}

/** A small typed client for the hub's read API (`/api/v1/...`). */
export class HubClient {
  readonly url: string;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #token: string | undefined;

  constructor(options: HubClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new FlotillaError(HUB_CLIENT_ERRORS.unreachable, `"${options.url}" is not a URL (expected e.g. http://127.0.0.1:8080)`, { field: "--hub" });
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new FlotillaError(HUB_CLIENT_ERRORS.unreachable, `"${options.url}" is not an http(s) URL`, { field: "--hub" });
    }
    this.url = options.url.replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#signal = options.signal;
    this.#token = options.token === undefined || options.token.trim() === "" ? undefined : options.token.trim();
  }

  /** The clusters the hub knows; with `selector`, filtered by the hub itself (`kubectl -l` syntax). */
  async clusters(options: { readonly selector?: string } = {}): Promise<ClusterSummary[]> {
    const { selector } = options;
    if (selector === undefined) return (await this.#get("/api/v1/clusters", clusterListSchema)).items;
    const badSelector = (message: string): FlotillaError => new FlotillaError(HUB_CLIENT_ERRORS.invalidSelector, `"${selector}": ${message}`, { field: "--selector" });
    return (await this.#get(`/api/v1/clusters?selector=${encodeURIComponent(selector)}`, clusterListSchema, badSelector)).items;
  }

  async rollouts(): Promise<RolloutSummary[]> {
    return (await this.#get("/api/v1/rollouts", rolloutListSchema)).items;
  }

  /** The fleet repositories the hub follows and the revision it rendered last. */
  async sources(): Promise<SourceSummary[]> {
    return (await this.#get("/api/v1/sources", sourceListSchema)).items;
  }

  /** The hub's ed25519 public key, which spokes pin. */
  async hubKey(): Promise<string> {
    return (await this.#get("/api/v1/hub-key", hubKeySchema)).publicKey;
  }

  /** The cluster's sealing certificate (PEM), or undefined while its spoke has not registered one. */
  async clusterCert(name: string): Promise<string | undefined> {
    const res = await this.#fetch(`/api/v1/clusters/${encodeURIComponent(name)}/cert`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw await httpError(res, `/api/v1/clusters/${name}/cert`);
    return res.text();
  }

  /**
   * The cluster's sealing key backup (age-armored; only its recovery identity opens it). A 404 comes
   * back as `missing` with the hub's code: HUB_NOT_FOUND (no such cluster) or KEY_BACKUP_NOT_FOUND.
   */
  async clusterKeyBackup(name: string): Promise<{ readonly armored: string; readonly receivedAt?: string } | { readonly missing: string; readonly message: string }> {
    const path = `/api/v1/clusters/${encodeURIComponent(name)}/key-backup`;
    const res = await this.#fetch(path);
    if (res.status === 404) {
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
      return { missing: body.error?.code ?? "HUB_NOT_FOUND", message: body.error?.message ?? `no key backup for cluster ${name}` };
    }
    if (!res.ok) throw await httpError(res, path);
    const receivedAt = res.headers.get("x-flotilla-received-at") ?? undefined;
    return { armored: await res.text(), ...(receivedAt === undefined ? {} : { receivedAt }) };
  }

  /** True when the hub answers /readyz with 200. */
  async ready(): Promise<boolean> {
    try {
      const res = await this.#fetch("/readyz");
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  async #get<T>(path: string, schema: z.ZodType<T>, badRequest?: (message: string) => FlotillaError): Promise<T> {
    const res = await this.#fetch(path);
    if (res.status === 400 && badRequest !== undefined) {
      const body = (await res.json().catch(() => ({}))) as { error?: { message?: unknown } };
      throw badRequest(typeof body.error?.message === "string" ? body.error.message : "the hub refused it");
    }
    if (!res.ok) throw await httpError(res, path);
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new FlotillaError(HUB_CLIENT_ERRORS.badResponse, `${this.url}${path} did not return JSON; is this a Flotilla hub?`, { field: "--hub" });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new FlotillaError(HUB_CLIENT_ERRORS.badResponse, `${this.url}${path} answered with an unexpected shape: ${issue?.message ?? "invalid"}`, {
        field: issue?.path.map(String).join("."),
      });
    }
    return parsed.data;
  }

  async #fetch(path: string): Promise<Response> {
    const signals = [AbortSignal.timeout(this.#timeoutMs), ...(this.#signal === undefined ? [] : [this.#signal])];
    const headers: Record<string, string> = { accept: "application/json", ...(this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` }) };
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, { signal: AbortSignal.any(signals), headers });
    } catch (err) {
      throw new FlotillaError(HUB_CLIENT_ERRORS.unreachable, `cannot reach the hub at ${this.url}: ${causeOf(err)}`, { field: "--hub", cause: err });
    }
    if (res.status === 401) {
      await res.body?.cancel();
      const message =
        this.#token === undefined
          ? `the hub at ${this.url} wants a token for reads: set FLOTILLA_HUB_TOKEN to its read token or API token`
          : `the hub at ${this.url} refused the token in FLOTILLA_HUB_TOKEN`;
      throw new FlotillaError(HUB_CLIENT_ERRORS.unauthorized, message, { field: "FLOTILLA_HUB_TOKEN" });
    }
    return res;
  }
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  return errorMessage(err);
}

async function httpError(res: Response, path: string): Promise<FlotillaError> {
  let detail = "";
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.message !== undefined) detail = `: ${body.error.code ?? ""} ${body.error.message}`.replace(/: +/, ": ");
  } catch {
    detail = "";
  }
  return new FlotillaError(HUB_CLIENT_ERRORS.httpError, `GET ${path} returned HTTP ${String(res.status)}${detail}`, { field: "--hub" });
}
