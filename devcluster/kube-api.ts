import { randomUUID } from "node:crypto";
import type { Clock } from "../core/index.js";
import {
  alreadyExists,
  ApiStatusError,
  badRequest,
  notFound,
  staleResourceVersion,
  successStatus,
  unsupportedMediaType,
} from "./api-status.js";
import { applyJsonPatch } from "./json-patch.js";
import { deepClone, isPlainObject, jsonEqual, type KubeObject } from "./kube-object.js";
import { serverSideApply, trackUpdate, type WriteScope } from "./managed-fields.js";
import { applyMergePatch } from "./merge-patch.js";
import { applyDefaults } from "./object-defaults.js";
import type { ObjectKey, ObjectStore, StoreEvent } from "./object-store.js";
import { validateObject } from "./object-validation.js";
import { decodeBody, MEDIA, mediaType } from "./request-body.js";
import type { ResourceRegistry } from "./resource-registry.js";
import { apiVersionOf, type ResourceType } from "./resource-type.js";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";
import { toTable } from "./table.js";
import { validateCrd, crdStatus } from "./crd-validation.js";

/** One resource request, already routed by the HTTP edge. */
export interface ApiRequest {
  readonly verb: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly group: string;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly resource: string;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly userAgent: string | undefined;
  readonly body: string | undefined;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "ERROR" | "BOOKMARK";
  readonly object: unknown;
}

export interface WatchSink {
  send(event: WatchEvent): void;
  close(): void;
}

export interface KubeApiOptions {
  readonly store: ObjectStore;
  readonly registry: ResourceRegistry;
  readonly clock: Clock;
  readonly newUid?: () => string;
  /** Five random characters for `generateName`. */
  readonly nameSuffix?: () => string;
}

interface WriteOptions {
  readonly dryRun: boolean;
  readonly manager: string;
  readonly scope: WriteScope;
  /** Server-side apply already computed managedFields. */
  readonly applied?: boolean;
}

const ALPHANUM = "bcdfghjklmnpqrstvwxz2456789";

function defaultSuffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++) s += ALPHANUM[Math.floor(Math.random() * ALPHANUM.length)] ?? "x";
  return s;
}

function wantsTable(accept: string | undefined): boolean {
  return (accept ?? "").split(",")[0]?.includes("as=Table") === true;
}

/** `fieldManager` as Kubernetes derives it: the flag, else the user agent's program name. */
function managerOf(req: ApiRequest): string {
  const explicit = req.query.fieldManager;
  if (explicit !== undefined && explicit !== "") return explicit;
  const agent = (req.userAgent ?? "unknown").split("/")[0] ?? "unknown";
  return agent.slice(0, 128);
}

function isDryRun(req: ApiRequest): boolean {
  return req.query.dryRun === "All";
}

/** Status changes are not generation changes; neither are metadata changes. */
function specOf(o: KubeObject | undefined): unknown {
  if (o === undefined) return undefined;
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

function withoutVolatile(o: KubeObject): unknown {
  const copy = deepClone(o);
  delete copy.metadata.resourceVersion;
  copy.metadata.managedFields = (copy.metadata.managedFields ?? []).map((e) => ({ ...e, time: "" }));
  return copy;
}

/**
 * The Kubernetes REST semantics over the object store: CRUD, the four patch types, subresources,
 * deletion with finalizers and garbage collection, lists and watches. No HTTP here: the edge hands
 * in routed requests and serialises what comes back.
 */
export class KubeApi {
  readonly store: ObjectStore;
  readonly registry: ResourceRegistry;
  readonly #clock: Clock;
  readonly #newUid: () => string;
  readonly #nameSuffix: () => string;

  constructor(options: KubeApiOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.#clock = options.clock;
    this.#newUid = options.newUid ?? randomUUID;
    this.#nameSuffix = options.nameSuffix ?? defaultSuffix;
  }

  #now(): string {
    return new Date(this.#clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  resolve(req: Pick<ApiRequest, "group" | "version" | "resource" | "namespace">): ResourceType {
    const type = this.registry.find(req.group, req.version, req.resource);
    if (type === undefined || (!type.namespaced && req.namespace !== undefined)) {
      throw new ApiStatusError("NotFound", "the server could not find the requested resource");
    }
    return type;
  }

  /** Sets apiVersion/kind as the request's version sees the object (no conversion between versions). */
  #present(type: ResourceType, o: KubeObject): KubeObject {
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return { apiVersion: apiVersionOf(type), kind: type.kind, ...rest };
  }

  #key(type: ResourceType, namespace: string | undefined, name: string): ObjectKey {
    return { group: type.group, resource: type.resource, namespace: type.namespaced ? (namespace ?? "") : "", name };
  }

  handle(req: ApiRequest): ApiResponse {
    const type = this.resolve(req);
    if (req.subresource !== undefined) return this.#subresource(type, req);
    if (req.name === undefined) {
      if (req.verb === "GET") return { status: 200, body: this.list(type, req) };
      if (req.verb === "POST") return this.#create(type, req);
      if (req.verb === "DELETE") return this.#deleteCollection(type, req);
      throw new ApiStatusError("MethodNotAllowed", `the server does not allow this method on the requested resource`);
    }
    const name = req.name;
    switch (req.verb) {
      case "GET":
        return { status: 200, body: this.#getPresented(type, req, name) };
      case "PUT":
        return this.#update(type, req, name, "main");
      case "PATCH":
        return this.#patch(type, req, name, "main");
      case "DELETE":
        return this.#delete(type, req, name);
      default:
        throw new ApiStatusError("MethodNotAllowed", `the server does not allow this method on the requested resource`);
    }
  }

  #getPresented(type: ResourceType, req: ApiRequest, name: string): unknown {
    const o = this.#mustGet(type, req.namespace, name);
    if (wantsTable(req.accept)) return toTable(type, [o], this.#tableOptions(req));
    return o;
  }

  #mustGet(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const o = this.store.get(this.#key(type, namespace, name));
    if (o === undefined) throw notFound(type.resource, type.group, name);
    return this.#present(type, o);
  }

  #tableOptions(req: ApiRequest): { now: number; resourceVersion: string; includeObject: "None" | "Metadata" | "Object" } {
    const include = req.query.includeObject;
    return {
      now: this.#clock.now(),
      resourceVersion: String(this.store.resourceVersion),
      includeObject: include === "None" || include === "Object" ? include : "Metadata",
    };
  }

  #matcher(req: ApiRequest): (o: KubeObject) => boolean {
    const labels = parseLabelSelector(req.query.labelSelector ?? "");
    const fields = parseFieldSelector(req.query.fieldSelector ?? "");
    return (o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o);
  }

  list(type: ResourceType, req: ApiRequest): unknown {
    const match = this.#matcher(req);
    const items = this.store
      .list(type.group, type.resource, type.namespaced ? req.namespace : undefined)
      .map((o) => this.#present(type, o))
      .filter(match);
    if (wantsTable(req.accept)) return toTable(type, items, this.#tableOptions(req));
    return {
      kind: type.listKind,
      apiVersion: apiVersionOf(type),
      metadata: { resourceVersion: String(this.store.resourceVersion) },
      items,
    };
  }

  #decodeObject(type: ResourceType, req: ApiRequest, accepted: readonly string[]): KubeObject {
    const body = decodeBody(req.body, req.contentType, accepted);
    if (!isPlainObject(body)) throw badRequest(`Object 'Kind' is missing in '${(req.body ?? "").slice(0, 100)}'`);
    const o = body as KubeObject;
    if (!isPlainObject(o.metadata)) o.metadata = {};
    const expected = apiVersionOf(type);
    if (o.apiVersion !== undefined && o.apiVersion !== expected) {
      throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${expected})`);
    }
    if (o.kind !== undefined && o.kind !== type.kind) {
      throw badRequest(`the kind in the data (${String(o.kind)}) does not match the expected kind (${type.kind})`);
    }
    if (type.namespaced && o.metadata.namespace !== undefined && o.metadata.namespace !== "" && o.metadata.namespace !== req.namespace) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    return o;
  }

  #create(type: ResourceType, req: ApiRequest): ApiResponse {
    if (type.namespaced && req.namespace === undefined) throw new ApiStatusError("MethodNotAllowed", "the server does not allow this method on the requested resource");
    const o = this.#decodeObject(type, req, [MEDIA.json, MEDIA.yaml]);
    const created = this.#write(type, req.namespace, undefined, o, { dryRun: isDryRun(req), manager: managerOf(req), scope: "main" });
    return { status: 201, body: created };
  }

  #update(type: ResourceType, req: ApiRequest, name: string, scope: WriteScope): ApiResponse {
    const o = this.#decodeObject(type, req, [MEDIA.json, MEDIA.yaml]);
    if (o.metadata.name !== undefined && o.metadata.name !== name) {
      throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
    }
    o.metadata.name = name;
    const live = this.#mustGet(type, req.namespace, name);
    this.#checkResourceVersion(type, live, o.metadata.resourceVersion);
    const updated = this.#write(type, req.namespace, live, o, { dryRun: isDryRun(req), manager: managerOf(req), scope });
    return { status: 200, body: updated };
  }

  #checkResourceVersion(type: ResourceType, live: KubeObject, wanted: string | undefined): void {
    if (wanted !== undefined && wanted !== "" && wanted !== live.metadata.resourceVersion) {
      throw staleResourceVersion(type.resource, type.group, live.metadata.name ?? "");
    }
  }

  #patch(type: ResourceType, req: ApiRequest, name: string, scope: WriteScope): ApiResponse {
    const media = mediaType(req.contentType);
    const accepted: string[] = [MEDIA.jsonPatch, MEDIA.mergePatch, ...(type.strategicMerge ? [MEDIA.strategicMergePatch] : []), MEDIA.applyPatch];
    if (!accepted.includes(media)) throw unsupportedMediaType(media, accepted);
    const dryRun = isDryRun(req);
    if (media === MEDIA.applyPatch) return this.#apply(type, req, name, scope);
    const live = this.#mustGet(type, req.namespace, name);
    const patch = decodeBody(req.body, req.contentType, accepted);
    let patched: unknown;
    if (media === MEDIA.jsonPatch) patched = applyJsonPatch(live, patch);
    else if (media === MEDIA.mergePatch) patched = applyMergePatch(live, patch);
    else patched = applyStrategicMergePatch(live, patch);
    if (!isPlainObject(patched) || !isPlainObject(patched.metadata)) throw badRequest("the patch removed the object's metadata");
    const after = patched as KubeObject;
    this.#checkResourceVersion(type, live, after.metadata.resourceVersion);
    if (after.metadata.name !== name) throw badRequest(`metadata.name: Invalid value: "${String(after.metadata.name)}": field is immutable`);
    const updated = this.#write(type, req.namespace, live, after, { dryRun, manager: managerOf(req), scope });
    return { status: 200, body: updated };
  }

  #apply(type: ResourceType, req: ApiRequest, name: string, scope: WriteScope): ApiResponse {
    const manager = req.query.fieldManager;
    if (manager === undefined || manager === "") {
      throw new ApiStatusError("Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
        causes: [{ reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager" }],
      });
    }
    const applied = this.#decodeObject(type, req, [MEDIA.applyPatch]);
    if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
      throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    }
    applied.metadata.name = name;
    const existing = this.store.get(this.#key(type, req.namespace, name));
    const live = existing === undefined ? undefined : this.#present(type, existing);
    if (live === undefined && scope === "status") throw notFound(type.resource, type.group, name);
    if (live !== undefined) this.#checkResourceVersion(type, live, applied.metadata.resourceVersion);
    const merged = serverSideApply(
      {
        live,
        applied,
        manager,
        force: req.query.force === "true",
        scope,
        hasStatus: type.status,
        apiVersion: apiVersionOf(type),
        time: this.#now(),
      },
      { name, resource: type.resource, group: type.group },
    );
    const result = this.#write(type, req.namespace, live, merged, { dryRun: isDryRun(req), manager, scope, applied: true });
    return { status: live === undefined ? 201 : 200, body: result };
  }

  #subresource(type: ResourceType, req: ApiRequest): ApiResponse {
    const name = req.name ?? "";
    if (req.subresource === "status" && type.status) {
      if (req.verb === "GET") return { status: 200, body: this.#mustGet(type, req.namespace, name) };
      if (req.verb === "PUT") return this.#update(type, req, name, "status");
      if (req.verb === "PATCH") return this.#patch(type, req, name, "status");
    }
    if (req.subresource === "scale" && type.scale !== undefined) return this.#scale(type, req, name);
    throw new ApiStatusError("NotFound", "the server could not find the requested resource");
  }

  #scaleOf(type: ResourceType, o: KubeObject): KubeObject {
    const spec = isPlainObject(o.spec) ? o.spec : {};
    const status = isPlainObject(o.status) ? o.status : {};
    const selector = isPlainObject(spec.selector) && isPlainObject(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: o.metadata.name ?? "",
        namespace: o.metadata.namespace ?? "",
        uid: o.metadata.uid ?? "",
        resourceVersion: o.metadata.resourceVersion ?? "",
        creationTimestamp: o.metadata.creationTimestamp ?? "",
      },
      spec: { replicas: typeof spec.replicas === "number" ? spec.replicas : 0 },
      status: {
        replicas: typeof status.replicas === "number" ? status.replicas : 0,
        selector: Object.entries(selector)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(","),
      },
    };
  }

  #scale(type: ResourceType, req: ApiRequest, name: string): ApiResponse {
    const live = this.#mustGet(type, req.namespace, name);
    const current = this.#scaleOf(type, live);
    if (req.verb === "GET") return { status: 200, body: current };
    let wanted: unknown;
    if (req.verb === "PUT") wanted = decodeBody(req.body, req.contentType, [MEDIA.json, MEDIA.yaml]);
    else if (req.verb === "PATCH") {
      const media = mediaType(req.contentType);
      const patch = decodeBody(req.body, req.contentType, [MEDIA.jsonPatch, MEDIA.mergePatch, MEDIA.strategicMergePatch]);
      wanted = media === MEDIA.jsonPatch ? applyJsonPatch(current, patch) : applyMergePatch(current, patch);
    } else throw new ApiStatusError("MethodNotAllowed", "the server does not allow this method on the requested resource");
    if (!isPlainObject(wanted)) throw badRequest("Scale body must be an object");
    const meta = isPlainObject(wanted.metadata) ? wanted.metadata : {};
    const rv = typeof meta.resourceVersion === "string" ? meta.resourceVersion : undefined;
    this.#checkResourceVersion(type, live, rv);
    const spec = isPlainObject(wanted.spec) ? wanted.spec : {};
    const replicas = spec.replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw new ApiStatusError("Invalid", `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
    }
    const after = deepClone(live);
    after.spec = { ...(isPlainObject(after.spec) ? after.spec : {}), replicas };
    const updated = this.#write(type, req.namespace, live, after, { dryRun: isDryRun(req), manager: managerOf(req), scope: "main" });
    return { status: 200, body: this.#scaleOf(type, updated) };
  }

  #ensureNamespace(type: ResourceType, namespace: string | undefined, name: string): void {
    if (!type.namespaced) return;
    const ns = this.store.get({ group: "", resource: "namespaces", namespace: "", name: namespace ?? "" });
    if (ns === undefined) throw notFound("namespaces", "", namespace ?? "");
    if (ns.metadata.deletionTimestamp !== undefined) {
      throw new ApiStatusError(
        "Forbidden",
        `${type.resource} "${name}" is forbidden: unable to create new content in namespace ${namespace ?? ""} because it is being terminated`,
        { name, group: type.group, kind: type.resource, causes: [{ reason: "NamespaceTerminating", message: `namespace ${namespace ?? ""} is being terminated`, field: "metadata.namespace" }] },
      );
    }
  }

  #hasGeneration(type: ResourceType): boolean {
    return !type.strategicMerge || (type.status && type.kind !== "Namespace");
  }

  /**
   * Every write goes through here: metadata filled or carried over, defaults, validation,
   * generation, managedFields, no-op detection, dry-run, finalizer-completed deletion, storage.
   */
  #write(type: ResourceType, namespace: string | undefined, before: KubeObject | undefined, input: KubeObject, options: WriteOptions): KubeObject {
    let after = deepClone(input);
    after.apiVersion = apiVersionOf(type);
    after.kind = type.kind;
    const meta = after.metadata;
    if (type.namespaced) meta.namespace = namespace ?? "";
    else delete meta.namespace;

    if (before === undefined) {
      if ((meta.name ?? "") === "" && typeof meta.generateName === "string" && meta.generateName !== "") {
        meta.name = `${meta.generateName}${this.#nameSuffix()}`;
      }
      this.#ensureNamespace(type, namespace, meta.name ?? "");
      if (meta.name !== undefined && meta.name !== "" && this.store.get(this.#key(type, namespace, meta.name)) !== undefined) {
        throw alreadyExists(type.resource, type.group, meta.name);
      }
      meta.uid = this.#newUid();
      meta.creationTimestamp = this.#now();
      delete meta.deletionTimestamp;
      delete meta.resourceVersion;
      if (this.#hasGeneration(type)) meta.generation = 1;
      else delete meta.generation;
      if (type.status && type.kind !== "Namespace") delete after.status;
    } else {
      if (options.scope === "status") {
        const statusOnly = deepClone(before);
        statusOnly.status = after.status;
        statusOnly.metadata.managedFields = after.metadata.managedFields ?? before.metadata.managedFields;
        after = statusOnly;
      } else if (type.status) {
        if (before.status === undefined) delete after.status;
        else after.status = deepClone(before.status);
      }
      const m = after.metadata;
      m.uid = before.metadata.uid;
      m.creationTimestamp = before.metadata.creationTimestamp;
      m.name = before.metadata.name;
      if (before.metadata.deletionTimestamp !== undefined) m.deletionTimestamp = before.metadata.deletionTimestamp;
      else delete m.deletionTimestamp;
      if (this.#hasGeneration(type)) m.generation = before.metadata.generation ?? 1;
      m.resourceVersion = before.metadata.resourceVersion;
    }

    if (type.strategicMerge) applyDefaults(type.kind, after);
    validateObject(type.kind, type.group, after);
    if (type.group === "apiextensions.k8s.io" && type.kind === "CustomResourceDefinition") {
      validateCrd(after, this.registry, before);
      after.status = crdStatus(after, this.#now());
    }
    if (before !== undefined && this.#hasGeneration(type) && !jsonEqual(specOf(before), specOf(after))) {
      after.metadata.generation = (before.metadata.generation ?? 1) + 1;
    }
    if (options.applied !== true) {
      after.metadata.managedFields = trackUpdate({
        before,
        after,
        manager: options.manager,
        scope: options.scope,
        hasStatus: type.status,
        apiVersion: apiVersionOf(type),
        time: this.#now(),
      });
    }
    if (after.metadata.managedFields?.length === 0) delete after.metadata.managedFields;

    if (before !== undefined && jsonEqual(withoutVolatile(before), withoutVolatile(after))) return before;
    if (options.dryRun) {
      if (before === undefined) delete after.metadata.resourceVersion;
      return after;
    }
    if (after.metadata.deletionTimestamp !== undefined && (after.metadata.finalizers ?? []).length === 0 && type.kind !== "Namespace") {
      this.#remove(type, after);
      return after;
    }
    const stored = this.#present(type, this.store.put(type.group, type.resource, after));
    if (type.kind === "CustomResourceDefinition" && type.group === "apiextensions.k8s.io") this.registry.registerCrd(stored);
    return stored;
  }

  #remove(type: ResourceType, o: KubeObject): KubeObject | undefined {
    const removed = this.store.remove(this.#key(type, o.metadata.namespace, o.metadata.name ?? ""));
    if (removed === undefined) return undefined;
    if (type.kind === "CustomResourceDefinition" && type.group === "apiextensions.k8s.io") {
      const types = this.registry.all().filter((t) => `${t.resource}.${t.group}` === o.metadata.name);
      this.registry.unregisterCrd(o.metadata.name ?? "");
      const first = types[0];
      if (first !== undefined) for (const cr of this.store.list(first.group, first.resource)) this.#remove(first, cr);
    }
    this.#collectGarbage(o.metadata.uid ?? "");
    return removed;
  }

  /** Background propagation: dependents whose only owner is gone are deleted. */
  #collectGarbage(ownerUid: string): void {
    if (ownerUid === "") return;
    for (const t of this.registry.all()) {
      for (const o of this.store.list(t.group, t.resource)) {
        const refs = (o.metadata.ownerReferences ?? []).filter(isPlainObject);
        if (refs.length > 0 && refs.every((r) => r.uid === ownerUid)) this.#deleteObject(t, o);
      }
    }
  }

  /** Deletes as a DELETE without options would: finalizers keep the object until they are removed. */
  #deleteObject(type: ResourceType, live: KubeObject): KubeObject {
    if ((live.metadata.finalizers ?? []).length > 0 || (type.kind === "Namespace" && type.group === "")) {
      if (live.metadata.deletionTimestamp !== undefined) return live;
      const marked = deepClone(live);
      marked.metadata.deletionTimestamp = this.#now();
      marked.metadata.deletionGracePeriodSeconds = 0;
      if (type.kind === "Namespace") marked.status = { ...(isPlainObject(marked.status) ? marked.status : {}), phase: "Terminating" };
      return this.#present(type, this.store.put(type.group, type.resource, marked));
    }
    this.#remove(type, live);
    return live;
  }

  #delete(type: ResourceType, req: ApiRequest, name: string): ApiResponse {
    const live = this.#mustGet(type, req.namespace, name);
    const options = req.body === undefined || req.body.trim() === "" ? {} : decodeBody(req.body, req.contentType ?? MEDIA.json, [MEDIA.json, MEDIA.yaml, ""]);
    const opts = isPlainObject(options) ? options : {};
    const pre = isPlainObject(opts.preconditions) ? opts.preconditions : {};
    if (typeof pre.uid === "string" && pre.uid !== live.metadata.uid) {
      throw new ApiStatusError("Conflict", `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${live.metadata.uid ?? ""}`);
    }
    if (typeof pre.resourceVersion === "string") this.#checkResourceVersion(type, live, pre.resourceVersion);
    const dryRun = isDryRun(req) || (Array.isArray(opts.dryRun) && opts.dryRun.includes("All"));
    if (dryRun) return { status: 200, body: live };
    if (opts.propagationPolicy === "Orphan") this.#orphan(live.metadata.uid ?? "");
    const result = this.#deleteObject(type, live);
    if (result.metadata.deletionTimestamp !== undefined) return { status: 200, body: result };
    return { status: 200, body: successStatus({ name, group: type.group, kind: type.resource, ...{ uid: live.metadata.uid } }) };
  }

  #orphan(ownerUid: string): void {
    for (const t of this.registry.all()) {
      for (const o of this.store.list(t.group, t.resource)) {
        const refs = (o.metadata.ownerReferences ?? []).filter(isPlainObject);
        if (!refs.some((r) => r.uid === ownerUid)) continue;
        const copy = deepClone(o);
        copy.metadata.ownerReferences = refs.filter((r) => r.uid !== ownerUid);
        if (copy.metadata.ownerReferences.length === 0) delete copy.metadata.ownerReferences;
        this.store.put(t.group, t.resource, copy);
      }
    }
  }

  #deleteCollection(type: ResourceType, req: ApiRequest): ApiResponse {
    const match = this.#matcher(req);
    const items = this.store.list(type.group, type.resource, type.namespaced ? req.namespace : undefined).filter(match);
    if (!isDryRun(req)) for (const o of items) this.#deleteObject(type, o);
    return { status: 200, body: { kind: type.listKind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(this.store.resourceVersion) }, items } };
  }

  /** Validates a watch request (resource, selectors, resourceVersion) before any byte is streamed. */
  checkWatch(req: ApiRequest): void {
    this.resolve(req);
    this.#matcher(req);
    const rv = req.query.resourceVersion;
    if (rv !== undefined && rv !== "" && !/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${rv}`);
  }

  /**
   * Starts a watch. `resourceVersion` unset or "0" first replays the current objects as ADDED;
   * a version older than the retained history gets a 410 ERROR event and the stream ends.
   * Returns a function that stops the watch.
   */
  watch(req: ApiRequest, sink: WatchSink): () => void {
    const type = this.resolve(req);
    const match = this.#matcher(req);
    const table = wantsTable(req.accept);
    const namespace = type.namespaced ? req.namespace : undefined;
    const nameFilter = req.name;
    const render = (o: KubeObject): unknown => (table ? toTable(type, [o], { ...this.#tableOptions(req), resourceVersion: o.metadata.resourceVersion ?? "" }) : o);
    const selected = (o: KubeObject): boolean =>
      (namespace === undefined || o.metadata.namespace === namespace) &&
      (nameFilter === undefined || o.metadata.name === nameFilter) &&
      match(this.#present(type, o));
    // An object that starts or stops matching the selectors is ADDED or DELETED for this watch.
    const deliver = (e: StoreEvent): void => {
      if (e.group !== type.group || e.resource !== type.resource) return;
      const now = selected(e.object);
      const before = e.previous === undefined ? now : selected(e.previous);
      let kind: WatchEvent["type"] | undefined;
      if (e.type !== "MODIFIED") kind = now ? e.type : undefined;
      else if (now) kind = before ? "MODIFIED" : "ADDED";
      else if (before) kind = "DELETED";
      if (kind !== undefined) sink.send({ type: kind, object: render(this.#present(type, e.object)) });
    };
    const rv = req.query.resourceVersion;
    if (rv === undefined || rv === "" || rv === "0") {
      for (const o of this.store.list(type.group, type.resource, namespace)) {
        const p = this.#present(type, o);
        if ((nameFilter === undefined || p.metadata.name === nameFilter) && match(p)) sink.send({ type: "ADDED", object: render(p) });
      }
    } else {
      const since = Number(rv);
      if (!Number.isInteger(since) || since < 0) throw badRequest(`invalid resource version: ${rv}`);
      const history = this.store.eventsSince(since);
      if (history.expired) {
        sink.send({
          type: "ERROR",
          object: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `too old resource version: ${since} (${history.oldest})`, reason: "Expired", code: 410 },
        });
        sink.close();
        return () => undefined;
      }
      for (const e of history.events) deliver(e);
    }
    return this.store.subscribe(deliver);
  }

  /** Status writes by the simulated controllers (manager `kube-controller-manager`). */
  writeStatus(type: ResourceType, namespace: string | undefined, name: string, status: Record<string, unknown>): void {
    const live = this.store.get(this.#key(type, namespace, name));
    if (live === undefined) return;
    const after = deepClone(live);
    after.status = status;
    this.#write(type, namespace, this.#present(type, live), after, { dryRun: false, manager: "kube-controller-manager", scope: type.status ? "status" : "main" });
  }

  /** Finishes a namespace deletion: removes everything in it, then the namespace. */
  finalizeNamespace(name: string): void {
    for (const t of this.registry.all()) {
      if (!t.namespaced) continue;
      for (const o of this.store.list(t.group, t.resource, name)) this.#remove(t, o);
    }
    const ns = this.store.get({ group: "", resource: "namespaces", namespace: "", name });
    const nsType = this.registry.find("", "v1", "namespaces");
    if (ns !== undefined && nsType !== undefined) this.#remove(nsType, ns);
  }

  /** Creates an object directly (bootstrap namespaces); skips if it exists. */
  ensure(type: ResourceType, object: KubeObject): void {
    if (this.store.get(this.#key(type, object.metadata.namespace, object.metadata.name ?? "")) !== undefined) return;
    this.#write(type, object.metadata.namespace, undefined, object, { dryRun: false, manager: "devcluster", scope: "main" });
  }
}
