import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { errorMessage, silentLogger, type Logger } from "../../core/index.js";
import type { GitAuth } from "../git-source.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { basicAuth, chartHttpGet, type ChartHttpResponse, type ChartHttpSettings } from "./chart-http.js";
import { verifyChartProvenance, type ChartKeyring } from "./chart-provenance.js";
import { chartLocation, type ChartRef } from "./chart-ref.js";
import { parseChartVersion, resolveChartVersion } from "./chart-version.js";

/** A chart archive as fetched: the `.tgz` bytes, verified against `digest`. */
export interface ChartArchive {
  /** `https://repo/chart` or `oci://host/path/chart`. */
  readonly location: string;
  readonly chart: string;
  /** The version the constraint resolved to. */
  readonly version: string;
  /** `sha256:<hex>` of `bytes`. */
  readonly digest: string;
  readonly bytes: Uint8Array;
}

export interface ChartFetcherOptions {
  /** Credentials by URL prefix (a GitCredentials resolver); never used for plain http. */
  readonly credentials?: ((url: string) => GitAuth | undefined) | undefined;
  readonly http?: ChartHttpSettings | undefined;
  /** Largest chart archive accepted. Default 20 MiB. */
  readonly maxChartBytes?: number | undefined;
  /** Largest index.yaml, OCI manifest or tag list accepted. Default 64 MiB (large public repositories). */
  readonly maxIndexBytes?: number | undefined;
  /** Archives by digest on disk (content-addressed); memory only without it. */
  readonly cacheDir?: string | undefined;
  /** How long a fetched index.yaml or tag list answers again without a request. Default 5 s. */
  readonly indexTtlMs?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly logger?: Logger | undefined;
  /**
   * Verify each chart's provenance (`<archive URL>.prov`, or an OCI chart's provenance layer)
   * against this keyring, as `helm pull --verify` does; a chart without one is refused.
   */
  readonly provenance?: ChartKeyring | undefined;
  /** URL schemes a value file may use (Argo CD's `helm.valuesFileSchemes`). Default https, http. */
  readonly valuesFileSchemes?: readonly string[] | undefined;
  /** Largest value file fetched by URL. Default 4 MiB. */
  readonly maxValueFileBytes?: number | undefined;
}

export const HELM_MEDIA_TYPE = {
  config: "application/vnd.cncf.helm.config.v1+json",
  chart: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
  /** What charts pushed by Helm before 3.7 carry. */
  legacyChart: "application/tar+gzip",
  provenance: "application/vnd.cncf.helm.chart.provenance.v1.prov",
  manifest: "application/vnd.oci.image.manifest.v1+json",
} as const;

type Where = { readonly file?: string | undefined; readonly field: string };

const MEMORY_CACHE_ENTRIES = 64;

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/**
 * Fetches charts from Helm repositories and OCI registries on the hub's thread: resolves the
 * version against the index (or the tag list), downloads the archive once per digest and verifies
 * it. The caller checks sourceRepos before calling. Credentials are looked up by the URL being
 * requested (longest prefix), sent over https only, and dropped by any redirect to another origin.
 */
export class ChartFetcher {
  readonly #o: ChartFetcherOptions;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #archives = new Map<string, Uint8Array>();
  readonly #lists = new Map<string, { at: number; value: Promise<unknown> }>();
  readonly #tokens = new Map<string, string>();

  constructor(options: ChartFetcherOptions = {}) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger();
    this.#now = options.now ?? (() => Date.now());
  }

  async fetch(ref: ChartRef, where: Where): Promise<ChartArchive> {
    return ref.kind === "repo" ? this.#fromRepo(ref, where) : this.#fromRegistry(ref, where);
  }

  /**
   * A value file named by URL (Argo CD passes it to helm, which downloads it): a scheme of
   * `valuesFileSchemes`, no userinfo, credentials by URL prefix over https only, size-limited.
   */
  async fetchFile(url: string, where: Where): Promise<ChartArchive> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new GitOpsError(GITOPS_ERROR.repoURL, `value file URL ${JSON.stringify(url)} does not parse`, where);
    }
    const scheme = parsed.protocol.slice(0, -1);
    const schemes = this.#o.valuesFileSchemes ?? ["https", "http"];
    if (!schemes.some((s) => s.toLowerCase() === scheme)) throw new GitOpsError(GITOPS_ERROR.invalid, `the URL scheme '${scheme}' is not allowed`, where);
    if (parsed.username !== "" || parsed.password !== "") throw new GitOpsError(GITOPS_ERROR.repoURL, "a value file URL must not carry credentials (configure them by URL prefix)", where);
    const bytes = await this.#listed(`file\0${url}`, async () => {
      const auth = this.#auth(url);
      const res = await this.#get(url, `value file ${url}`, where, this.#o.maxValueFileBytes ?? 4 * 1024 * 1024, auth === undefined ? {} : { authorization: auth });
      if (res.status !== 200) throw new GitOpsError(GITOPS_ERROR.chartFetch, `cannot read value file ${url}: HTTP ${res.status}`, where);
      return res.body;
    });
    return { location: url, chart: "", version: "", digest: sha256(bytes), bytes };
  }

  /** helm's --verify: the archive's provenance must be signed by the keyring and list the archive's sha256. */
  async #verified(archive: ChartArchive, fileName: string, prov: () => Promise<string | undefined>, where: Where): Promise<ChartArchive> {
    const keyring = this.#o.provenance;
    if (keyring === undefined) return archive;
    const text = await prov();
    if (text === undefined) throw new GitOpsError(GITOPS_ERROR.chartProvenanceMissing, `chart ${archive.chart} ${archive.version} from ${archive.location} has no provenance file (${fileName}.prov), and verification is required`, where);
    const v = await verifyChartProvenance(archive.bytes, fileName, text, keyring, where);
    this.#logger.debug({ chart: archive.location, version: archive.version, signedBy: v.signedBy }, "chart provenance verified");
    return archive;
  }

  async #repoProvenance(url: string, auth: string | undefined, what: string, where: Where): Promise<string | undefined> {
    const res = await this.#get(`${url}.prov`, `the provenance of ${what}`, where, 1024 * 1024, auth === undefined ? {} : { authorization: auth });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new GitOpsError(GITOPS_ERROR.chartFetch, `cannot read the provenance of ${what} (${url}.prov): HTTP ${res.status}`, where);
    return res.body.toString("utf8");
  }

  #auth(url: string): string | undefined {
    if (!url.startsWith("https://")) return undefined;
    const auth = this.#o.credentials?.(url);
    if (auth === undefined) return undefined;
    const password = auth.password ?? auth.token;
    return password === undefined ? undefined : basicAuth(auth.username ?? "x-access-token", password);
  }

  #get(url: string, what: string, where: Where, maxBytes: number, headers: Record<string, string> = {}): Promise<ChartHttpResponse> {
    return chartHttpGet({ url, headers, maxBytes, what, where }, this.#o.http);
  }

  /** A short-lived memo: the ApplicationSets of one render ask for the same index once. */
  #listed<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#lists.get(key);
    const ttl = this.#o.indexTtlMs ?? 5_000;
    if (hit !== undefined && this.#now() - hit.at < ttl) return hit.value as Promise<T>;
    const value = load();
    this.#lists.set(key, { at: this.#now(), value });
    value.catch(() => this.#lists.delete(key));
    return value;
  }

  async #fromRepo(ref: Extract<ChartRef, { kind: "repo" }>, where: Where): Promise<ChartArchive> {
    const location = chartLocation(ref);
    const index = await this.#listed(`index\0${ref.url}`, () => this.#readIndex(ref.url, where));
    const entries = index.get(ref.chart);
    if (entries === undefined || entries.length === 0) {
      throw new GitOpsError(GITOPS_ERROR.chart, `no chart ${JSON.stringify(ref.chart)} in the Helm repository ${ref.url}`, where);
    }
    const version = resolveChartVersion(ref.version, entries.map((e) => e.version), versionWhere(where));
    if (version === undefined) throw noVersion(ref, entries.map((e) => e.version), where);
    const entry = entries.find((e) => e.version === version)!;
    const url = new URL(entry.urls[0] ?? "", `${ref.url}/`).href;
    const expected = entry.digest === undefined ? undefined : `sha256:${entry.digest.toLowerCase()}`;
    // The repository's credentials go to its own origin; an archive elsewhere needs its own entry.
    const auth = new URL(url).origin === new URL(ref.url).origin ? this.#auth(ref.url) : this.#auth(url);
    const fileName = new URL(url).pathname.split("/").pop() ?? `${ref.chart}-${version}.tgz`;
    const prov = (): Promise<string | undefined> => this.#repoProvenance(url, auth, `chart ${ref.chart} ${version}`, where);
    const cached = expected === undefined ? undefined : await this.#cached(expected);
    if (cached !== undefined) return this.#verified({ location, chart: ref.chart, version, digest: expected!, bytes: cached }, fileName, prov, where);
    const res = await this.#get(url, `chart ${ref.chart} ${version} (${url})`, where, this.#o.maxChartBytes ?? 20 * 1024 * 1024, auth === undefined ? {} : { authorization: auth });
    if (res.status !== 200) throw new GitOpsError(GITOPS_ERROR.chartFetch, `cannot download chart ${ref.chart} ${version} from ${url}: HTTP ${res.status}`, where);
    const digest = sha256(res.body);
    if (expected !== undefined && digest !== expected) {
      throw new GitOpsError(GITOPS_ERROR.chartDigest, `chart ${ref.chart} ${version} from ${url} has digest ${digest}, but the repository's index.yaml says ${expected}`, where);
    }
    await this.#store(digest, res.body);
    return this.#verified({ location, chart: ref.chart, version, digest, bytes: res.body }, fileName, prov, where);
  }

  async #readIndex(url: string, where: Where): Promise<Map<string, IndexEntry[]>> {
    const auth = this.#auth(url);
    const res = await this.#get(`${url}/index.yaml`, `the index.yaml of ${url}`, where, this.#o.maxIndexBytes ?? 64 * 1024 * 1024, auth === undefined ? {} : { authorization: auth });
    if (res.status !== 200) throw new GitOpsError(GITOPS_ERROR.chartFetch, `cannot read the index.yaml of ${url}: HTTP ${res.status}`, where);
    let doc: unknown;
    try {
      doc = parseYaml(res.body.toString("utf8"), { maxAliasCount: 100 });
    } catch (err) {
      throw new GitOpsError(GITOPS_ERROR.chartFetch, `the index.yaml of ${url} does not parse: ${errorMessage(err)}`, where);
    }
    const entries = isRecord(doc) && isRecord(doc["entries"]) ? doc["entries"] : undefined;
    if (entries === undefined) throw new GitOpsError(GITOPS_ERROR.chartFetch, `the index.yaml of ${url} has no entries map: not a Helm repository`, where);
    const out = new Map<string, IndexEntry[]>();
    for (const [name, list] of Object.entries(entries)) {
      if (!Array.isArray(list)) continue;
      out.set(name, list.flatMap((e: unknown) => indexEntry(e) ?? []));
    }
    return out;
  }

  async #fromRegistry(ref: Extract<ChartRef, { kind: "oci" }>, where: Where): Promise<ChartArchive> {
    const location = chartLocation(ref);
    const base = `https://${ref.registry}/v2/${ref.repository}`;
    const exact = parseChartVersion(ref.version) !== undefined && /^v?\d/u.test(ref.version) && !/[\s,<>=~^*|xX]/u.test(ref.version) ? ref.version : undefined;
    let version = exact;
    if (version === undefined) {
      const tags = await this.#listed(`tags\0${base}`, () => this.#readTags(ref, base, where));
      version = resolveChartVersion(ref.version, tags, versionWhere(where));
      if (version === undefined) throw noVersion(ref, tags, where);
    }
    const tag = version.replace(/\+/gu, "_");
    const manifestRes = await this.#registryGet(ref, `${base}/manifests/${tag}`, `the manifest of ${location}:${tag}`, where, this.#o.maxIndexBytes ?? 4 * 1024 * 1024, { accept: HELM_MEDIA_TYPE.manifest });
    if (manifestRes.status === 404) throw noVersion(ref, undefined, where, version);
    if (manifestRes.status !== 200) throw new GitOpsError(GITOPS_ERROR.chartFetch, `cannot read the manifest of ${location}:${tag}: HTTP ${manifestRes.status}`, where);
    const sent = headerOf(manifestRes, "docker-content-digest");
    if (sent !== undefined && sent !== sha256(manifestRes.body)) {
      throw new GitOpsError(GITOPS_ERROR.chartDigest, `the manifest of ${location}:${tag} does not match the digest ${sent} the registry sent`, where);
    }
    const layer = chartLayer(manifestRes.body, `${location}:${tag}`, where);
    const fileName = `${ref.chart}-${version}.tgz`;
    const prov = async (): Promise<string | undefined> => {
      const p = provenanceLayer(manifestRes.body);
      if (p === undefined) return undefined;
      const res = await this.#registryGet(ref, `${base}/blobs/${p}`, `the provenance of ${location}:${tag}`, where, 1024 * 1024);
      if (res.status !== 200) throw new GitOpsError(GITOPS_ERROR.chartFetch, `cannot read the provenance of ${location}:${tag}: HTTP ${res.status}`, where);
      if (sha256(res.body) !== p) throw new GitOpsError(GITOPS_ERROR.chartDigest, `the provenance of ${location}:${tag} does not have the digest its manifest says`, where);
      return res.body.toString("utf8");
    };
    const cached = await this.#cached(layer.digest);
    if (cached !== undefined) return this.#verified({ location, chart: ref.chart, version, digest: layer.digest, bytes: cached }, fileName, prov, where);
    const max = this.#o.maxChartBytes ?? 20 * 1024 * 1024;
    if (layer.size > max) throw new GitOpsError(GITOPS_ERROR.tooLarge, `chart ${location}:${tag} is ${layer.size} bytes, over the limit of ${max} bytes`, where);
    const blob = await this.#registryGet(ref, `${base}/blobs/${layer.digest}`, `chart ${location}:${tag}`, where, max);
    if (blob.status !== 200) throw new GitOpsError(GITOPS_ERROR.chartFetch, `cannot download chart ${location}:${tag}: HTTP ${blob.status}`, where);
    const digest = sha256(blob.body);
    if (digest !== layer.digest) {
      throw new GitOpsError(GITOPS_ERROR.chartDigest, `chart ${location}:${tag} has digest ${digest}, but its manifest says ${layer.digest}`, where);
    }
    await this.#store(digest, blob.body);
    return this.#verified({ location, chart: ref.chart, version, digest, bytes: blob.body }, fileName, prov, where);
  }

  async #readTags(ref: Extract<ChartRef, { kind: "oci" }>, base: string, where: Where): Promise<string[]> {
    const res = await this.#registryGet(ref, `${base}/tags/list`, `the tags of ${chartLocation(ref)}`, where, this.#o.maxIndexBytes ?? 4 * 1024 * 1024);
    if (res.status === 404) throw new GitOpsError(GITOPS_ERROR.chart, `no chart ${JSON.stringify(ref.chart)} in the OCI registry ${ref.registry} (${ref.repository})`, where);
    if (res.status !== 200) throw new GitOpsError(GITOPS_ERROR.chartFetch, `cannot list the tags of ${chartLocation(ref)}: HTTP ${res.status}`, where);
    const doc = parseJson(res.body, `the tag list of ${chartLocation(ref)}`, where);
    const tags = isRecord(doc) && Array.isArray(doc["tags"]) ? doc["tags"].filter((t): t is string => typeof t === "string") : [];
    // Helm writes `+` as `_` in tags (OCI tags cannot hold `+`).
    return tags.map((t) => t.replace(/_/gu, "+"));
  }

  /**
   * A registry GET with the distribution spec's token flow: on 401 with a Bearer challenge, ask the
   * realm for a pull token (with the registry's credentials only when the realm is https and on the
   * registry's host, or covered by a credentials entry of its own), then retry once.
   */
  async #registryGet(ref: Extract<ChartRef, { kind: "oci" }>, url: string, what: string, where: Where, maxBytes: number, headers: Record<string, string> = {}): Promise<ChartHttpResponse> {
    const scopeKey = `${ref.registry}/${ref.repository}`;
    const token = this.#tokens.get(scopeKey);
    const first = await this.#get(url, what, where, maxBytes, token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` });
    if (first.status !== 401) return first;
    const challenge = parseChallenge(headerOf(first, "www-authenticate") ?? "");
    const registryAuth = this.#auth(`https://${ref.registry}/${ref.repository}`);
    if (challenge?.scheme === "basic") {
      if (registryAuth === undefined || !registryAuth.startsWith("Basic ")) return first;
      return this.#get(url, what, where, maxBytes, { ...headers, authorization: registryAuth });
    }
    if (challenge?.scheme !== "bearer" || challenge.params["realm"] === undefined) return first;
    const realm = new URL(challenge.params["realm"]);
    if (challenge.params["service"] !== undefined) realm.searchParams.set("service", challenge.params["service"]);
    realm.searchParams.set("scope", challenge.params["scope"] ?? `repository:${ref.repository}:pull`);
    let realmAuth: string | undefined;
    if (realm.protocol === "https:") realmAuth = realm.host === ref.registry ? registryAuth : this.#auth(`${realm.origin}${realm.pathname}`);
    const tokenRes = await this.#get(realm.href, `a pull token for ${chartLocation(ref)}`, where, 1024 * 1024, realmAuth === undefined || !realmAuth.startsWith("Basic ") ? {} : { authorization: realmAuth });
    if (tokenRes.status !== 200) throw new GitOpsError(GITOPS_ERROR.chartFetch, `the registry's token service refused a pull token for ${chartLocation(ref)}: HTTP ${tokenRes.status}`, where);
    const body = parseJson(tokenRes.body, "the token service's answer", where);
    const fresh = isRecord(body) ? (typeof body["token"] === "string" ? body["token"] : typeof body["access_token"] === "string" ? body["access_token"] : undefined) : undefined;
    if (fresh === undefined) throw new GitOpsError(GITOPS_ERROR.chartFetch, `the registry's token service sent no token for ${chartLocation(ref)}`, where);
    this.#tokens.set(scopeKey, fresh);
    return this.#get(url, what, where, maxBytes, { ...headers, authorization: `Bearer ${fresh}` });
  }

  async #cached(digest: string): Promise<Uint8Array | undefined> {
    const hit = this.#archives.get(digest);
    if (hit !== undefined) return hit;
    if (this.#o.cacheDir === undefined) return undefined;
    try {
      const bytes = await readFile(join(this.#o.cacheDir, `${digest.replace(":", "-")}.tgz`));
      // A cache file is trusted only if it still has the digest its name claims.
      if (sha256(bytes) !== digest) return undefined;
      this.#remember(digest, bytes);
      return bytes;
    } catch {
      return undefined;
    }
  }

  async #store(digest: string, bytes: Uint8Array): Promise<void> {
    this.#remember(digest, bytes);
    if (this.#o.cacheDir === undefined) return;
    try {
      await mkdir(this.#o.cacheDir, { recursive: true });
      const file = join(this.#o.cacheDir, `${digest.replace(":", "-")}.tgz`);
      await writeFile(`${file}.tmp`, bytes);
      await rename(`${file}.tmp`, file);
    } catch (err) {
      this.#logger.warn({ digest, err: errorMessage(err) }, "chart cache not written");
    }
  }

  #remember(digest: string, bytes: Uint8Array): void {
    this.#archives.delete(digest);
    this.#archives.set(digest, bytes);
    if (this.#archives.size > MEMORY_CACHE_ENTRIES) this.#archives.delete(this.#archives.keys().next().value as string);
  }
}

interface IndexEntry {
  readonly version: string;
  readonly urls: readonly string[];
  readonly digest?: string | undefined;
}

function indexEntry(e: unknown): IndexEntry | undefined {
  if (!isRecord(e) || typeof e["version"] !== "string" || !Array.isArray(e["urls"])) return undefined;
  const urls = e["urls"].filter((u): u is string => typeof u === "string");
  const digest = typeof e["digest"] === "string" && /^[0-9a-fA-F]{64}$/u.test(e["digest"]) ? e["digest"] : undefined;
  return { version: e["version"], urls, digest };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function headerOf(res: ChartHttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseJson(body: Buffer, what: string, where: Where): unknown {
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    throw new GitOpsError(GITOPS_ERROR.chartFetch, `${what} is not JSON`, where);
  }
}

function versionWhere(where: Where): Where {
  return { ...where, field: where.field.replace(/repoURL$/u, "targetRevision") };
}

function noVersion(ref: ChartRef, available: readonly string[] | undefined, where: Where, exact?: string): GitOpsError {
  const shown = available === undefined ? "" : ` (published: ${available.slice(0, 8).join(", ")}${available.length > 8 ? ", …" : ""})`;
  const what = exact === undefined ? `satisfies ${JSON.stringify(ref.version === "" ? "*" : ref.version)}` : `${exact} exists`;
  return new GitOpsError(GITOPS_ERROR.chartVersion, `no version of chart ${ref.chart} in ${chartLocation(ref)} ${what}${shown}`, versionWhere(where));
}

/** The chart layer of a Helm OCI manifest; GITOPS_CHART when the artifact is not a Helm chart. */
function chartLayer(body: Buffer, what: string, where: Where): { digest: string; size: number } {
  const doc = parseJson(body, `the manifest of ${what}`, where);
  const config = isRecord(doc) && isRecord(doc["config"]) ? doc["config"] : undefined;
  if (config?.["mediaType"] !== HELM_MEDIA_TYPE.config) {
    throw new GitOpsError(GITOPS_ERROR.chart, `${what} is not a Helm chart (config media type ${JSON.stringify(config?.["mediaType"] ?? null)})`, where);
  }
  const layers = isRecord(doc) && Array.isArray(doc["layers"]) ? doc["layers"] : [];
  const layer = layers.find((l: unknown) => isRecord(l) && (l["mediaType"] === HELM_MEDIA_TYPE.chart || l["mediaType"] === HELM_MEDIA_TYPE.legacyChart)) as Record<string, unknown> | undefined;
  const digest = layer?.["digest"];
  const size = layer?.["size"];
  if (typeof digest !== "string" || !/^sha256:[0-9a-f]{64}$/u.test(digest) || typeof size !== "number") {
    throw new GitOpsError(GITOPS_ERROR.chart, `${what} has no chart layer (${HELM_MEDIA_TYPE.chart}) with a sha256 digest`, where);
  }
  return { digest, size };
}

/** The digest of a Helm OCI manifest's provenance layer, if it has one. */
function provenanceLayer(body: Buffer): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  const layers = isRecord(doc) && Array.isArray(doc["layers"]) ? doc["layers"] : [];
  const layer = layers.find((l: unknown) => isRecord(l) && l["mediaType"] === HELM_MEDIA_TYPE.provenance) as Record<string, unknown> | undefined;
  const digest = layer?.["digest"];
  return typeof digest === "string" && /^sha256:[0-9a-f]{64}$/u.test(digest) ? digest : undefined;
}

/** `Bearer realm="…",service="…",scope="…"` → scheme and parameters. */
function parseChallenge(header: string): { scheme: string; params: Record<string, string> } | undefined {
  const m = /^\s*(\w+)\s*(.*)$/su.exec(header);
  if (m === null) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[2] ?? "").matchAll(/(\w+)="([^"]*)"/gu)) params[p[1].toLowerCase()] = p[2]!;
  return { scheme: m[1].toLowerCase(), params };
}
