import Fastify, { type FastifyInstance } from "fastify";
import type { SpokeMetrics } from "./spoke-metrics.js";

export interface SpokeProbeServerOptions {
  /** `host:port`; port 0 picks a free one. */
  readonly listen: string;
  readonly metrics: SpokeMetrics;
  /** Ready once keys are loaded and a first reconcile pass has run. */
  readonly ready: () => boolean;
}

export interface SpokeProbeServer {
  readonly url: string;
  close(): Promise<void>;
}

function hostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(":");
  const port = Number(listen.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`"${listen}" is not host:port`);
  return { host: listen.slice(0, i) || "0.0.0.0", port };
}

/** `/metrics`, `/healthz` and `/readyz` for the spoke's Deployment probes and Prometheus. */
export async function startSpokeProbeServer(options: SpokeProbeServerOptions): Promise<SpokeProbeServer> {
  const { host, port } = hostPort(options.listen);
  const app: FastifyInstance = Fastify({ logger: false });
  app.get("/healthz", () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => (options.ready() ? { status: "ready" } : reply.code(503).send({ status: "not ready" })));
  app.get("/metrics", async (_req, reply) => reply.header("content-type", options.metrics.registry.contentType).send(await options.metrics.registry.metrics()));
  const url = await app.listen({ host, port });
  return { url, close: () => app.close() };
}
