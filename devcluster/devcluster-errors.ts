import { FlotillaError, type FlotillaErrorOptions } from "../core/index.js";

/** Stable codes of the devcluster's user-facing failures (CLI flags, data files, fault settings). */
export const DEVCLUSTER_ERRORS = {
  DEVCLUSTER_INVALID_FAULTS: "DEVCLUSTER_INVALID_FAULTS",
  DEVCLUSTER_DATA_INVALID: "DEVCLUSTER_DATA_INVALID",
  DEVCLUSTER_DATA_WRITE: "DEVCLUSTER_DATA_WRITE",
  DEVCLUSTER_LISTEN: "DEVCLUSTER_LISTEN",
  DEVCLUSTER_INVALID_OPTION: "DEVCLUSTER_INVALID_OPTION",
} as const;

export type DevClusterErrorCode = keyof typeof DEVCLUSTER_ERRORS;

export class DevClusterError extends FlotillaError {
  declare readonly code: DevClusterErrorCode;

  constructor(code: DevClusterErrorCode, message: string, options: FlotillaErrorOptions = {}) {
    super(code, message, options);
    this.name = "DevClusterError";
  }
}

export function isDevClusterError(err: unknown): err is DevClusterError {
  return err instanceof DevClusterError;
}
