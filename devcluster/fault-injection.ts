import { ApiStatusError, type StatusReason } from "./api-status.js";
import { DevClusterError } from "./devcluster-errors.js";

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
}

const REASONS: Readonly<Record<FaultStatus, { reason: StatusReason; message: string }>> = {
  429: { reason: "TooManyRequests", message: "Too many requests, please try again later." },
  500: { reason: "InternalError", message: "Internal error occurred: injected fault" },
  503: { reason: "ServiceUnavailable", message: "the server is currently unable to handle the request" },
};

/** Checks a faults object; throws DEVCLUSTER_INVALID_FAULTS naming the field. */
export function validateFaults(faults: DevClusterFaults): DevClusterFaults {
  const rate = faults.errorRate ?? 0;
  if (!(rate >= 0 && rate <= 1)) throw new DevClusterError("DEVCLUSTER_INVALID_FAULTS", "errorRate must be between 0 and 1", { field: "faults.errorRate" });
  for (const s of faults.errorStatuses ?? []) {
    if (!(s in REASONS)) throw new DevClusterError("DEVCLUSTER_INVALID_FAULTS", `errorStatuses may hold 429, 500 or 503, not ${String(s)}`, { field: "faults.errorStatuses" });
  }
  const drop = faults.dropWatchesAfterMs;
  if (drop !== undefined && !(drop >= 0)) throw new DevClusterError("DEVCLUSTER_INVALID_FAULTS", "dropWatchesAfterMs must be >= 0", { field: "faults.dropWatchesAfterMs" });
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
