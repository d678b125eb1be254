/**
 * The shape of any Kubernetes object as plain JSON. We never use client-node's typed model classes:
 * they turn timestamps into Dates and drop unknown fields, which breaks hashing and diffing.
 */
export interface KubeMetadata {
  /** Absent only on a hook the API server names from `generateName` (see isNamedByServer). */
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  generation?: number;
  uid?: string;
  deletionTimestamp?: string;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

/** Enough to address one object. `namespace` is absent for cluster-scoped kinds. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string | undefined;
}

/** `apps/v1` → `apps`; `v1` → `` (the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

export function refOf(obj: KubeObject): ObjectRef {
  const ns = obj.metadata.namespace;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(ns === undefined || ns === "" ? {} : { namespace: ns }),
  };
}

/**
 * A version-free identity, like Flux's ObjMetadata (`<namespace>_<name>_<group>_<kind>`): the same
 * object served under two versions is one object.
 */
export function refId(ref: ObjectRef): string {
  return `${ref.namespace ?? ""}_${ref.name}_${groupOf(ref.apiVersion)}_${ref.kind}`;
}

/** Parses an id made by {@link refId} back into its parts (the version is not part of an id). */
export function parseRefId(id: string): { namespace: string; name: string; group: string; kind: string } | undefined {
  const parts = id.split("_");
  if (parts.length !== 4) return undefined;
  const [namespace = "", name = "", group = "", kind = ""] = parts;
  if (name === "" || kind === "") return undefined;
  return { namespace, name, group, kind };
}

/** `Deployment/web/api`, the subject Flux prints in change sets. */
/**
 * True for an object the API server names: `generateName` and no `name`. Argo CD allows these for
 * hooks only, which are created afresh on every sync (a new migration Job each time).
 */
export function isNamedByServer(obj: KubeObject): boolean {
  const { name, generateName } = obj.metadata as { name?: unknown; generateName?: unknown };
  return (name === undefined || name === "") && typeof generateName === "string" && generateName !== "";
}

/** `name`, or `generateName*` for an object the API server will name: for sorting and messages. */
export function nameOrPrefix(obj: KubeObject): string {
  return isNamedByServer(obj) ? `${String(obj.metadata["generateName"])}*` : obj.metadata.name;
}

export function refSubject(ref: ObjectRef): string {
  return ref.namespace === undefined ? `${ref.kind}/${ref.name}` : `${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function annotationOf(obj: KubeObject, key: string): string | undefined {
  return obj.metadata.annotations?.[key];
}

export function labelOf(obj: KubeObject, key: string): string | undefined {
  return obj.metadata.labels?.[key];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Walks a dotted path of plain fields; undefined when any step is missing. */
export function fieldAt(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const step of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[step];
  }
  return cur;
}

export function deepClone<T>(value: T): T {
  return structuredClone(value);
}
