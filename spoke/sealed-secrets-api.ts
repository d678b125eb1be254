import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { isFlotillaError, silentLogger, type Clock, type Logger, type RandomSource } from "../core/index.js";
import { checkSealedSecret, resealSealedSecret, type KeyRing } from "../crypto/open.js";
import { parseManifests, parseSealingCertificate, type SealedSecretManifest } from "../crypto/seal.js";
import { TokenBucket } from "../kube/index.js";
import type { SealedSecretsController } from "./sealed-secrets-controller.js";
import type { SealedSecretsMetrics } from "./sealed-secrets-metrics.js";

export interface SealedSecretsApiOptions {
  /** `host:port` (the controller's `--listen-addr`, default `:8080`); port 0 picks a free one. */
  readonly listen: string;
  readonly controller: SealedSecretsController;
  readonly ring: () => Promise<KeyRing>;
  readonly metrics: SealedSecretsMetrics;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger?: Logger;
  /** `/v1/verify` is a decryption oracle: the controller limits it (`--rate-limit 2`, `--rate-limit-burst 2`). */
  readonly rateLimit?: number;
  readonly rateLimitBurst?: number;
}

export interface SealedSecretsApi {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A SealedSecret is a few KiB; 1 MiB is what a Secret may hold, and more than enough for its ciphertext. */
export const MAX_SEALED_SECRET_BODY = 2 * 1024 * 1024;

class BadBody extends Error {}

function hostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(":");
  const port = Number(listen.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`"${listen}" is not host:port`);
  return { host: listen.slice(0, i) || "0.0.0.0", port };
}

/** The one SealedSecret in a request body (JSON or YAML), checked; a clear 400 otherwise. */
function sealedSecretFrom(body: unknown): SealedSecretManifest {
  if (typeof body !== "string" || body.trim() === "") throw new BadBody("empty body: send one SealedSecret (JSON or YAML)");
  let docs: Record<string, unknown>[];
  try {
    docs = parseManifests(body, "request body");
  } catch (err) {
    throw new BadBody(isFlotillaError(err) ? err.message : "not valid YAML or JSON");
  }
  if (docs.length !== 1) throw new BadBody(`expected exactly one SealedSecret, got ${String(docs.length)} documents`);
  const doc = docs[0] as { apiVersion?: unknown; kind?: unknown };
  if (doc.kind !== "SealedSecret" || doc.apiVersion !== "bitnami.com/v1alpha1") {
    throw new BadBody(`unexpected resource type: ${String(doc.apiVersion)}, Kind=${String(doc.kind)}`);
  }
  const sealed = doc as unknown as SealedSecretManifest;
  try {
    checkSealedSecret(sealed, "request body");
  } catch (err) {
    throw new BadBody(isFlotillaError(err) ? err.message : "not a valid SealedSecret");
  }
  return sealed;
}

function text(reply: FastifyReply, code: number, message: string): FastifyReply {
  return reply.code(code).type("text/plain; charset=utf-8").send(`${message}\n`);
}

/**
 * The controller's HTTP API (upstream pkg/controller/server.go), which kubeseal reaches through the
 * API server's service proxy: `/healthz`, `/v1/cert.pem` (the active certificate), `/v1/verify`
 * (200 when the SealedSecret opens, 409 when not), `/v1/rotate` (the SealedSecret re-sealed with the
 * newest key; 409 when it does not open), and `/metrics`. Bodies are capped and checked: a malformed
 * or oversized one gets a 400 or 413 that says why. No answer carries plaintext.
 */
export async function startSealedSecretsApi(options: SealedSecretsApiOptions): Promise<SealedSecretsApi> {
  const logger = options.logger ?? silentLogger();
  const { host, port } = hostPort(options.listen);
  const limiter = new TokenBucket({ qps: options.rateLimit ?? 2, burst: options.rateLimitBurst ?? 2, clock: options.clock });
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: MAX_SEALED_SECRET_BODY });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    done(null, body);
  });
  const started = new WeakMap<object, number>();
  app.addHook("onRequest", (req, _reply, done) => {
    started.set(req, options.clock.now());
    done();
  });
  app.addHook("onResponse", async (req, reply) => {
    const path = req.routeOptions.url ?? "unknown";
    options.metrics.httpRequests.labels(path, String(reply.statusCode), req.method.toLowerCase()).inc();
    options.metrics.httpDuration.labels(path, req.method.toLowerCase()).observe((options.clock.now() - (started.get(req) ?? options.clock.now())) / 1000);
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    if (err instanceof BadBody) return text(reply, 400, err.message);
    if (err.statusCode === 413) return text(reply, 413, `request body too large: a SealedSecret is at most ${String(MAX_SEALED_SECRET_BODY)} bytes`);
    if (err.statusCode !== undefined && err.statusCode < 500) return text(reply, err.statusCode, err.message);
    logger.error({ code: (err as { code?: string }).code }, "sealed secrets API request failed");
    return text(reply, 500, "internal error");
  });

  app.get("/healthz", (_req, reply) => text(reply, 200, "ok"));
  app.get("/v1/cert.pem", async (_req, reply) => {
    const pem = (await options.ring()).sealingKey.certificatePem;
    if (pem === undefined) return text(reply, 500, "cannot get certificate");
    return reply.type("application/x-pem-file").send(pem.endsWith("\n") ? pem : `${pem}\n`);
  });
  app.post("/v1/verify", async (req, reply) => {
    if (limiter.available() < 1) return text(reply, 429, "too many requests");
    await limiter.take();
    const sealed = sealedSecretFrom(req.body);
    return (await options.controller.verify(sealed)) ? text(reply, 200, "ok") : text(reply, 409, "unable to decrypt sealed secret");
  });
  app.post("/v1/rotate", async (req, reply) => {
    const sealed = sealedSecretFrom(req.body);
    const ring = await options.ring();
    if (!(await options.controller.verify(sealed))) return text(reply, 409, "error decrypting secret");
    const pem = ring.sealingKey.certificatePem;
    if (pem === undefined) return text(reply, 500, "the newest key has no certificate");
    const certificate = parseSealingCertificate(pem);
    const resealed = resealSealedSecret(sealed, ring, { certificate, random: options.random });
    return reply.type("application/json").send(JSON.stringify(resealed));
  });
  app.get("/metrics", async (_req, reply) => reply.header("content-type", options.metrics.registry.contentType).send(await options.metrics.registry.metrics()));

  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  return { url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${String(bound)}`, port: bound, close: () => app.close() };
}
