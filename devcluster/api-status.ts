/**
 * Kubernetes `Status` failures, shaped as the real apiserver returns them, so that kubectl and
 * client-node print the same messages they print against a real cluster.
 */
export const STATUS_REASONS = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  UnsupportedMediaType: 415,
  Invalid: 422,
  RequestEntityTooLarge: 413,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
} as const;

export type StatusReason = keyof typeof STATUS_REASONS;

export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Thrown inside the API layer; the HTTP edge turns it into a Status response. */
export class ApiStatusError extends Error {
  readonly reason: StatusReason;
  readonly code: number;
  readonly details: StatusDetails | undefined;

  constructor(reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = "ApiStatusError";
    this.reason = reason;
    this.code = STATUS_REASONS[reason];
    this.details = details;
  }

  toStatus(): StatusBody {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details === undefined ? {} : { details: this.details }),
      code: this.code,
    };
  }
}

export function isApiStatusError(err: unknown): err is ApiStatusError {
  return err instanceof ApiStatusError;
}

/** What kubectl prints as `<resource>[.<group>] "<name>"`. */
function qualified(resource: string, group: string): string {
  return group === "" ? resource : `${resource}.${group}`;
}

export function notFound(resource: string, group: string, name: string): ApiStatusError {
  return new ApiStatusError("NotFound", `${qualified(resource, group)} "${name}" not found`, {
    name,
    group,
    kind: resource,
  });
}

export function alreadyExists(resource: string, group: string, name: string): ApiStatusError {
  return new ApiStatusError("AlreadyExists", `${qualified(resource, group)} "${name}" already exists`, {
    name,
    group,
    kind: resource,
  });
}

export function staleResourceVersion(resource: string, group: string, name: string): ApiStatusError {
  return new ApiStatusError(
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: resource },
  );
}

export function invalid(kind: string, group: string, name: string, causes: readonly StatusCause[]): ApiStatusError {
  const list = causes.map((c) => `${c.field ?? ""}: ${c.message ?? ""}`);
  const summary = list.length === 1 ? list[0] : `[${list.join(", ")}]`;
  return new ApiStatusError("Invalid", `${kind}${group === "" ? "" : `.${group}`} "${name}" is invalid: ${summary ?? ""}`, {
    name,
    group,
    kind,
    causes,
  });
}

export function badRequest(message: string): ApiStatusError {
  return new ApiStatusError("BadRequest", message);
}

export function unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiStatusError {
  return new ApiStatusError(
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    { causes: [{ reason: "UnsupportedMediaType", message: contentType }] },
  );
}

export function successStatus(details: StatusDetails): StatusBody {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details, code: 200 };
}
