import { FlotillaError, type FlotillaErrorOptions } from "../../core/index.js";

/**
 * Stable error codes of the SOPS module. Messages never carry plaintext, data keys, private keys
 * or ciphertext: they name the file (set by the caller) and the key path of the offending value.
 */
export const SOPS_ERROR = {
  /** The input has no `sops` metadata (not a SOPS file). */
  metadataNotFound: "SOPS_METADATA_NOT_FOUND",
  /** The metadata is present but malformed (bad lastmodified, bad key entry, conflicting rules). */
  invalidMetadata: "SOPS_INVALID_METADATA",
  /** The document does not parse in the chosen format. */
  invalidFormat: "SOPS_INVALID_FORMAT",
  /** No key in the key ring could unwrap the data key (wrong key, or no key given). */
  noKeyCouldDecrypt: "SOPS_NO_KEY_COULD_DECRYPT",
  /** The file names a key type we cannot use here (e.g. gcp_kms, or an unsupported age stanza). */
  unsupportedKeyType: "SOPS_UNSUPPORTED_KEY_TYPE",
  /** A value is not a well-formed `ENC[AES256_GCM,…]` string (bad base64, unknown type). */
  malformedValue: "SOPS_MALFORMED_VALUE",
  /** AES-GCM authentication of one value failed: the ciphertext or its path was altered. */
  valueIntegrity: "SOPS_VALUE_INTEGRITY_FAILED",
  /** A value is still an `ENC[…]` ciphertext after decryption: the file's encryption rules were edited to skip it. */
  notDecrypted: "SOPS_VALUE_NOT_DECRYPTED",
  /** The recomputed MAC does not match the stored one (a plaintext value was edited), or there is no MAC. */
  macMismatch: "SOPS_MAC_MISMATCH",
  /** A key (identity, PGP key, recipient, ARN) that does not parse. */
  invalidKey: "SOPS_INVALID_KEY",
  /** A value or key the format cannot hold (non-string key, nested value in dotenv, uint64). */
  unsupportedValue: "SOPS_UNSUPPORTED_VALUE",
  /** Encrypt was asked for a file that is already encrypted, or given no recipients. */
  invalidRequest: "SOPS_INVALID_REQUEST",
  /** The KMS service failed (network, permissions, wrong context). */
  kmsFailed: "SOPS_KMS_FAILED",
  /** `--extract` names a path that does not exist. */
  extractNotFound: "SOPS_EXTRACT_NOT_FOUND",
} as const;

export type SopsErrorCode = (typeof SOPS_ERROR)[keyof typeof SOPS_ERROR];

/** The error family of crypto/sops. `field` is the key path (`a.b[0]`) when a value is involved. */
export class SopsError extends FlotillaError {
  override readonly code: SopsErrorCode;

  constructor(code: SopsErrorCode, message: string, options: FlotillaErrorOptions = {}) {
    super(code, message, options);
    this.name = "SopsError";
    this.code = code;
  }
}

export function isSopsError(err: unknown): err is SopsError {
  return err instanceof SopsError;
}

/** The `field` form of a sops path (`spec.secretTemplates.stringData.username`). */
export function pathField(path: readonly string[]): string | undefined {
  return path.length === 0 ? undefined : path.join(".");
}
