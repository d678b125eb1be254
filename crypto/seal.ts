// Public-key operations of crypto/: sealing, certificates, fingerprints, manifest shapes.
// The hub and the CLI may import this; nothing here touches a private key.
export { SEALED_ERROR, SealedSecretsError, isSealedSecretsError, type SealedErrorCode } from "./sealed/sealed-errors.js";
export {
  SEALING_SCOPES,
  SCOPE_ANNOTATION,
  SKIP_OWNER_REFERENCES_ANNOTATION,
  parseScope,
  scopeOf,
  encryptionLabel,
  withScopeAnnotations,
  type SealingScope,
} from "./sealed/scope.js";
export { hybridEncrypt, splitHybrid, decodeSealedValue, encodeSealedValue, type HybridEncryptInput, type HybridParts } from "./sealed/hybrid-format.js";
export { publicKeyFingerprint } from "./sealed/fingerprint.js";
export { parseSealingCertificate, type SealingCertificate, type ParseCertificateOptions } from "./sealed/certificate.js";
export {
  sealSecret,
  sealRawValue,
  mergeSealedSecrets,
  secretItems,
  type SealSecretOptions,
  type SealRawOptions,
} from "./sealed/seal-secret.js";
export {
  sealFleetSecret,
  fleetEntryAsSealedSecret,
  fleetClusters,
  checkFleetSealedSecret,
  type FleetTarget,
  type SealFleetOptions,
} from "./sealed/fleet-sealed-secret.js";
export {
  SEALED_SECRET_API_VERSION,
  FLEET_SEALED_SECRET_API_VERSION,
  SEALED_BY_ANNOTATION,
  type ObjectMeta,
  type OwnerReference,
  type SecretManifest,
  type SecretTemplateSpec,
  type SealedSecretManifest,
  type FleetSealedSecretManifest,
  type FleetClusterEntry,
  type FleetRecoveryEntry,
} from "./sealed/manifests.js";
export { parseManifests, formatManifest, parseOutputFormat, OUTPUT_FORMATS, MAX_MANIFEST_BYTES, type OutputFormat } from "./sealed/manifest-io.js";
