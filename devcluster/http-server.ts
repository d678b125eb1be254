import { timingSafeEqual } from "node:crypto";
import type { TLSSocket } from "node:tls";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Clock, Logger } from "../core/index.js";
import { ApiStatusError, isApiStatusError } from "./api-status.js";
import { apiGroup, apiGroupList, apiResourceList, coreApiVersions, versionInfo } from "./discovery.js";
import { injectedFailure, type DevClusterFaults } from "./fault-injection.js";
import type { ApiRequest, KubeApi, WatchEvent } from "./kube-api.js";
import { apiVersionOf } from "./resource-type.js";
import { forward, parseProxyName, resolveProxyTarget } from "./service-proxy.js";
import type { ServingCertificate } from "./tls-certificate.js";

export interface HttpServerOptions {
  readonly api: KubeApi;
  readonly tls: ServingCertificate;
  /** The bearer tokens accepted now (a function, so a test can rotate them). */
  readonly tokens: () => readonly string[];
  /** When set, a client certificate signed by this CA authenticates too (kubeconfig client-certificate). */
  readonly clientCaPem?: string | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly faults: () => DevClusterFaults;
  readonly latencyMs: () => number;
  readonly random: () => number;
  /** `host:port` clients reach the server at (for `/api`'s serverAddressByClientCIDRs). */
  readonly serverAddress: () => string;
  /** How often watches that allow bookmarks get a BOOKMARK event. */
  readonly bookmarkIntervalMs: number;
}

interface RouteParams {
  version?: string;
  group?: string;
  namespace?: string;
  resource?: string;
  name?: string;
  subresource?: string;
}

/** An open watch response; the server can end them all (fault injection, shutdown). */
export interface OpenWatch {
  end(): void;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const ANONYMOUS = new Set(["/version", "/healthz", "/livez", "/readyz"]);

function sendStatus(reply: FastifyReply, err: ApiStatusError): FastifyReply {
  if (err.details?.retryAfterSeconds !== undefined) void reply.header("retry-after", String(err.details.retryAfterSeconds));
  return reply.code(err.code).type("application/json").send(JSON.stringify(err.toStatus()));
}

function tokenMatches(header: string | undefined, tokens: readonly string[]): boolean {
  if (header === undefined || !header.startsWith("Bearer ")) return false;
  const given = Buffer.from(header.slice("Bearer ".length).trim());
  return tokens.some((token) => {
    const wanted = Buffer.from(token);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  });
}

/** A verified client certificate (requested only when a client CA is configured), as the API server's x509 authenticator. */
function certificateVerified(req: FastifyRequest): boolean {
  return (req.raw.socket as TLSSocket).authorized === true;
}

/**
 * The HTTP edge: fastify routes (HTTPS, bearer token) for version, discovery, OpenAPI and the
 * resource paths, turning each request into an ApiRequest for KubeApi and each ApiStatusError
 * into a Status response. Watches are streamed as newline-delimited JSON with headers flushed at once.
 */
export function buildHttpServer(options: HttpServerOptions): { app: FastifyInstance; watches: Set<OpenWatch> } {
  const { api } = options;
  const watches = new Set<OpenWatch>();
  const app = Fastify({
    https: {
      key: options.tls.keyPem,
      cert: options.tls.certPem,
      // Ask for a client certificate but let token users in without one; the hook below decides.
      ...(options.clientCaPem === undefined ? {} : { ca: options.clientCaPem, requestCert: true, rejectUnauthorized: false }),
    },
    bodyLimit: MAX_BODY_BYTES,
    forceCloseConnections: true,
    logger: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    done(null, body);
  });

  app.addHook("onRequest", async (req, reply) => {
    const path = req.url.split("?")[0] ?? "";
    if (!ANONYMOUS.has(path) && !tokenMatches(req.headers.authorization, options.tokens()) && !(options.clientCaPem !== undefined && certificateVerified(req))) {
      return sendStatus(reply, new ApiStatusError("Unauthorized", "Unauthorized"));
    }
    const latency = options.latencyMs();
    if (latency > 0) await options.clock.sleep(latency);
    return undefined;
  });

  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    if (isApiStatusError(err)) return sendStatus(reply, err);
    if (err.statusCode === 413) return sendStatus(reply, new ApiStatusError("RequestEntityTooLarge", "Request entity too large: limit is 3145728"));
    if (err.statusCode !== undefined && err.statusCode < 500) return sendStatus(reply, new ApiStatusError("BadRequest", err.message));
    options.logger.error({ err: err.message }, "devcluster request failed");
    return sendStatus(reply, new ApiStatusError("InternalError", `Internal error occurred: ${err.message}`));
  });

  app.setNotFoundHandler((_req, reply) => sendStatus(reply, new ApiStatusError("NotFound", "the server could not find the requested resource")));

  app.get("/version", () => versionInfo());
  for (const probe of ["/healthz", "/livez", "/readyz"]) app.get(probe, (_req, reply) => reply.type("text/plain").send("ok"));
  app.get("/api", () => coreApiVersions(options.serverAddress()));
  app.get("/apis", () => apiGroupList(api.registry));
  app.get("/api/:version", (req: FastifyRequest<{ Params: RouteParams }>) => {
    const list = apiResourceList(api.registry, "", req.params.version ?? "");
    if (list === undefined) throw new ApiStatusError("NotFound", "the server could not find the requested resource");
    return list;
  });
  app.get("/apis/:group", (req: FastifyRequest<{ Params: RouteParams }>) => {
    const group = apiGroup(api.registry, req.params.group ?? "");
    if (group === undefined) throw new ApiStatusError("NotFound", "the server could not find the requested resource");
    return group;
  });
  app.get("/apis/:group/:version", (req: FastifyRequest<{ Params: RouteParams }>) => {
    const list = apiResourceList(api.registry, req.params.group ?? "", req.params.version ?? "");
    if (list === undefined) throw new ApiStatusError("NotFound", "the server could not find the requested resource");
    return list;
  });
  // kubectl's validation needs an OpenAPI answer; an empty v2 document tells it there is no schema
  // to validate against (docs/devcluster.md). v3 is absent, as the kubectl notes recommend.
  app.get("/openapi/v2", (_req, reply) => reply.code(200).type("application/octet-stream").send(Buffer.alloc(0)));

  const handler = (req: FastifyRequest<{ Params: RouteParams; Querystring: Record<string, string | undefined> }>, reply: FastifyReply): FastifyReply | undefined => {
    const p = { ...req.params };
    const group = p.group ?? "";
    // `/api/v1/namespaces/{ns}/status|finalize` routes like a namespaced collection; it is the namespace's subresource.
    if (group === "" && p.namespace !== undefined && p.name === undefined && (p.resource === "status" || p.resource === "finalize")) {
      p.subresource = p.resource;
      p.name = p.namespace;
      p.resource = "namespaces";
      delete p.namespace;
    }
    const apiReq: ApiRequest = {
      verb: req.method as ApiRequest["verb"],
      group,
      version: p.version ?? "",
      namespace: p.namespace,
      resource: p.resource ?? "",
      name: p.name,
      subresource: p.subresource,
      query: req.query,
      contentType: req.headers["content-type"],
      accept: req.headers.accept,
      userAgent: req.headers["user-agent"],
      body: typeof req.body === "string" ? req.body : undefined,
    };
    const failure = injectedFailure(options.faults(), options.random);
    if (failure !== undefined) return sendStatus(reply, failure);
    const watch = req.query.watch;
    if (req.method === "GET" && (watch === "true" || watch === "1")) {
      startWatch(apiReq, reply);
      return undefined;
    }
    const result = api.handle(apiReq);
    return reply.code(result.status).type("application/json").send(JSON.stringify(result.body));
  };

  const startWatch = (apiReq: ApiRequest, reply: FastifyReply): void => {
    // Errors found now are plain Status responses; once streaming, they can only be ERROR events.
    api.checkWatch(apiReq);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache, private", "transfer-encoding": "chunked" });
    res.flushHeaders();
    let stop: () => void = () => undefined;
    const timers: NodeJS.Timeout[] = [];
    const entry: OpenWatch = {
      end: () => {
        if (!watches.delete(entry)) return;
        stop();
        for (const t of timers) clearTimeout(t);
        res.end();
      },
    };
    watches.add(entry);
    res.on("close", () => {
      entry.end();
    });
    const send = (event: WatchEvent): void => {
      if (!res.writableEnded) res.write(`${JSON.stringify(event)}\n`);
    };
    try {
      stop = api.watch(apiReq, { send, close: () => entry.end() });
    } catch (err) {
      if (isApiStatusError(err)) send({ type: "ERROR", object: err.toStatus() });
      entry.end();
      return;
    }
    const timeout = Number(apiReq.query.timeoutSeconds ?? "0");
    if (timeout > 0) timers.push(setTimeout(() => entry.end(), timeout * 1000));
    if (apiReq.query.allowWatchBookmarks === "true") {
      const type = api.resolve(apiReq);
      const bookmark = (): void => {
        send({ type: "BOOKMARK", object: { kind: type.kind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(api.store.resourceVersion) } } });
        timers.push(setTimeout(bookmark, options.bookmarkIntervalMs));
      };
      timers.push(setTimeout(bookmark, options.bookmarkIntervalMs));
    }
    const drop = options.faults().dropWatchesAfterMs;
    if (drop !== undefined) timers.push(setTimeout(() => entry.end(), drop));
  };

  // The service proxy (`kubectl get --raw .../services/http:NAME:PORT/proxy/PATH`, kubeseal --fetch-cert).
  const proxy = async (
    req: FastifyRequest<{ Params: { namespace: string; name: string; "*"?: string } }>,
    reply: FastifyReply,
  ): Promise<FastifyReply> => {
    const wanted = parseProxyName(req.params.name);
    const key = { group: "", namespace: req.params.namespace, name: wanted.name };
    const target = resolveProxyTarget(api.store.get({ ...key, resource: "services" }), api.store.get({ ...key, resource: "endpoints" }), wanted);
    const query = req.url.includes("?") ? req.url.slice(req.url.indexOf("?")) : "";
    const answer = await forward(target, {
      method: req.method,
      path: `/${req.params["*"] ?? ""}${query}`,
      contentType: req.headers["content-type"],
      body: typeof req.body === "string" && req.body !== "" ? req.body : undefined,
    });
    if (answer.contentType !== undefined) void reply.type(answer.contentType);
    return reply.code(answer.status).send(answer.body);
  };
  for (const url of ["/api/v1/namespaces/:namespace/services/:name/proxy", "/api/v1/namespaces/:namespace/services/:name/proxy/*"]) {
    app.route({ method: ["GET", "POST", "PUT", "PATCH", "DELETE"], url, handler: proxy });
  }

  for (const prefix of ["/api/:version", "/apis/:group/:version"]) {
    for (const suffix of ["/namespaces/:namespace/:resource", "/namespaces/:namespace/:resource/:name", "/namespaces/:namespace/:resource/:name/:subresource", "/:resource", "/:resource/:name", "/:resource/:name/:subresource"]) {
      app.route({ method: ["GET", "POST", "PUT", "PATCH", "DELETE"], url: `${prefix}${suffix}`, handler });
    }
  }
  return { app, watches };
}
