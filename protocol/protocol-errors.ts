import { FlotillaError, type FlotillaErrorOptions } from "../core/index.js";

/** Stable codes for everything that can go wrong on the hub ↔ spoke wire (docs/protocol.md). */
export const PROTOCOL_ERROR_CODES = {
  malformed: "PROTOCOL_MALFORMED",
  versionUnsupported: "PROTOCOL_VERSION_UNSUPPORTED",
  nameInvalid: "CLUSTER_NAME_INVALID",
  wrongFleet: "ENVELOPE_WRONG_FLEET",
  wrongCluster: "ENVELOPE_WRONG_CLUSTER",
  unknownKey: "ENVELOPE_UNKNOWN_KEY",
  signatureInvalid: "ENVELOPE_SIGNATURE_INVALID",
  staleGeneration: "ENVELOPE_STALE_GENERATION",
  bundleMissing: "BUNDLE_MISSING",
  bundleDecompress: "BUNDLE_DECOMPRESS_FAILED",
  bundleSize: "BUNDLE_SIZE_MISMATCH",
  bundleDigest: "BUNDLE_DIGEST_MISMATCH",
  bundleObjectMissing: "BUNDLE_OBJECT_MISSING",
  messageSignatureInvalid: "MESSAGE_SIGNATURE_INVALID",
  keyInvalid: "SIGNING_KEY_INVALID",
  permissionDenied: "NATS_PERMISSION_DENIED",
  transport: "NATS_REQUEST_FAILED",
} as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[keyof typeof PROTOCOL_ERROR_CODES];

export class ProtocolError extends FlotillaError {
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options: FlotillaErrorOptions = {}) {
    super(code, message, options);
    this.name = "ProtocolError";
  }
}

export function isProtocolError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}
