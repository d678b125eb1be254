import type { KubeObject } from "../kube/kube-object.js";
import { groupOf } from "../kube/kube-object.js";
import { canonicalJson, canonicalJsonCached, sha256Digest } from "./canonical-json.js";
import type { Application } from "./expand-application-set.js";
import type { AppRender, AppSyncPolicy, RenderError } from "./fleet-render-types.js";
import { isPlainObject } from "./generators/param-utils.js";
import { isClusterScoped, isEncryptedPassthrough } from "./render/manifest-objects.js";

/** The fields of an AppRender that come from the Application alone (no manifests yet). */
export type AppHeader = Omit<AppRender, "objects" | "digest" | "error">;

function str(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}

/** The single source of an Application (`spec.source`, or a one-element `spec.sources`). */
export function applicationSource(app: Application): Record<string, unknown> | undefined {
  if (isPlainObject(app.spec["source"])) return app.spec["source"];
  const sources = app.spec["sources"];
  if (Array.isArray(sources) && sources.length === 1 && isPlainObject(sources[0])) return sources[0];
  return undefined;
}

export function syncPolicyOf(app: Application, preserveResourcesOnDeletion: boolean): AppSyncPolicy {
  const policy = isPlainObject(app.spec["syncPolicy"]) ? app.spec["syncPolicy"] : {};
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
    source: {
      repoURL: str(source["repoURL"]),
      path: str(source["path"], "."),
      targetRevision: str(source["targetRevision"], "HEAD"),
      revision: "",
    },
    syncPolicy: syncPolicyOf(app, preserveResourcesOnDeletion),
    ignoreDifferences: Array.isArray(app.spec["ignoreDifferences"]) ? (app.spec["ignoreDifferences"] as unknown[]) : [],
  };
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
  return `${groupOf(obj.apiVersion)}\0${obj.kind}\0${obj.metadata.namespace ?? ""}\0${obj.metadata.name}`;
}

/** Objects in canonical order: group, kind, namespace, name. */
export function sortObjects(objects: readonly KubeObject[]): KubeObject[] {
  if (objects.length < 2) return [...objects];
  return objects
    .map((obj) => ({ obj, key: sortKey(obj) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e) => e.obj);
}

/** Completes an AppRender: objects placed and sorted, digest computed. */
export function finishApp(header: AppHeader, revision: string, objects: readonly KubeObject[], error?: RenderError): AppRender {
  const placed = sortObjects(objects.map((o) => placeInNamespace(o, header.namespace)));
  const app = { ...header, source: { ...header.source, revision }, objects: placed, ...(error === undefined ? {} : { error }) };
  const { objects: _objects, ...rest } = app;
  let text = canonicalJson(rest);
  text += "\n";
  for (const obj of placed) text += canonicalJsonCached(obj);
  return { ...app, digest: sha256Digest(text) };
}

/** The digest of a cluster's whole bundle: app names, digests and errors in order. */
export function clusterDigest(name: string, apps: readonly AppRender[]): string {
  return sha256Digest(canonicalJson({ name, apps: apps.map((a) => [a.name, a.digest]) }));
}
