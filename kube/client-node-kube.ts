import { request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { HttpMethod, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch } from "@kubernetes/client-node";
import type { KubernetesObject, RequestContext, ResponseContext } from "@kubernetes/client-node";
import { silentLogger, systemClock, type Clock, type Logger } from "../core/index.js";
import type { ApplyOptions, KubeClient, ListQuery, ObjectList, WatchEvent, WatchOptions } from "./kube-client.js";
import { KubeApiError, KubeError, KUBE_ERROR, type KubeVerb } from "./kube-errors.js";
import { isNamedByServer, isRecord, nameOrPrefix, type KubeObject, type ObjectRef } from "./kube-object.js";
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from "./retry-policy.js";
import { TokenBucket } from "./token-bucket.js";

export interface ClientNodeKubeOptions {
  /** A loaded client-node KubeConfig (from a file, in-cluster, or built in a test). */
  readonly kubeConfig: KubeConfig;
  /** The SSA field manager, from configuration (Flotilla's is `flotilla`). */
  readonly fieldManager: string;
  /** client-go's defaults for controllers that apply many objects: 50 QPS, burst 100. */
  readonly qps?: number;
  readonly burst?: number;
  readonly retry?: RetryPolicy;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** HTTP requests sent, by method (`DISCOVERY` for API resource lists), retries included. */
export type RequestCounts = Record<string, number>;

const DISCOVERY_PATH = /^\/(api\/[^/]+|apis\/[^/]+\/[^/]+)$/;

/** A raw non-2xx answer before we know which verb/object it belonged to. */
class HttpStatusError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly fields: string[];
  readonly retryAfterSeconds: number | undefined;
  constructor(status: number, reason: string, fields: string[], retryAfterSeconds: number | undefined) {
    super(`${status} ${reason}`);
    this.status = status;
    this.reason = reason;
    this.fields = fields;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const STATUS_REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  410: "Expired",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** Reads only `reason` and the cause field paths out of a Status body: never its message. */
function statusErrorFrom(status: number, body: string, retryAfter: string | undefined): HttpStatusError {
  let reason = STATUS_REASONS[status] ?? "Unknown";
  const fields: string[] = [];
  try {
    const parsed: unknown = JSON.parse(body);
    if (isRecord(parsed)) {
      if (typeof parsed.reason === "string" && parsed.reason !== "") reason = parsed.reason;
      const details = parsed.details;
      if (isRecord(details) && Array.isArray(details.causes)) {
        for (const cause of details.causes) {
          if (isRecord(cause) && typeof cause.field === "string") fields.push(cause.field);
        }
      }
    }
  } catch {
    // Not JSON: keep the status-derived reason.
  }
  const seconds = retryAfter === undefined ? undefined : Number.parseInt(retryAfter, 10);
  return new HttpStatusError(status, reason, fields, Number.isFinite(seconds) ? seconds : undefined);
}

/**
 * KubernetesObjectApi with plain-JSON bodies. The base class (de)serialises through the typed
 * models, which drop unknown fields and turn timestamps into Dates; we keep its discovery cache,
 * URL building, auth and TLS, and send/receive JSON ourselves.
 */
class PlainObjectApi extends KubernetesObjectApi {
  static make(kc: KubeConfig): PlainObjectApi {
    const api = kc.makeApiClient(PlainObjectApi);
    api.setDefaultNamespace(kc);
    return api;
  }

  /** Called before every HTTP request (discovery included): rate limit and count. */
  beforeRequest: (method: string, path: string) => Promise<void> = () => Promise.resolve();

  protected override async requestPromise<T extends KubernetesObject>(requestContext: RequestContext, type?: string): Promise<T> {
    const url = new URL(requestContext.getUrl());
    await this.beforeRequest(DISCOVERY_PATH.test(url.pathname) ? "DISCOVERY" : requestContext.getHttpMethod(), url.pathname);
    return super.requestPromise<T>(requestContext, type);
  }

  protected override processResponse<T extends KubernetesObject>(response: ResponseContext): Promise<T> {
    return response.body.text().then((text) => {
      if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) {
        return (text === "" ? {} : JSON.parse(text)) as T;
      }
      throw statusErrorFrom(response.httpStatusCode, text, response.headers["retry-after"]);
    });
  }

  async path(spec: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } }, action: "read" | "list" | "create"): Promise<string> {
    return this.specUriPath(spec, action);
  }

  async send(method: HttpMethod, path: string, query: Record<string, string>, body?: { contentType: string; json: unknown }): Promise<KubeObject> {
    const ctx: RequestContext = this.configuration.baseServer.makeRequestContext(path, method);
    ctx.setHeaderParam("Accept", "application/json");
    for (const [key, value] of Object.entries(query)) ctx.setQueryParam(key, value);
    if (body !== undefined) {
      ctx.setHeaderParam("Content-Type", body.contentType);
      ctx.setBody(JSON.stringify(body.json));
    }
    return this.requestPromise(ctx) as Promise<unknown> as Promise<KubeObject>;
  }

  async scope(apiVersion: string, kind: string): Promise<boolean | undefined> {
    const r = await this.resource(apiVersion, kind);
    return r?.namespaced;
  }

  namespaceOr(ns: string | undefined): string {
    return ns ?? this.defaultNamespace;
  }
}

function wrapError(err: unknown, verb: KubeVerb, ref: ObjectRef | undefined): Error {
  if (err instanceof HttpStatusError) {
    return new KubeApiError({ status: err.status, reason: err.reason, verb, ref, fields: err.fields, retryAfterSeconds: err.retryAfterSeconds });
  }
  if (err instanceof KubeError) return err;
  if (err instanceof Error && err.message.startsWith("Unrecognized API version and kind")) {
    // Discovery does not know the kind: the same answer the API server gives for an unknown resource.
    return new KubeApiError({ status: 404, reason: "NoKindMatch", verb, ref });
  }
  if (err instanceof Error && err.name === "AbortError") return new KubeError(KUBE_ERROR.aborted, `${verb} cancelled`);
  // Network failures: keep only a stable code such as ECONNREFUSED, never the request body.
  const code = isRecord(err) && typeof err.code === "string" ? err.code : "request failed";
  return new KubeError(KUBE_ERROR.unreachable, `${verb}: API server unreachable (${code})`);
}

function metaHeader(ref: ObjectRef): { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: ref.namespace === undefined ? { name: ref.name } : { name: ref.name, namespace: ref.namespace },
  };
}

/** The one KubeClient adapter, over @kubernetes/client-node. */
export class ClientNodeKube implements KubeClient {
  readonly #api: PlainObjectApi;
  readonly #kc: KubeConfig;
  readonly #fieldManager: string;
  readonly #limiter: TokenBucket;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #counts: RequestCounts = {};

  constructor(options: ClientNodeKubeOptions) {
    if (options.fieldManager === "") throw new RangeError("fieldManager must not be empty");
    this.#kc = options.kubeConfig;
    this.#api = PlainObjectApi.make(options.kubeConfig);
    this.#fieldManager = options.fieldManager;
    this.#clock = options.clock ?? systemClock;
    this.#limiter = new TokenBucket({ qps: options.qps ?? 50, burst: options.burst ?? 100, clock: this.#clock });
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#logger = options.logger ?? silentLogger();
    this.#api.beforeRequest = async (method) => {
      await this.#limiter.take();
      this.#counts[method] = (this.#counts[method] ?? 0) + 1;
    };
  }

  /**
   * One request through the API server's service proxy
   * (`/api/v1/namespaces/NS/services/SCHEME:NAME:PORT/proxy/PATH`), as kubeseal's `ProxyGet` and
   * `Post().SubResource("proxy")` send it. Answers the status and body text; no retry (a POST may
   * not be idempotent). The body is capped at 16 MiB.
   */
  async serviceProxy(req: { namespace: string; service: string; port: string; path: string; method?: "GET" | "POST"; body?: string; contentType?: string }): Promise<{ status: number; body: string }> {
    const server = this.#kc.getCurrentCluster()?.server;
    if (server === undefined) throw new KubeError(KUBE_ERROR.unreachable, "the kubeconfig has no current cluster");
    const url = new URL(server);
    const base = url.pathname.replace(/\/$/, "");
    const options: RequestOptions = {
      method: req.method ?? "GET",
      host: url.hostname,
      port: url.port === "" ? undefined : Number(url.port),
      path: `${base}/api/v1/namespaces/${encodeURIComponent(req.namespace)}/services/http:${encodeURIComponent(req.service)}:${encodeURIComponent(req.port)}/proxy${req.path}`,
      headers: { accept: "*/*", ...(req.body === undefined ? {} : { "content-type": req.contentType ?? "application/json" }) },
    };
    await this.#kc.applyToHTTPSOptions(options);
    await this.#limiter.take();
    this.#counts[options.method ?? "GET"] = (this.#counts[options.method ?? "GET"] ?? 0) + 1;
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const r = send(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > 16 * 1024 * 1024) r.destroy(new Error("response too large"));
          else chunks.push(c);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      r.on("error", (err: NodeJS.ErrnoException) => reject(new KubeError(KUBE_ERROR.unreachable, `service proxy: API server unreachable (${err.code ?? err.message})`)));
      r.end(req.body);
    });
  }

  /** A copy of the request counters. */
  requestCounts(): RequestCounts {
    return { ...this.#counts };
  }

  /** Total requests sent (every verb). */
  requestTotal(): number {
    return Object.values(this.#counts).reduce((a, b) => a + b, 0);
  }

  async #call<T>(verb: KubeVerb, ref: ObjectRef | undefined, op: () => Promise<T>): Promise<T> {
    return withRetry(
      async () => {
        try {
          return await op();
        } catch (err) {
          throw wrapError(err, verb, ref);
        }
      },
      {
        policy: this.#retry,
        clock: this.#clock,
        onRetry: (err, delayMs) => {
          this.#logger.warn({ verb, status: err instanceof KubeApiError ? err.status : undefined, delayMs }, "kube request failed, retrying");
        },
      },
    );
  }

  async #objectPath(ref: ObjectRef): Promise<string> {
    return this.#call("discover", ref, () => this.#api.path(metaHeader(ref), "read"));
  }

  async namespaced(apiVersion: string, kind: string): Promise<boolean | undefined> {
    try {
      return await this.#call("discover", undefined, () => this.#api.scope(apiVersion, kind));
    } catch (err) {
      // A group/version the server does not serve at all answers 404 on discovery.
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const path = await this.#objectPath(ref);
    try {
      return await this.#call("get", ref, () => this.#api.send(HttpMethod.GET, path, {}));
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async list(query: ListQuery): Promise<ObjectList> {
    const path = await this.#call("discover", undefined, () =>
      this.#api.path({ apiVersion: query.apiVersion, kind: query.kind, metadata: query.namespace === undefined ? {} : { namespace: query.namespace } }, "list"),
    );
    const params: Record<string, string> = {};
    if (query.labelSelector !== undefined) params.labelSelector = query.labelSelector;
    if (query.fieldSelector !== undefined) params.fieldSelector = query.fieldSelector;
    const result = await this.#call("list", undefined, () => this.#api.send(HttpMethod.GET, path, params));
    const items = Array.isArray(result.items) ? (result.items as KubeObject[]) : [];
    // Lists omit kind/apiVersion on items; put them back so callers get whole objects.
    for (const item of items) {
      item.apiVersion = query.apiVersion;
      item.kind = query.kind;
    }
    const rv = isRecord(result.metadata) && typeof result.metadata.resourceVersion === "string" ? result.metadata.resourceVersion : "";
    return { items, resourceVersion: rv };
  }

  async apply(obj: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
    const ref = refFor(obj);
    const path = await this.#objectPath(ref);
    const query: Record<string, string> = { fieldManager: this.#fieldManager, force: String(options.force ?? false) };
    if (options.dryRun === true) query.dryRun = "All";
    const body = withNamespace(obj, ref);
    return this.#call("apply", ref, () => this.#api.send(HttpMethod.PATCH, path, query, { contentType: PatchStrategy.ServerSideApply, json: body }));
  }

  async create(obj: KubeObject, options: { dryRun?: boolean | undefined } = {}): Promise<KubeObject> {
    // A POST goes to the collection: an object the API server names (generateName) needs no name yet.
    const ref = refFor(isNamedByServer(obj) ? { ...obj, metadata: { ...obj.metadata, name: nameOrPrefix(obj) } } : obj);
    const body = withNamespace(obj, ref);
    const path = await this.#call("discover", ref, () => this.#api.path(body, "create"));
    const query: Record<string, string> = { fieldManager: this.#fieldManager };
    if (options.dryRun === true) query.dryRun = "All";
    return this.#call("create", ref, () => this.#api.send(HttpMethod.POST, path, query, { contentType: "application/json", json: body }));
  }

  async replace(obj: KubeObject): Promise<KubeObject> {
    const ref = refFor(obj);
    const live = await this.get(ref);
    if (live === undefined) return this.create(obj);
    const path = await this.#objectPath(ref);
    const body = withNamespace(obj, ref);
    body.metadata = { ...body.metadata, resourceVersion: live.metadata.resourceVersion ?? "" };
    return this.#call("replace", ref, () => this.#api.send(HttpMethod.PUT, path, { fieldManager: this.#fieldManager }, { contentType: "application/json", json: body }));
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    const path = await this.#objectPath(ref);
    try {
      await this.#call("delete", ref, () =>
        this.#api.send(HttpMethod.DELETE, path, {}, { contentType: "application/json", json: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" } }),
      );
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return false;
      throw err;
    }
  }

  async patchStatus(ref: ObjectRef, status: Record<string, unknown>): Promise<KubeObject> {
    const path = await this.#objectPath(ref);
    return this.#call("patch-status", ref, () =>
      this.#api.send(HttpMethod.PATCH, `${path}/status`, { fieldManager: this.#fieldManager }, { contentType: PatchStrategy.MergePatch, json: { status } }),
    );
  }

  async watch(query: ListQuery, onEvent: (event: WatchEvent) => void, options: WatchOptions = {}): Promise<string> {
    const path = await this.#call("discover", undefined, () =>
      this.#api.path({ apiVersion: query.apiVersion, kind: query.kind, metadata: query.namespace === undefined ? {} : { namespace: query.namespace } }, "list"),
    );
    await this.#limiter.take(options.signal);
    this.#counts.WATCH = (this.#counts.WATCH ?? 0) + 1;
    const params: Record<string, string> = { allowWatchBookmarks: "true" };
    if (options.resourceVersion !== undefined) params.resourceVersion = options.resourceVersion;
    if (query.labelSelector !== undefined) params.labelSelector = query.labelSelector;
    if (query.fieldSelector !== undefined) params.fieldSelector = query.fieldSelector;
    let lastRv = options.resourceVersion ?? "";
    return new Promise<string>((resolve, reject) => {
      let gone: KubeApiError | undefined;
      let controller: AbortController | undefined;
      const onAbort = (): void => controller?.abort();
      const finish = (err: unknown): void => {
        options.signal?.removeEventListener("abort", onAbort);
        if (gone !== undefined) reject(gone);
        else if (options.signal?.aborted === true) resolve(lastRv);
        else if (err === null || err === undefined) resolve(lastRv);
        else if (isRecord(err) && typeof err.statusCode === "number") reject(new KubeApiError({ status: err.statusCode, reason: STATUS_REASONS[err.statusCode] ?? "Unknown", verb: "watch" }));
        else if (err instanceof Error && err.name === "AbortError") resolve(lastRv);
        else reject(wrapError(err, "watch", undefined));
      };
      new Watch(this.#kc)
        .watch(
          path,
          params,
          (type: string, object: unknown) => {
            if (!isRecord(object)) return;
            if (type === "ERROR") {
              const code = typeof object.code === "number" ? object.code : 500;
              gone = new KubeApiError({ status: code, reason: typeof object.reason === "string" ? object.reason : "Expired", verb: "watch" });
              controller?.abort();
              return;
            }
            const obj = object as KubeObject;
            const rv = obj.metadata?.resourceVersion;
            if (typeof rv === "string" && rv !== "") lastRv = rv;
            if (type === "ADDED" || type === "MODIFIED" || type === "DELETED" || type === "BOOKMARK") onEvent({ type, object: obj });
          },
          finish,
        )
        .then((c) => {
          controller = c;
          if (options.signal?.aborted === true) c.abort();
          else options.signal?.addEventListener("abort", onAbort, { once: true });
        }, reject);
    });
  }
}

function refFor(obj: KubeObject): ObjectRef {
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string" || !isRecord(obj.metadata) || typeof obj.metadata.name !== "string" || obj.metadata.name === "") {
    throw new KubeError(KUBE_ERROR.invalidObject, "object needs apiVersion, kind and metadata.name", { userError: true });
  }
  const ns = obj.metadata.namespace;
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(ns === undefined || ns === "" ? {} : { namespace: ns }) };
}

/** A shallow copy we may mutate (the path builder writes the default namespace into metadata). */
function withNamespace(obj: KubeObject, _ref: ObjectRef): KubeObject {
  return { ...obj, metadata: { ...obj.metadata } };
}

/** Loads a kubeconfig file, or the in-cluster service account when `path` is undefined. */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path === undefined) kc.loadFromCluster();
  else kc.loadFromFile(path);
  return kc;
}
