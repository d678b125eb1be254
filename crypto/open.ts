// Private-key operations of crypto/: only the spoke and the CLI may import this (dependency-cruiser).
export { KeyRing, createKeyRing, type SealingPrivateKey, type KeyRingOptions, type Unwrapped } from "./sealed/open-key-ring.js";
export { hybridDecrypt, type Decrypted, type HybridDecryptOptions } from "./sealed/open-hybrid-decrypt.js";
export { unsealSealedSecret, unsealSealedSecretDetailed, checkSealedSecret, type UnsealOptions, type UnsealResult } from "./sealed/open-unseal.js";
export { unsealFleetSealedSecret, recoverFleetSealedSecret } from "./sealed/open-fleet-sealed-secret.js";
export { parsePrivateKeys, keysFromObjects, keyFromPem, SEALING_KEY_LABEL, type ParseKeysOptions } from "./sealed/open-private-keys.js";
export { sealingKeySecret, sealingKeyList, parseSealingKeySecrets, type SealingKeySecretOptions } from "./sealed/open-key-secret.js";
export { generateSealingKey, SEALING_KEY_DEFAULTS, type GenerateSealingKeyOptions, type GeneratedSealingKey } from "./sealed/open-key-generation.js";
export { backupKeys, restoreKeys, type RestoredKeys } from "./sealed/open-key-backup.js";
export { resealSealedSecret, resealFleetEntry, whichKeys, fleetEntryWhich, type ResealOptions } from "./sealed/open-reseal.js";
// SOPS decryption (crypto/sops, issue 6).
export { decryptSopsText, decryptSopsObject, isSopsEncrypted, type SopsDecryptOptions, type SopsDecryptResult } from "./sops/decrypt.js";
export { editSopsText, rotateSopsText, updateSopsKeys, type SopsReencryptOptions } from "./sops/decrypt-rekey.js";
export { ResolvedKeyRing as SopsResolvedKeyRing, type SopsKeyRing } from "./sops/key-ring.js";
