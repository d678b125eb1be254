import { ApiStatusError, type StatusReason } from "./api-status.js";
import { DevClusterError } from "./devcluster-errors.js";
import { isPlainObject } from "./kube-object.js";

export type FaultStatus = 429 | 500 | 503;

/** Failures a test can switch on, at start or while the cluster runs. */
export interface DevClusterFaults {
  /** Share (0..1) of resource requests (not discovery) answered with an injected error. */
  readonly errorRate?: number;
  /** Statuses the injected errors use, picked at random; default 429, 500 and 503. */
  readonly errorStatuses?: readonly FaultStatus[];
  /** Deployments (`name` or `namespace/name`) that never become ready (ProgressDeadlineExceeded). */
  readonly neverReadyDeployments?: readonly string[];
  /** The server closes every watch connection this many ms after it opened. */
  readonly dropWatchesAfterMs?: number;
  /**
   * Image references no registry serves (`*` matches any run of characters, e.g. `*:does-not-exist`).
   * A Deployment whose pod template uses one never becomes ready (as neverReadyDeployments); a Pod
   * using one stays Pending with its container waiting in ImagePullBackOff.
   */
  readonly unpullableImages?: readonly string[];
}

const FAULT_FIELDS = ["errorRate", "errorStatuses", "neverReadyDeployments", "dropWatchesAfterMs", "unpullableImages"] as const;

const REASONS: Readonly<Record<FaultStatus, { reason: StatusReason; message: string }>> = {
  429: { reason: "TooManyRequests", message: "Too many requests, please try again later." },
  500: { reason: "InternalError", message: "Internal error occurred: injected fault" },
  503: { reason: "ServiceUnavailable", message: "the server is currently unable to handle the request" },
};

function invalid(message: string, field: string, file: string | undefined): DevClusterError {
  return new DevClusterError("DEVCLUSTER_INVALID_FAULTS", message, { field: `faults.${field}`, file });
}

function checkNames(value: unknown, field: string, file: string | undefined): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) throw invalid(`${field} must be a list of non-empty strings`, field, file);
}

/**
 * Checks a faults object (typed in code, or untyped JSON from `--faults FILE`); throws
 * DEVCLUSTER_INVALID_FAULTS naming the field (and the file, when given).
 */
export function validateFaults(faults: DevClusterFaults, options: { readonly file?: string } = {}): DevClusterFaults {
  const { file } = options;
  const raw: unknown = faults;
  if (!isPlainObject(raw)) throw new DevClusterError("DEVCLUSTER_INVALID_FAULTS", "faults must be an object", { field: "faults", file });
  const unknown = Object.keys(raw).find((k) => !(FAULT_FIELDS as readonly string[]).includes(k));
  if (unknown !== undefined) throw invalid(`unknown fault "${unknown}" (known: ${FAULT_FIELDS.join(", ")})`, unknown, file);
  const rate: unknown = raw.errorRate ?? 0;
  if (!(typeof rate === "number" && rate >= 0 && rate <= 1)) throw invalid("errorRate must be between 0 and 1", "errorRate", file);
  const statuses: unknown = raw.errorStatuses ?? [];
  if (!Array.isArray(statuses)) throw invalid("errorStatuses must be a list", "errorStatuses", file);
  for (const s of statuses as unknown[]) {
    if (typeof s !== "number" || !(s in REASONS)) throw invalid(`errorStatuses may hold 429, 500 or 503, not ${JSON.stringify(s)}`, "errorStatuses", file);
  }
  const drop: unknown = raw.dropWatchesAfterMs;
  if (drop !== undefined && !(typeof drop === "number" && drop >= 0)) throw invalid("dropWatchesAfterMs must be >= 0", "dropWatchesAfterMs", file);
  checkNames(raw.neverReadyDeployments, "neverReadyDeployments", file);
  checkNames(raw.unpullableImages, "unpullableImages", file);
  return { ...faults };
}

/** Decides, per request, whether to fail it; `random` returns [0, 1). */
export function injectedFailure(faults: DevClusterFaults, random: () => number): ApiStatusError | undefined {
  const rate = faults.errorRate ?? 0;
  if (rate <= 0 || random() >= rate) return undefined;
  const statuses = faults.errorStatuses !== undefined && faults.errorStatuses.length > 0 ? faults.errorStatuses : ([429, 500, 503] as const);
  const status = statuses[Math.floor(random() * statuses.length)] ?? 500;
  const { reason, message } = REASONS[status];
  return new ApiStatusError(reason, message, status === 429 ? { retryAfterSeconds: 1 } : undefined);
}

export function neverReady(faults: DevClusterFaults, namespace: string, name: string): boolean {
  return (faults.neverReadyDeployments ?? []).some((d) => d === name || d === `${namespace}/${name}`);
}

function globMatches(pattern: string, text: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === text;
  const first = parts[0] ?? "";
  const last = parts[parts.length - 1] ?? "";
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = text.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/** The images (as written) that a fault says cannot be pulled; `*` in a fault matches any run of characters. */
export function unpullableImages(faults: DevClusterFaults, images: readonly string[]): string[] {
  const patterns = faults.unpullableImages ?? [];
  return images.filter((image) => patterns.some((p) => globMatches(p, image)));
}
