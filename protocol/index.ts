export { PROTOCOL_ERROR_CODES, ProtocolError, isProtocolError, type ProtocolErrorCode } from "./protocol-errors.js";
export {
  PROTOCOL_VERSION,
  DESIRED_BUCKET,
  STATUS_BUCKET,
  BUNDLE_BUCKET_PREFIX,
  isValidClusterName,
  assertClusterName,
  subjects,
  parseSubject,
  bundleBucket,
  inboxPrefix,
  spokeConnectOptions,
  type SubjectKind,
} from "./names.js";
export { canonicalJson, carriesSopsMetadata } from "./canonical-json.js";
export {
  generateSigningKey,
  loadSigningKey,
  parsePublicKey,
  keyIdOf,
  signBytes,
  verifyBytes,
  type SigningKey,
  type VerifyKey,
} from "./signing-key.js";
export {
  MAX_BUNDLE_BYTES,
  SYNC_STATUSES,
  HEALTH_STATUSES,
  desiredStateSchema,
  bundleSchema,
  bundleHealthV1Schema,
  BUNDLE_HEALTH_VERSION,
  BUNDLE_HEALTH_LIMITS,
  appBundleSchema,
  notifySchema,
  helloSchema,
  heartbeatSchema,
  statusReportSchema,
  appStatusSchema,
  objectStatusSchema,
  type DesiredStateEnvelope,
  type BundleRef,
  type Bundle,
  type BundleHealthV1,
  type AppBundle,
  type NotifyMessage,
  type HelloMessage,
  type HeartbeatMessage,
  type StatusReport,
  type AppStatus,
  type ObjectStatus,
  type SyncStatus,
  type HealthStatus,
  type HelloInput,
  type HeartbeatInput,
  type StatusReportInput,
} from "./schemas.js";
export { encodeMessage, parseJson, parseWith, decodeWith, depthExceeds, MAX_JSON_DEPTH } from "./decode.js";
export { encodeBundle, decodeBundle, compressBundle, decompressBundle, bundleObjectName, sha256Digest, type EncodedBundle } from "./bundle-codec.js";
export {
  createEnvelope,
  parseEnvelope,
  verifyEnvelope,
  verifyEnvelopeHeader,
  envelopeSigningBytes,
  type CreateEnvelopeInput,
  type CreatedEnvelope,
  type VerifyEnvelopeInput,
  type VerifyEnvelopeResult,
  type VerifyEnvelopeHeaderResult,
} from "./envelope.js";
export {
  signHello,
  signHeartbeat,
  signStatusReport,
  verifySpokeMessage,
  createNotify,
  decodeNotify,
  decodeSpokeMessage,
  MAX_SPOKE_MESSAGE_BYTES,
  MAX_KEY_BACKUP_BYTES,
  type IncomingSpokeMessage,
} from "./spoke-messages.js";
export { fetchDesiredState, type FetchedDesiredState } from "./fetch-desired-state.js";
export { readBundleObject } from "./read-bundle-object.js";
export { readBundleHealth, type BundleHealthRead } from "./bundle-health.js";
export { describeNatsConnectError, explainNatsConnectFailure } from "./nats-connect-diagnosis.js";
