import { createInterface } from "node:readline";
import { silentLogger, systemClock, type Clock, type Logger } from "../core/index.js";
import { ApiDiscovery, apiVersionPath, type ApiResource } from "./api-discovery.js";
import type { ApplyOptions, KubeClient, ListQuery, ObjectList, WatchEvent, WatchOptions } from "./kube-client.js";
import { KubeApiError, KubeError, KUBE_ERROR, type KubeVerb } from "./kube-errors.js";
import { isNamedByServer, isRecord, nameOrPrefix, type KubeObject, type ObjectRef } from "./kube-object.js";
import type { KubeTarget } from "./kube-target.js";
import { KubeTransport, readBody, type KubeResponse } from "./kube-transport.js";
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from "./retry-policy.js";
import { TokenBucket } from "./token-bucket.js";

export interface RestKubeOptions {
  /** The API server and credentials (loadKubeTarget: a kubeconfig context or in-cluster). */
  readonly target: KubeTarget;
  /** The SSA field manager, from configuration (Flotilla's is `flotilla`). */
  readonly fieldManager: string;
  /** client-go's defaults for controllers that apply many objects: 50 QPS, burst 100. */
  readonly qps?: number;
  readonly burst?: number;
  readonly retry?: RetryPolicy;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** The environment exec credential plugins inherit (the CLI passes its own). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** HTTP requests sent, by method (`DISCOVERY` for API resource lists, `WATCH`), retries included. */
export type RequestCounts = Record<string, number>;

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

const APPLY_PATCH = "application/apply-patch+yaml";
const MERGE_PATCH = "application/merge-patch+json";

/**
 * A non-2xx answer as a KubeApiError: only `reason` and the cause field paths are read from the
 * Status body, never its message (it may echo object fields, Secret data included).
 */
export function statusError(res: KubeResponse, verb: KubeVerb, ref: ObjectRef | undefined): KubeApiError {
  let reason = STATUS_REASONS[res.status] ?? "Unknown";
  const fields: string[] = [];
  try {
    const parsed: unknown = JSON.parse(res.body);
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
  const header = res.headers["retry-after"];
  const seconds = typeof header === "string" ? Number.parseInt(header, 10) : Number.NaN;
  return new KubeApiError({ status: res.status, reason, verb, ref, fields, retryAfterSeconds: Number.isFinite(seconds) ? seconds : undefined });
}

/** Network failures: keep only a stable code such as ECONNREFUSED, never the request body. */
function wrapError(err: unknown, verb: KubeVerb): Error {
  if (err instanceof KubeError) return err;
  if (err instanceof Error && err.name === "AbortError") return new KubeError(KUBE_ERROR.aborted, `${verb} cancelled`);
  const code = isRecord(err) && typeof err.code === "string" ? err.code : "request failed";
  return new KubeError(KUBE_ERROR.unreachable, `${verb}: API server unreachable (${code})`);
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) q.set(key, value);
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}

function refFor(obj: KubeObject): ObjectRef {
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string" || !isRecord(obj.metadata) || typeof obj.metadata.name !== "string" || obj.metadata.name === "") {
    throw new KubeError(KUBE_ERROR.invalidObject, "object needs apiVersion, kind and metadata.name", { userError: true });
  }
  const ns = obj.metadata.namespace;
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(ns === undefined || ns === "" ? {} : { namespace: ns }) };
}

/**
 * The KubeClient adapter: the Kubernetes REST API over node:https, with discovery for the REST
 * mapping, SSA as `application/apply-patch+yaml` PATCHes and watches as newline-delimited JSON.
 * Bodies stay plain JSON (no typed models: timestamps stay strings, unknown fields survive).
 * It replaced @kubernetes/client-node, whose import alone cost the spoke ~70 MiB of resident memory
 * (docs/benchmarks.md, footprint).
 */
export class RestKube implements KubeClient {
  readonly #transport: KubeTransport;
  readonly #discovery: ApiDiscovery;
  readonly #fieldManager: string;
  readonly #limiter: TokenBucket;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #counts: RequestCounts = {};

  constructor(options: RestKubeOptions) {
    if (options.fieldManager === "") throw new RangeError("fieldManager must not be empty");
    this.#clock = options.clock ?? systemClock;
    this.#transport = new KubeTransport({ target: options.target, clock: this.#clock, env: options.env ?? {} });
    this.#fieldManager = options.fieldManager;
    this.#limiter = new TokenBucket({ qps: options.qps ?? 50, burst: options.burst ?? 100, clock: this.#clock });
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#logger = options.logger ?? silentLogger();
    this.#discovery = new ApiDiscovery(async (path) => this.#json("DISCOVERY", "discover", undefined, { method: "GET", path }));
  }

  /** The API server and default namespace this client talks to. */
  get target(): KubeTarget {
    return this.#transport.target;
  }

  /** How many times the kubeconfig's exec credential plugin ran (0 without one). */
  get execRuns(): number {
    return this.#transport.execRuns;
  }

  /** A copy of the request counters. */
  requestCounts(): RequestCounts {
    return { ...this.#counts };
  }

  /** Total requests sent (every verb). */
  requestTotal(): number {
    return Object.values(this.#counts).reduce((a, b) => a + b, 0);
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#transport.close();
  }

  async #count(counter: string, signal?: AbortSignal): Promise<void> {
    await this.#limiter.take(signal);
    this.#counts[counter] = (this.#counts[counter] ?? 0) + 1;
  }

  /** One request with rate limiting, counting and retries; 2xx answers parsed as JSON. */
  async #json(counter: string, verb: KubeVerb, ref: ObjectRef | undefined, req: { method: string; path: string; contentType?: string; body?: string }): Promise<KubeObject> {
    return withRetry(
      async () => {
        await this.#count(counter);
        let res: KubeResponse;
        try {
          res = await this.#transport.request(req);
        } catch (err) {
          throw wrapError(err, verb);
        }
        if (res.status < 200 || res.status > 299) throw statusError(res, verb, ref);
        try {
          return (res.body === "" ? {} : JSON.parse(res.body)) as KubeObject;
        } catch {
          throw new KubeError(KUBE_ERROR.unreachable, `${verb}: the API server answered a body that is not JSON`);
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

  async #resource(apiVersion: string, kind: string, ref: ObjectRef | undefined): Promise<ApiResource> {
    const found = await this.#lookup(apiVersion, kind);
    // Discovery does not know the kind: the same answer the API server gives for an unknown resource.
    if (found === undefined) throw new KubeApiError({ status: 404, reason: "NoKindMatch", verb: "discover", ref });
    return found;
  }

  async #lookup(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    return this.#discovery.resource(apiVersion, kind);
  }

  /** The collection path; `namespace` applies only to namespaced kinds. */
  #collection(apiVersion: string, resource: ApiResource, namespace: string | undefined): string {
    const ns = resource.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    return `${apiVersionPath(apiVersion)}${ns}/${resource.name}`;
  }

  async #objectPath(ref: ObjectRef): Promise<string> {
    const resource = await this.#resource(ref.apiVersion, ref.kind, ref);
    return `${this.#collection(ref.apiVersion, resource, ref.namespace ?? this.target.namespace)}/${encodeURIComponent(ref.name)}`;
  }

  async namespaced(apiVersion: string, kind: string): Promise<boolean | undefined> {
    try {
      return (await this.#lookup(apiVersion, kind))?.namespaced;
    } catch (err) {
      // A group/version the server does not serve at all answers 404 on discovery.
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const path = await this.#objectPath(ref);
    try {
      return await this.#json("GET", "get", ref, { method: "GET", path });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async list(q: ListQuery): Promise<ObjectList> {
    const resource = await this.#resource(q.apiVersion, q.kind, undefined);
    const path = this.#collection(q.apiVersion, resource, q.namespace) + query({ labelSelector: q.labelSelector, fieldSelector: q.fieldSelector });
    const result = await this.#json("GET", "list", undefined, { method: "GET", path });
    const items = Array.isArray(result.items) ? (result.items as KubeObject[]) : [];
    // Lists omit kind/apiVersion on items; put them back so callers get whole objects.
    for (const item of items) {
      item.apiVersion = q.apiVersion;
      item.kind = q.kind;
    }
    const rv = isRecord(result.metadata) && typeof result.metadata.resourceVersion === "string" ? result.metadata.resourceVersion : "";
    return { items, resourceVersion: rv };
  }

  async apply(obj: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
    const ref = refFor(obj);
    const path = (await this.#objectPath(ref)) + query({ fieldManager: this.#fieldManager, force: String(options.force ?? false), dryRun: options.dryRun === true ? "All" : undefined });
    return this.#json("PATCH", "apply", ref, { method: "PATCH", path, contentType: APPLY_PATCH, body: JSON.stringify(obj) });
  }

  async create(obj: KubeObject, options: { dryRun?: boolean | undefined } = {}): Promise<KubeObject> {
    // A POST goes to the collection: an object the API server names (generateName) needs no name yet.
    const ref = refFor(isNamedByServer(obj) ? { ...obj, metadata: { ...obj.metadata, name: nameOrPrefix(obj) } } : obj);
    const resource = await this.#resource(ref.apiVersion, ref.kind, ref);
    const body: KubeObject = { ...obj, metadata: { ...obj.metadata } };
    if (resource.namespaced && (body.metadata.namespace === undefined || body.metadata.namespace === "")) body.metadata.namespace = this.target.namespace;
    const path = this.#collection(ref.apiVersion, resource, body.metadata.namespace) + query({ fieldManager: this.#fieldManager, dryRun: options.dryRun === true ? "All" : undefined });
    return this.#json("POST", "create", ref, { method: "POST", path, contentType: "application/json", body: JSON.stringify(body) });
  }

  async replace(obj: KubeObject): Promise<KubeObject> {
    const ref = refFor(obj);
    const live = await this.get(ref);
    if (live === undefined) return this.create(obj);
    const path = (await this.#objectPath(ref)) + query({ fieldManager: this.#fieldManager });
    const body: KubeObject = { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata.resourceVersion ?? "" } };
    return this.#json("PUT", "replace", ref, { method: "PUT", path, contentType: "application/json", body: JSON.stringify(body) });
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    const path = await this.#objectPath(ref);
    try {
      await this.#json("DELETE", "delete", ref, {
        method: "DELETE",
        path,
        contentType: "application/json",
        body: JSON.stringify({ kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" }),
      });
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return false;
      throw err;
    }
  }

  async patchStatus(ref: ObjectRef, status: Record<string, unknown>): Promise<KubeObject> {
    const path = `${await this.#objectPath(ref)}/status${query({ fieldManager: this.#fieldManager })}`;
    return this.#json("PATCH", "patch-status", ref, { method: "PATCH", path, contentType: MERGE_PATCH, body: JSON.stringify({ status }) });
  }

  async watch(q: ListQuery, onEvent: (event: WatchEvent) => void, options: WatchOptions = {}): Promise<string> {
    const resource = await this.#resource(q.apiVersion, q.kind, undefined);
    const path =
      this.#collection(q.apiVersion, resource, q.namespace) +
      query({ watch: "true", allowWatchBookmarks: "true", resourceVersion: options.resourceVersion, labelSelector: q.labelSelector, fieldSelector: q.fieldSelector });
    await this.#count("WATCH", options.signal);
    let lastRv = options.resourceVersion ?? "";
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const res = await this.#transport.stream({ method: "GET", path, signal: controller.signal });
      if (res.statusCode !== 200) throw statusError(await readBody(res), "watch", undefined);
      let gone: KubeApiError | undefined;
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      for await (const line of lines) {
        if (line.trim() === "") continue;
        let event: unknown;
        try {
          event = JSON.parse(line);
        } catch {
          throw new KubeError(KUBE_ERROR.unreachable, "watch: the API server sent a line that is not JSON");
        }
        if (!isRecord(event) || !isRecord(event.object)) continue;
        const { type, object } = event;
        if (type === "ERROR") {
          // A Status object: 410 Expired when resourceVersion is too old, so the caller relists.
          const code = typeof object.code === "number" ? object.code : 500;
          gone = new KubeApiError({ status: code, reason: typeof object.reason === "string" ? object.reason : "Expired", verb: "watch" });
          break;
        }
        const obj = object as KubeObject;
        const rv = obj.metadata?.resourceVersion;
        if (typeof rv === "string" && rv !== "") lastRv = rv;
        if (type === "ADDED" || type === "MODIFIED" || type === "DELETED" || type === "BOOKMARK") onEvent({ type, object: obj });
      }
      res.destroy();
      if (gone !== undefined) throw gone;
      return lastRv;
    } catch (err) {
      if (options.signal?.aborted === true) return lastRv;
      throw err instanceof KubeError ? err : wrapError(err, "watch");
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * One request through the API server's service proxy
   * (`/api/v1/namespaces/NS/services/SCHEME:NAME:PORT/proxy/PATH`), as kubeseal's `ProxyGet` and
   * `Post().SubResource("proxy")` send it. Answers the status and body text; no retry (a POST may
   * not be idempotent). The body is capped at 16 MiB.
   */
  async serviceProxy(req: { namespace: string; service: string; port: string; path: string; method?: "GET" | "POST"; body?: string; contentType?: string }): Promise<{ status: number; body: string }> {
    const method = req.method ?? "GET";
    await this.#count(method);
    const path = `/api/v1/namespaces/${encodeURIComponent(req.namespace)}/services/http:${encodeURIComponent(req.service)}:${encodeURIComponent(req.port)}/proxy${req.path}`;
    let res;
    try {
      res = await this.#transport.stream({ method, path, accept: "*/*", ...(req.body === undefined ? {} : { body: req.body, contentType: req.contentType ?? "application/json" }) });
    } catch (err) {
      const e = wrapError(err, "get");
      throw new KubeError(KUBE_ERROR.unreachable, `service proxy: ${e.message.replace(/^get: /, "")}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    return new Promise((resolve, reject) => {
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > 16 * 1024 * 1024) res.destroy(new KubeError(KUBE_ERROR.unreachable, "service proxy: response too large"));
        else chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
  }
}
