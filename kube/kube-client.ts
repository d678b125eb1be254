import type { KubeObject, ObjectRef } from "./kube-object.js";

/** Which objects a list or watch covers. `namespace` absent = all namespaces (or cluster-scoped). */
export interface ListQuery {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
}

export interface ObjectList {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
}

export interface ApplyOptions {
  /** Take ownership of conflicting fields (SSA `force=true`), as Flux always does. */
  readonly force?: boolean | undefined;
  /** Server-side dry run (`dryRun=All`): validates and returns the would-be object, stores nothing. */
  readonly dryRun?: boolean | undefined;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: KubeObject;
}

export interface WatchOptions {
  readonly resourceVersion?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The port every Flotilla component uses to talk to a cluster. One adapter wraps client-node; the
 * field manager is fixed when the adapter is built (from configuration), never passed as a literal
 * by library code.
 */
export interface KubeClient {
  /** Whether a kind is namespaced, from discovery; undefined when the server does not know the kind. */
  namespaced(apiVersion: string, kind: string): Promise<boolean | undefined>;
  /** The object, or undefined when it does not exist (404). */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(query: ListQuery): Promise<ObjectList>;
  /** Server-side apply (`application/apply-patch+yaml`). Creates the object when absent. */
  apply(obj: KubeObject, options?: ApplyOptions): Promise<KubeObject>;
  /** POST; fails with 409 when the object exists. Used for hooks, which Argo creates rather than applies. */
  create(obj: KubeObject, options?: { dryRun?: boolean | undefined }): Promise<KubeObject>;
  /** PUT (`Replace=true`); creates the object when absent. */
  replace(obj: KubeObject): Promise<KubeObject>;
  /** Background deletion. Returns false when the object was already gone. */
  delete(ref: ObjectRef): Promise<boolean>;
  /** Merge-patches the status subresource. */
  patchStatus(ref: ObjectRef, status: Record<string, unknown>): Promise<KubeObject>;
  /**
   * Watches from `resourceVersion` until the server closes the stream, the signal aborts or an
   * error occurs. Resolves with the last resourceVersion seen; a 410 Gone rejects with a KubeApiError
   * (status 410) so the caller relists.
   */
  watch(query: ListQuery, onEvent: (event: WatchEvent) => void, options?: WatchOptions): Promise<string>;
}
