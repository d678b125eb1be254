import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { pack } from "tar-stream";
import { stringify } from "yaml";

// A Helm chart repository (index.yaml + archives) and an OCI registry (the distribution API's GET
// paths, with the token flow) in one HTTPS server, for tests. It records every request it sees,
// with the Authorization header, so tests can assert what was (and was not) sent where.

/** Packs `files` (paths relative to the chart root) into a chart archive under directory `name/`. */
export async function packChart(name: string, files: Readonly<Record<string, string | Uint8Array>>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve) => p.on("end", () => resolve()));
  for (const [path, content] of Object.entries(files)) {
    const data = typeof content === "string" ? Buffer.from(content) : Buffer.from(content);
    await new Promise<void>((resolve, reject) => p.entry({ name: `${name}/${path}`, size: data.length, mtime: new Date(0) }, data, (err) => (err ? reject(err) : resolve())));
  }
  p.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

export interface SeenRequest {
  readonly path: string;
  readonly host: string;
  readonly authorization: string | undefined;
}

export interface ChartServerOptions {
  readonly tls: { readonly certFile: string; readonly keyFile: string };
  /** Basic credentials the Helm repository (`/charts/…`) requires; open without. */
  readonly repoAuth?: { readonly username: string; readonly password: string } | undefined;
  /** Basic credentials the token service requires for a pull token; anonymous tokens without. */
  readonly registryAuth?: { readonly username: string; readonly password: string } | undefined;
  /** Host name in the token realm (default the one the client used): `localhost` makes it another host than 127.0.0.1. */
  readonly realmHost?: string | undefined;
}

export interface ChartServer {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Every request, in order. */
  readonly requests: SeenRequest[];
  /** Publishes `archive` as chart `name` `version` in the Helm repository; `digest` overrides the index's digest, `url` its download URL. */
  addRepoChart(name: string, version: string, archive: Buffer, options?: { digest?: string; url?: string }): void;
  /** Serves `body` at `/charts/<file>` (a value file, a `.prov`). */
  addRepoFile(file: string, body: string | Buffer): void;
  /** Pushes `archive` to OCI repository `repository` with `tag`; `layerDigest` serves the archive under a digest it does not have. */
  addOciChart(repository: string, tag: string, archive: Buffer, options?: { layerDigest?: string }): void;
  close(): Promise<void>;
}

const HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json";
const HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
const hex = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

function basicOk(req: FastifyRequest, auth: { username: string; password: string } | undefined): boolean {
  if (auth === undefined) return true;
  return req.headers.authorization === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
}

export async function startChartServer(options: ChartServerOptions): Promise<ChartServer> {
  const app = Fastify({ https: { cert: await readFile(options.tls.certFile), key: await readFile(options.tls.keyFile) } });
  const requests: SeenRequest[] = [];
  const repoCharts = new Map<string, { version: string; file: string; digest: string; created: string }[]>();
  const files = new Map<string, Buffer>();
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Map<string, Buffer>>();
  const tokens = new Set<string>();

  app.addHook("onRequest", (req, _reply, done) => {
    requests.push({ path: req.url, host: req.headers.host ?? "", authorization: req.headers.authorization });
    done();
  });

  app.get("/charts/index.yaml", async (req, reply) => {
    if (!basicOk(req, options.repoAuth)) return reply.code(401).header("www-authenticate", 'Basic realm="charts"').send();
    const entries: Record<string, unknown[]> = {};
    for (const [name, list] of repoCharts) {
      entries[name] = list.map((c) => ({ apiVersion: "v2", name, version: c.version, urls: [c.file], digest: c.digest, created: c.created }));
    }
    return reply.type("application/x-yaml").send(stringify({ apiVersion: "v1", entries, generated: "2026-01-01T00:00:00Z" }));
  });
  app.get("/charts/:file", async (req: FastifyRequest<{ Params: { file: string } }>, reply) => {
    if (!basicOk(req, options.repoAuth)) return reply.code(401).send();
    const body = files.get(req.params.file);
    return body === undefined ? reply.code(404).send() : reply.type("application/gzip").send(body);
  });

  app.get("/token", async (req: FastifyRequest<{ Querystring: { scope?: string; service?: string } }>, reply) => {
    if (!basicOk(req, options.registryAuth)) return reply.code(401).send({ errors: [{ code: "UNAUTHORIZED" }] });
    const token = randomBytes(12).toString("hex");
    tokens.add(token);
    return reply.send({ token, access_token: token });
  });

  const challenge = (req: FastifyRequest, reply: FastifyReply, repository: string): FastifyReply => {
    const host = options.realmHost === undefined ? req.headers.host ?? "" : `${options.realmHost}:${String(port)}`;
    return reply
      .code(401)
      .header("www-authenticate", `Bearer realm="https://${host}/token",service="test-registry",scope="repository:${repository}:pull"`)
      .send({ errors: [{ code: "UNAUTHORIZED" }] });
  };
  const authorized = (req: FastifyRequest): boolean => {
    const m = /^Bearer (.+)$/u.exec(req.headers.authorization ?? "");
    return m !== null && tokens.has(m[1]);
  };
  app.get("/v2/", async (req, reply) => (authorized(req) ? reply.send({}) : challenge(req, reply, "")));
  app.get("/v2/*", async (req: FastifyRequest<{ Params: { "*": string } }>, reply) => {
    const rest = req.params["*"];
    const m = /^(.+)\/(manifests|blobs|tags)\/([^/]+)$/u.exec(rest);
    if (m === null) return reply.code(404).send();
    const [, repository, what, ref] = m as unknown as [string, string, string, string];
    if (!authorized(req)) return challenge(req, reply, repository);
    const tags = manifests.get(repository);
    if (what === "tags") return tags === undefined ? reply.code(404).send({ errors: [{ code: "NAME_UNKNOWN" }] }) : reply.send({ name: repository, tags: [...tags.keys()] });
    if (what === "manifests") {
      const body = tags?.get(ref);
      if (body === undefined) return reply.code(404).send({ errors: [{ code: "MANIFEST_UNKNOWN" }] });
      return reply.type("application/vnd.oci.image.manifest.v1+json").header("docker-content-digest", `sha256:${hex(body)}`).send(body);
    }
    const blob = blobs.get(ref);
    return blob === undefined ? reply.code(404).send({ errors: [{ code: "BLOB_UNKNOWN" }] }) : reply.type("application/octet-stream").send(blob);
  });

  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `https://127.0.0.1:${String(port)}`,
    port,
    requests,
    addRepoChart(name, version, archive, extra = {}) {
      const file = `${name}-${version}.tgz`;
      files.set(file, archive);
      const list = repoCharts.get(name) ?? [];
      list.push({ version, file: extra.url ?? file, digest: extra.digest ?? hex(archive), created: "2026-01-01T00:00:00Z" });
      repoCharts.set(name, list);
    },
    addRepoFile(file, body) {
      files.set(file, Buffer.from(body));
    },
    addOciChart(repository, tag, archive, extra = {}) {
      const config = Buffer.from(JSON.stringify({ name: repository.split("/").pop(), version: tag.replace(/_/gu, "+") }));
      const layerDigest = extra.layerDigest ?? `sha256:${hex(archive)}`;
      blobs.set(`sha256:${hex(config)}`, config);
      // A tampered layer: the registry serves these bytes under a digest they do not have.
      blobs.set(layerDigest, archive);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          config: { mediaType: HELM_CONFIG, digest: `sha256:${hex(config)}`, size: config.length },
          layers: [{ mediaType: HELM_CHART, digest: layerDigest, size: archive.length }],
        }),
      );
      let tags = manifests.get(repository);
      if (tags === undefined) {
        tags = new Map();
        manifests.set(repository, tags);
      }
      tags.set(tag, manifest);
    },
    close: () => app.close(),
  };
}
