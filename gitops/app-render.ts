import type { KubeObject } from "../kube/kube-object.js";
import { groupOf, nameOrPrefix } from "../kube/kube-object.js";
import { canonicalJson, canonicalJsonCached, sha256Digest } from "./canonical-json.js";
import type { Application } from "./expand-application-set.js";
import type { AppRender, AppSyncPolicy, RenderError } from "./fleet-render-types.js";
import { isPlainObject } from "./generators/param-utils.js";
import { fleetSealedSecretFor, isFleetSealedSecret } from "./render/fleet-sealed-narrowing.js";
import { deepFreeze, isClusterScoped, isEncryptedPassthrough } from "./render/manifest-objects.js";

/** The fields of an AppRender that come from the Application alone (no manifests yet). */
export type AppHeader = Omit<AppRender, "objects" | "digest" | "error">;

function str(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** The string entries of a map; the map itself when it holds only strings (no copy per app). */
function stringMap(value: unknown): Readonly<Record<string, string>> {
  if (!isPlainObject(value)) return NO_LABELS;
  let allStrings = true;
  for (const k in value) {
    if (typeof value[k] !== "string") {
      allStrings = false;
      break;
    }
  }
  if (allStrings) return value as Record<string, string>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}

/** A source of a multi-source app that only names a repository for `$ref/…` value files (Argo's `ref`, no path or chart). */
function isRefOnly(source: Record<string, unknown>): boolean {
  return typeof source["ref"] === "string" && source["ref"] !== "" && (source["path"] === undefined || source["path"] === "") && (source["chart"] === undefined || source["chart"] === "");
}

/**
 * The source an Application renders: `spec.source`, or the one source of `spec.sources` that is
 * not a `ref`-only source (those only lend files to `$ref/…` value files). Undefined when there
 * are several to render (not supported yet).
 */
export function applicationSource(app: Application): Record<string, unknown> | undefined {
  if (isPlainObject(app.spec["source"])) return app.spec["source"];
  const sources = app.spec["sources"];
  if (!Array.isArray(sources) || !sources.every(isPlainObject)) return undefined;
  if (sources.length === 1) return sources[0];
  const rendered = sources.filter((s) => !isRefOnly(s));
  return rendered.length === 1 ? rendered[0] : undefined;
}

/** A repository a multi-source app names with `ref`, for `$<ref>/path` value files. */
export interface RefSource {
  readonly repoURL: string;
  readonly targetRevision: string;
}

/** The `ref` sources of `spec.sources`, by ref name (Argo's RefSources). */
export function refSources(app: Application): ReadonlyMap<string, RefSource> {
  const sources = app.spec["sources"];
  const out = new Map<string, RefSource>();
  if (!Array.isArray(sources)) return out;
  for (const s of sources) {
    if (!isPlainObject(s) || typeof s["ref"] !== "string" || s["ref"] === "") continue;
    out.set(s["ref"], { repoURL: str(s["repoURL"]), targetRevision: str(s["targetRevision"], "HEAD") });
  }
  return out;
}

const syncPolicyCache = new WeakMap<object, AppSyncPolicy[]>();
const EMPTY_POLICY = Object.freeze({});

/**
 * Normalised sync policy. A template's constant `syncPolicy` is the same object for every app of
 * an ApplicationSet, so the result is cached per object and frozen (its canonical JSON is then
 * computed once too).
 */
export function syncPolicyOf(app: Application, preserveResourcesOnDeletion: boolean): AppSyncPolicy {
  const raw = app.spec["syncPolicy"];
  const key = isPlainObject(raw) ? raw : EMPTY_POLICY;
  let cached = syncPolicyCache.get(key);
  if (cached === undefined) {
    cached = [];
    syncPolicyCache.set(key, cached);
  }
  const index = preserveResourcesOnDeletion ? 1 : 0;
  const hit = cached[index];
  if (hit !== undefined) return hit;
  const computed = deepFreeze(buildSyncPolicy(key, preserveResourcesOnDeletion));
  cached[index] = computed;
  return computed;
}

function buildSyncPolicy(policy: Record<string, unknown>, preserveResourcesOnDeletion: boolean): AppSyncPolicy {
  const automatedRaw = policy["automated"];
  const automated = isPlainObject(automatedRaw) && automatedRaw["enabled"] !== false
    ? { prune: automatedRaw["prune"] === true, selfHeal: automatedRaw["selfHeal"] === true, allowEmpty: automatedRaw["allowEmpty"] === true }
    : undefined;
  const syncOptions = Array.isArray(policy["syncOptions"]) ? policy["syncOptions"].filter((o): o is string => typeof o === "string") : [];
  return {
    ...(automated === undefined ? {} : { automated }),
    prune: automated?.prune ?? false,
    selfHeal: automated?.selfHeal ?? false,
    syncOptions,
    preserveResourcesOnDeletion,
  };
}

export function appHeader(app: Application, appSet: string, preserveResourcesOnDeletion: boolean): AppHeader {
  const destination = isPlainObject(app.spec["destination"]) ? app.spec["destination"] : {};
  const source = applicationSource(app) ?? {};
  return {
    name: app.metadata.name,
    appSet,
    namespace: str(destination["namespace"]),
    project: str(app.spec["project"], "default"),
    labels: stringMap(app.metadata.labels),
    source: headerSource(source),
    syncPolicy: syncPolicyOf(app, preserveResourcesOnDeletion),
    ignoreDifferences: Array.isArray(app.spec["ignoreDifferences"]) ? deepFreeze(app.spec["ignoreDifferences"] as unknown[]) : NO_DIFFERENCES,
  };
}

const NO_DIFFERENCES: readonly unknown[] = Object.freeze([]);
const headerSources = new WeakMap<object, AppHeader["source"]>();

/** The app's source fields; built once per template source when that source is constant (frozen). */
function headerSource(source: Record<string, unknown>): AppHeader["source"] {
  const hit = headerSources.get(source);
  if (hit !== undefined) return hit;
  const chart = str(source["chart"]);
  const built = Object.freeze({
    repoURL: str(source["repoURL"]),
    path: str(source["path"], "."),
    targetRevision: str(source["targetRevision"], "HEAD"),
    revision: "",
    ...(chart === "" ? {} : { chart }),
  });
  if (Object.isFrozen(source)) headerSources.set(source, built);
  return built;
}

const patchedCache = new WeakMap<KubeObject, Map<string, KubeObject>>();

/**
 * Places namespaced objects that name no namespace into the app's namespace. The result is
 * frozen and shared by every app with the same object and namespace. Cluster-scoped objects and
 * encrypted payloads (SealedSecret, SOPS) are returned as they are: the hub never edits those.
 */
export function placeInNamespace(obj: KubeObject, namespace: string): KubeObject {
  if (namespace === "" || isEncryptedPassthrough(obj) || isClusterScoped(obj)) return obj;
  const current = obj.metadata.namespace;
  if (current !== undefined && current !== "") return obj;
  let byNamespace = patchedCache.get(obj);
  if (byNamespace === undefined) {
    byNamespace = new Map();
    patchedCache.set(obj, byNamespace);
  }
  let patched = byNamespace.get(namespace);
  if (patched === undefined) {
    patched = Object.freeze({ ...obj, metadata: Object.freeze({ ...obj.metadata, namespace }) });
    byNamespace.set(namespace, patched);
  }
  return patched;
}

function sortKey(obj: KubeObject): string {
  return `${groupOf(obj.apiVersion)}\0${obj.kind}\0${obj.metadata.namespace ?? ""}\0${nameOrPrefix(obj)}`;
}

/** Objects in canonical order: group, kind, namespace, name. */
export function sortObjects(objects: readonly KubeObject[]): KubeObject[] {
  if (objects.length < 2) return [...objects];
  return objects
    .map((obj) => ({ obj, key: sortKey(obj) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e) => e.obj);
}

export interface FinishAppOptions {
  readonly error?: RenderError | undefined;
  /** The destination cluster: a FleetSealedSecret keeps only this cluster's entry (or is left out). */
  readonly cluster?: string | undefined;
}

/** Completes an AppRender: objects narrowed to the cluster, placed and sorted, digest computed. */
export function finishApp(header: AppHeader, revision: string, rendered: readonly KubeObject[], options: FinishAppOptions = {}): AppRender {
  const { error, cluster } = options;
  const ns = header.namespace;
  const objects = cluster === undefined ? rendered : forCluster(rendered, cluster);
  const placed = objects.length === 1 ? single(placeInNamespace(objects[0], ns)) : sortObjects(objects.map((o) => placeInNamespace(o, ns)));
  // One object literal of a fixed shape: this runs once per app and cluster (100 000 times).
  const app: { -readonly [K in keyof AppRender]: AppRender[K] } = {
    name: header.name,
    appSet: header.appSet,
    namespace: ns,
    project: header.project,
    labels: header.labels,
    source: sharedSource(header.source, revision),
    syncPolicy: header.syncPolicy,
    ignoreDifferences: header.ignoreDifferences,
    objects: placed,
    digest: "",
  };
  if (error !== undefined) app.error = error;
  // Digest input: canonical JSON of everything but the objects and the digest, then each object's
  // own digest in order. Objects are frozen and shared between clusters, so each is hashed once.
  let text = headerJson(app);
  for (const obj of placed) text += `\n${objectDigest(obj)}`;
  app.digest = sha256Digest(text);
  return app;
}

/** The objects as `cluster` receives them; the same array when nothing changes (the common case). */
function forCluster(objects: readonly KubeObject[], cluster: string): readonly KubeObject[] {
  // The common case (no FleetSealedSecret) allocates nothing: this runs for every app of every cluster.
  if (!objects.some(isFleetSealedSecret)) return objects;
  return objects.flatMap((obj) => fleetSealedSecretFor(obj, cluster) ?? []);
}

const singles = new WeakMap<KubeObject, readonly KubeObject[]>();

/** A frozen one-object list, shared by every app that renders exactly this (shared) object. */
function single(obj: KubeObject): KubeObject[] {
  let list = singles.get(obj);
  if (list === undefined) {
    list = Object.freeze([obj]);
    if (Object.isFrozen(obj)) singles.set(obj, list);
  }
  return list as KubeObject[];
}

const sources = new WeakMap<AppHeader["source"], Map<string, AppRender["source"]>>();

/** One frozen `source` per header source and revision: thousands of apps deploy the same source. */
function sharedSource(h: AppHeader["source"], revision: string): AppRender["source"] {
  let byRevision = sources.get(h);
  if (byRevision === undefined) {
    byRevision = new Map();
    sources.set(h, byRevision);
  }
  let source = byRevision.get(revision);
  if (source === undefined) {
    source = Object.freeze({ repoURL: h.repoURL, path: h.path, targetRevision: h.targetRevision, revision, ...(h.chart === undefined ? {} : { chart: h.chart }) });
    byRevision.set(revision, source);
  }
  return source;
}

const objectDigests = new WeakMap<KubeObject, string>();

/** sha256 of an object's canonical JSON, remembered for frozen (shared) objects. */
export function objectDigest(obj: KubeObject): string {
  const hit = objectDigests.get(obj);
  if (hit !== undefined) return hit;
  const digest = sha256Digest(canonicalJsonCached(obj));
  if (Object.isFrozen(obj)) objectDigests.set(obj, digest);
  return digest;
}

const q = JSON.stringify;

function flatStringMap(map: Readonly<Record<string, string>>): string {
  const keys = Object.keys(map);
  if (keys.length === 0) return "{}";
  keys.sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) out += `${i === 0 ? "" : ","}${q(keys[i])}:${q(map[keys[i]])}`;
  return `${out}}`;
}

/**
 * `canonicalJson(header)`, written out by hand for the one shape it has (the hot path of a
 * 100 000-app render). A unit test checks it against canonicalJson for every field combination.
 */
export function headerJson(h: Omit<AppRender, "objects" | "digest">): string {
  const s = h.source; // frozen and shared: its canonical JSON is cached
  return (
    `{"appSet":${q(h.appSet)}` +
    (h.error === undefined ? "" : `,"error":${canonicalJson(h.error)}`) +
    `,"ignoreDifferences":${canonicalJsonCached(h.ignoreDifferences)}` +
    `,"labels":${flatStringMap(h.labels)}` +
    `,"name":${q(h.name)},"namespace":${q(h.namespace)},"project":${q(h.project)}` +
    `,"source":${canonicalJsonCached(s)}` +
    `,"syncPolicy":${canonicalJsonCached(h.syncPolicy)}}`
  );
}

/**
 * The digest of a cluster's whole bundle: the cluster name, then one line per app with its name
 * (JSON-quoted) and digest, in order. App digests already cover errors and objects.
 */
export function clusterDigest(name: string, apps: readonly AppRender[]): string {
  let text = JSON.stringify(name);
  for (const app of apps) text += `\n${JSON.stringify(app.name)} ${app.digest}`;
  return sha256Digest(text);
}

const objectLinesCache = new WeakMap<readonly KubeObject[], string>();

/** The object part of an app's digest input (one line per object digest); lists are shared between apps, so computed once each. */
function objectLines(objects: readonly KubeObject[]): string {
  let lines = objectLinesCache.get(objects);
  if (lines === undefined) {
    lines = "";
    for (const obj of objects) lines += `\n${objectDigest(obj)}`;
    if (Object.isFrozen(objects)) objectLinesCache.set(objects, lines);
  }
  return lines;
}

/**
 * The app exactly as {@link finishApp} would build it from the same header and placed objects at
 * another revision of its source: the incremental render reuses an app whose inputs did not change
 * and only moves it to the new commit. `sources` shares one new source per old one across a pass.
 */
export function restampApp(app: AppRender, revision: string, sources: Map<AppRender["source"], AppRender["source"]>): AppRender {
  let source = sources.get(app.source);
  if (source === undefined) {
    const s = app.source;
    source = Object.freeze({ repoURL: s.repoURL, path: s.path, targetRevision: s.targetRevision, revision, ...(s.chart === undefined ? {} : { chart: s.chart }) });
    sources.set(app.source, source);
  }
  const out: { -readonly [K in keyof AppRender]: AppRender[K] } = {
    name: app.name,
    appSet: app.appSet,
    namespace: app.namespace,
    project: app.project,
    labels: app.labels,
    source,
    syncPolicy: app.syncPolicy,
    ignoreDifferences: app.ignoreDifferences,
    objects: app.objects,
    digest: "",
  };
  if (app.error !== undefined) out.error = app.error;
  out.digest = sha256Digest(headerJson(out) + objectLines(out.objects));
  return out;
}
