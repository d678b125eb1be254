import { Decrypter } from "age-encryption";
import type { FleetSealedSecretManifest, SecretManifest } from "./manifests.js";
import { checkFleetSealedSecret, fleetEntryAsSealedSecret } from "./fleet-sealed-secret.js";
import type { KeyRing } from "./open-key-ring.js";
import { isRecord, stringMap } from "./object-meta.js";
import { assembleSecret, unsealSealedSecret, type UnsealOptions } from "./open-unseal.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/** Opens this cluster's entry of a FleetSealedSecret. SEALED_FLEET_NO_ENTRY when there is none. */
export function unsealFleetSealedSecret(fss: FleetSealedSecretManifest, clusterName: string, keyRing: KeyRing, options: UnsealOptions = {}): SecretManifest {
  return unsealSealedSecret(fleetEntryAsSealedSecret(fss, clusterName, options.file), keyRing, options);
}

/** Opens a FleetSealedSecret offline with the age identity of its recovery recipient. */
export async function recoverFleetSealedSecret(fss: FleetSealedSecretManifest, identities: string, options: { readonly file?: string } = {}): Promise<SecretManifest> {
  checkFleetSealedSecret(fss, options.file);
  const recovery = fss.spec.recovery;
  if (recovery === undefined || recovery === null) {
    throw new SealedSecretsError(SEALED_ERROR.recoveryFailed, "this FleetSealedSecret has no recovery entry", { file: options.file, field: "spec.recovery" });
  }
  // The manifest comes from a repository: check the shape opening relies on before using it.
  if (!isRecord(recovery)) throw new SealedSecretsError(SEALED_ERROR.invalidManifest, "must be an object", { file: options.file, field: "spec.recovery" });
  if (stringMap(recovery.encryptedData, "spec.recovery.encryptedData", options.file) === undefined) {
    throw new SealedSecretsError(SEALED_ERROR.invalidManifest, "missing encryptedData", { file: options.file, field: "spec.recovery.encryptedData" });
  }
  const decrypter = new Decrypter();
  for (const line of identities.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"))) {
    try {
      decrypter.addIdentity(line);
    } catch {
      throw new SealedSecretsError(SEALED_ERROR.recoveryFailed, "not an age identity", { field: "--identity" });
    }
  }
  const items = new Map<string, Uint8Array>();
  for (const key of Object.keys(recovery.encryptedData).sort()) {
    try {
      items.set(key, await decrypter.decrypt(new Uint8Array(Buffer.from(recovery.encryptedData[key], "base64"))));
    } catch {
      throw new SealedSecretsError(SEALED_ERROR.recoveryFailed, `item "${key}": the recovery identity cannot open it (wrong identity or altered data)`, {
        file: options.file,
        field: `spec.recovery.encryptedData.${key}`,
        item: key,
      });
    }
  }
  return assembleSecret({
    name: fss.metadata.name ?? "",
    namespace: fss.metadata.namespace ?? "",
    template: fss.spec.template ?? undefined,
    items,
    errors: [],
    file: options.file,
  });
}
