import { FlotillaError, type FlotillaErrorOptions } from "../../core/index.js";

/**
 * Stable error codes of the Sealed Secrets module. Messages never carry plaintext, key material or
 * ciphertext; they name the item (`encryptedData` key) and the file/field instead.
 */
export const SEALED_ERROR = {
  /** No key in the ring could unwrap the session key: wrong key, wrong scope/name/namespace, or a damaged RSA block. */
  noKeyCouldDecrypt: "SEALED_NO_KEY_COULD_DECRYPT",
  /** The session key unwrapped but AES-GCM authentication failed: the ciphertext was altered. */
  integrity: "SEALED_INTEGRITY_CHECK_FAILED",
  /** Not base64, or too short to hold the length prefix and the RSA block. */
  malformedCiphertext: "SEALED_CIPHERTEXT_MALFORMED",
  /** A SealedSecret / FleetSealedSecret / Secret manifest lacks a required field or has a wrong type. */
  invalidManifest: "SEALED_INVALID_MANIFEST",
  /** A strict or namespace-wide secret without the namespace (or name) its label needs. */
  scopeNeedsName: "SEALED_SCOPE_NEEDS_NAME",
  /** An unknown scope name. */
  invalidScope: "SEALED_INVALID_SCOPE",
  /** Input Secret has no data and --allow-empty-data was not given. */
  emptyData: "SEALED_EMPTY_DATA",
  /** A certificate that does not parse, is not RSA, or has expired. */
  invalidCertificate: "SEALED_INVALID_CERTIFICATE",
  /** A private key file that holds no usable RSA private key. */
  invalidPrivateKey: "SEALED_INVALID_PRIVATE_KEY",
  /** A key ring with no keys. */
  noKeys: "SEALED_NO_KEYS",
  /** `spec.template.data` failed to parse or execute. */
  template: "SEALED_TEMPLATE_FAILED",
  /** A FleetSealedSecret with no entry for this cluster. */
  fleetNoEntry: "SEALED_FLEET_NO_ENTRY",
  /** A FleetSealedSecret without a recovery entry, or a recovery identity that does not match. */
  recoveryFailed: "SEALED_RECOVERY_FAILED",
  /** A key backup that cannot be decrypted or does not hold key Secrets. */
  backupFailed: "SEALED_BACKUP_FAILED",
} as const;

export type SealedErrorCode = (typeof SEALED_ERROR)[keyof typeof SEALED_ERROR];

/** The error family of crypto/sealed. `item` names the `encryptedData` key when one is involved. */
export class SealedSecretsError extends FlotillaError {
  declare readonly code: SealedErrorCode;
  readonly item: string | undefined;

  constructor(code: SealedErrorCode, message: string, options: FlotillaErrorOptions & { item?: string | undefined } = {}) {
    super(code, message, options);
    this.name = "SealedSecretsError";
    this.item = options.item;
  }
}

export function isSealedSecretsError(err: unknown): err is SealedSecretsError {
  return err instanceof SealedSecretsError;
}
