import type { RandomSource } from "../../core/index.js";
import type { SealingCertificate } from "./certificate.js";
import { checkFleetSealedSecret, fleetEntryAsSealedSecret } from "./fleet-sealed-secret.js";
import { decodeSealedValue, encodeSealedValue, hybridEncrypt } from "./hybrid-format.js";
import { SEALED_BY_ANNOTATION, type FleetSealedSecretManifest, type SealedSecretManifest } from "./manifests.js";
import { orderMeta, sortedRecord } from "./object-meta.js";
import { hybridDecrypt } from "./open-hybrid-decrypt.js";
import type { KeyRing } from "./open-key-ring.js";
import { checkSealedSecret } from "./open-unseal.js";
import { encryptionLabel, scopeOf } from "./scope.js";
import { isSealedSecretsError, SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

export interface ResealOptions {
  readonly certificate: SealingCertificate;
  readonly random: RandomSource;
  readonly file?: string | undefined;
}

/** For each item, the fingerprint of the key that opens it, or null when none of the ring does. */
export function whichKeys(sealed: SealedSecretManifest, keyRing: KeyRing, file?: string): Record<string, string | null> {
  checkSealedSecret(sealed, file);
  const label = labelOf(sealed);
  const out: Record<string, string | null> = {};
  for (const key of Object.keys(sealed.spec.encryptedData).sort()) {
    try {
      out[key] = hybridDecrypt(keyRing, decodeSealedValue(sealed.spec.encryptedData[key], key), label, { item: key }).fingerprint;
    } catch (err) {
      if (!isSealedSecretsError(err)) throw err;
      out[key] = null;
    }
  }
  return out;
}

/**
 * Re-encrypts every item to a new key, in memory (kubeseal --re-encrypt, offline): same label, same
 * template, same metadata; only the ciphertexts and the sealed-by annotation change. Template data
 * is not rendered, so no plaintext Secret is ever assembled. All items must open, or nothing changes.
 */
export function resealSealedSecret(sealed: SealedSecretManifest, keyRing: KeyRing, options: ResealOptions): SealedSecretManifest {
  checkSealedSecret(sealed, options.file);
  const encryptedData = resealItems(sealed.spec.encryptedData, labelOf(sealed), keyRing, options, "spec.encryptedData");
  const annotations = { ...sealed.metadata.annotations, [SEALED_BY_ANNOTATION]: options.certificate.fingerprint };
  return { ...sealed, metadata: orderMeta({ ...sealed.metadata, annotations: sortedRecord(annotations) }), spec: { ...sealed.spec, encryptedData } };
}

/** Re-encrypts one cluster's entry of a FleetSealedSecret to that cluster's new key. */
export function resealFleetEntry(fss: FleetSealedSecretManifest, cluster: string, keyRing: KeyRing, options: ResealOptions): FleetSealedSecretManifest {
  checkFleetSealedSecret(fss, options.file);
  const index = fss.spec.clusters.findIndex((c) => c.cluster === cluster);
  if (index < 0) {
    throw new SealedSecretsError(SEALED_ERROR.fleetNoEntry, `no entry for cluster "${cluster}"`, { file: options.file, field: "spec.clusters" });
  }
  const label = encryptionLabel(fss.metadata.namespace ?? "", fss.metadata.name ?? "", scopeOf(fss.metadata.annotations));
  const entry = fss.spec.clusters[index];
  const encryptedData = resealItems(entry.encryptedData, label, keyRing, options, `spec.clusters[${index}].encryptedData`);
  const clusters = fss.spec.clusters.map((c, i) => (i === index ? { cluster, keyFingerprint: options.certificate.fingerprint, encryptedData } : c));
  return { ...fss, spec: { ...fss.spec, clusters } };
}

function resealItems(
  items: Readonly<Record<string, string>>,
  label: string,
  keyRing: KeyRing,
  options: ResealOptions,
  field: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  const errors: string[] = [];
  let firstCode: SealedSecretsError["code"] = SEALED_ERROR.noKeyCouldDecrypt;
  for (const key of Object.keys(items).sort()) {
    try {
      const opened = hybridDecrypt(keyRing, decodeSealedValue(items[key], key), label, { item: key });
      out[key] = encodeSealedValue(hybridEncrypt({ publicKey: options.certificate.publicKey, plaintext: opened.plaintext, label, random: options.random }));
      opened.plaintext.fill(0);
    } catch (err) {
      if (!isSealedSecretsError(err)) throw err;
      if (errors.length === 0) firstCode = err.code;
      errors.push(err.message);
    }
  }
  if (errors.length > 0) throw new SealedSecretsError(firstCode, errors.join("; "), { file: options.file, field });
  return out;
}

function labelOf(sealed: SealedSecretManifest): string {
  return encryptionLabel(sealed.metadata.namespace ?? "", sealed.metadata.name ?? "", scopeOf(sealed.metadata.annotations));
}

/** `whichKeys` for one cluster's entry of a FleetSealedSecret. */
export function fleetEntryWhich(fss: FleetSealedSecretManifest, cluster: string, keyRing: KeyRing, file?: string): Record<string, string | null> {
  return whichKeys(fleetEntryAsSealedSecret(fss, cluster, file), keyRing, file);
}
