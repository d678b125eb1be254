import { FlotillaError, type FlotillaErrorOptions } from "../core/index.js";

/** Stable codes of spoke/ (reported to the hub in status `error.code`). */
export const SPOKE_ERROR = {
  /** A flag or config value is missing or malformed. */
  config: "SPOKE_CONFIG_INVALID",
  /** A SealedSecret, FleetSealedSecret or SOPS object could not be decrypted; the app was not applied. */
  decrypt: "SPOKE_DECRYPT_FAILED",
  /** Applying or pruning an app failed (after retries). */
  apply: "SPOKE_APPLY_FAILED",
  /** Sealing keys, SOPS keys or the status key could not be loaded, created or restored. */
  keys: "SPOKE_KEYS_FAILED",
  /** The locally cached envelope is unreadable or no longer verifies. */
  cache: "SPOKE_CACHE_INVALID",
  /** Standalone bootstrap from Git failed. */
  bootstrap: "SPOKE_BOOTSTRAP_FAILED",
  /** NATS could not be reached or refused us. */
  session: "SPOKE_SESSION_FAILED",
  /** The bundle's health customizations cannot be used (a newer version); objects are rated with the built-in rules. */
  health: "SPOKE_HEALTH_UNSUPPORTED",
} as const;

export type SpokeErrorCode = (typeof SPOKE_ERROR)[keyof typeof SPOKE_ERROR];

export class SpokeError extends FlotillaError {
  declare readonly code: SpokeErrorCode;
  constructor(code: SpokeErrorCode, message: string, options: FlotillaErrorOptions = {}) {
    super(code, message, options);
    this.name = "SpokeError";
  }
}

export function isSpokeError(err: unknown): err is SpokeError {
  return err instanceof SpokeError;
}
