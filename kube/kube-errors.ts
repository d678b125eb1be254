import { FlotillaError, type FlotillaErrorOptions } from "../core/index.js";
import { refSubject, type ObjectRef } from "./kube-object.js";

/** Stable codes of kube/. */
export const KUBE_ERROR = {
  /** The API server answered with a non-2xx status. */
  api: "KUBE_API_ERROR",
  /** The API server could not be reached (connection refused, reset, TLS). */
  unreachable: "KUBE_UNREACHABLE",
  /** A manifest lacks apiVersion, kind or metadata.name. */
  invalidObject: "KUBE_INVALID_OBJECT",
  /** A wave or hook did not become ready before its deadline. */
  waitTimeout: "KUBE_WAIT_TIMEOUT",
  /** A hook ended Degraded/failed, or a wave has a Degraded object. */
  hookFailed: "KUBE_HOOK_FAILED",
  /** An inventory ConfigMap that does not parse. */
  invalidInventory: "KUBE_INVALID_INVENTORY",
  /** A `flotilla.dev/health` rule that does not parse. */
  invalidHealthRule: "KUBE_INVALID_HEALTH_RULE",
  /** A Lua health script (or the ConfigMap carrying it) that cannot be used: malformed, too large. */
  invalidHealthScript: "KUBE_INVALID_HEALTH_SCRIPT",
  /** The operation was cancelled (shutdown). */
  aborted: "KUBE_ABORTED",
  /** A kubeconfig (or the in-cluster service account) that cannot be used: missing, malformed, unsupported. */
  config: "KUBE_CONFIG_INVALID",
  /** Credentials could not be obtained: an exec plugin failed or answered garbage, a token file is unreadable. */
  credential: "KUBE_CREDENTIAL_FAILED",
} as const;

export type KubeErrorCode = (typeof KUBE_ERROR)[keyof typeof KUBE_ERROR];

export class KubeError extends FlotillaError {
  declare readonly code: KubeErrorCode;
  constructor(code: KubeErrorCode, message: string, options: FlotillaErrorOptions = {}) {
    super(code, message, { userError: false, ...options });
    this.name = "KubeError";
  }
}

export type KubeVerb = "get" | "list" | "create" | "apply" | "replace" | "delete" | "patch-status" | "watch" | "discover";

/**
 * A non-2xx answer, reduced to status code, reason and object reference. The raw client-node
 * `ApiException` carries the response body and headers, which may echo object fields (including
 * Secret data), so it is never kept as a cause.
 */
export class KubeApiError extends KubeError {
  readonly status: number;
  readonly reason: string;
  readonly verb: KubeVerb;
  readonly ref: ObjectRef | undefined;
  /** Field paths from `Status.details.causes[].field` (paths only, never values). */
  readonly fields: readonly string[];
  /** Seconds from a `Retry-After` header, when the server sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(options: {
    status: number;
    reason: string;
    verb: KubeVerb;
    ref?: ObjectRef | undefined;
    fields?: readonly string[];
    retryAfterSeconds?: number | undefined;
  }) {
    const subject = options.ref === undefined ? "" : ` ${refSubject(options.ref)}`;
    const fields = options.fields === undefined || options.fields.length === 0 ? "" : ` (fields: ${options.fields.join(", ")})`;
    super(KUBE_ERROR.api, `${options.verb}${subject}: ${options.status} ${options.reason}${fields}`, {
      field: options.ref === undefined ? undefined : refSubject(options.ref),
    });
    this.name = "KubeApiError";
    this.status = options.status;
    this.reason = options.reason;
    this.verb = options.verb;
    this.ref = options.ref;
    this.fields = options.fields ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isKubeApiError(err: unknown): err is KubeApiError {
  return err instanceof KubeApiError;
}

export function isKubeError(err: unknown): err is KubeError {
  return err instanceof KubeError;
}

export function isNotFound(err: unknown): boolean {
  return isKubeApiError(err) && err.status === 404;
}

export function isConflict(err: unknown): boolean {
  return isKubeApiError(err) && err.status === 409;
}

/** 422 Invalid: typically an immutable field, which `Force=true`/`Replace=true` may resolve by recreating. */
export function isInvalid(err: unknown): boolean {
  return isKubeApiError(err) && err.status === 422;
}
