// crypto/sops: SOPS files compatible with getsops/sops 3.x. Decryption entry points are in
// ./decrypt.ts and re-exported by crypto/open.ts (the hub must not import them).
export { SOPS_ERROR, SopsError, isSopsError, type SopsErrorCode } from "./sops-errors.js";
export { SOPS_FORMATS, formatForPath, isSopsFormat, type SopsFormat, type SopsStore } from "./sops-store.js";
export { encryptSopsText, SOPS_FORMAT_VERSION, type SopsEncryptOptions } from "./encrypt.js";
export { DEFAULT_UNENCRYPTED_SUFFIX, type CryptRules } from "./crypt-rules.js";
export { type KeySpec } from "./data-key.js";
export {
  parseAgeIdentities,
  kmsLocation,
  type SopsKeyRing,
  type KmsClient,
  type KmsClientFactory,
  type KmsKeyLocation,
} from "./key-ring.js";
export { awsKmsClientFactory, type AwsKmsClientOptions } from "./aws-kms-client.js";
export { emitPlainAs, parseExtractPath, extractValue } from "./plain-output.js";
export { setPlainValue, unsetPlainValue, plainValueAt } from "./plain-edit.js";
export { type SopsMetadata, type MasterKey, type KeyGroup } from "./sops-metadata.js";
export { parseSopsConfig, creationRuleFor, type SopsCreationRule } from "./sops-config.js";
