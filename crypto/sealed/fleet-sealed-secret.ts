import { Encrypter } from "age-encryption";
import type { RandomSource } from "../../core/index.js";
import { errorMessage } from "../../core/index.js";
import type { SealingCertificate } from "./certificate.js";
import {
  FLEET_SEALED_SECRET_API_VERSION,
  SEALED_BY_ANNOTATION,
  SEALED_SECRET_API_VERSION,
  type FleetRecoveryEntry,
  type FleetSealedSecretManifest,
  type SealedSecretManifest,
  type SecretManifest,
} from "./manifests.js";
import { isRecord, orderMeta, stringMap } from "./object-meta.js";
import { encryptionLabel, scopeOf, type SealingScope } from "./scope.js";
import { prepareSecret, sealedMetadata, sealItems, secretItems, templateFromSecret } from "./seal-secret.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

export interface FleetTarget {
  /** The cluster's name as registered with the hub. */
  readonly cluster: string;
  readonly certificate: SealingCertificate;
}

export interface SealFleetOptions {
  readonly targets: readonly FleetTarget[];
  readonly random: RandomSource;
  /** An age recipient (`age1…`) that can open every item offline, for disaster recovery. */
  readonly recoveryRecipient?: string | undefined;
  readonly scope?: SealingScope | undefined;
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly allowEmptyData?: boolean | undefined;
  readonly file?: string | undefined;
}

/**
 * Seals one Secret for many clusters at once: one entry per cluster, each a set of ordinary
 * Sealed Secrets ciphertexts for that cluster's key (same label rules), sharing one template.
 */
export async function sealFleetSecret(secret: SecretManifest, options: SealFleetOptions): Promise<FleetSealedSecretManifest> {
  if (options.targets.length === 0) {
    throw new SealedSecretsError(SEALED_ERROR.invalidManifest, "a fleet seal needs at least one --cert CLUSTER=FILE", { field: "--cert" });
  }
  const seen = new Set<string>();
  for (const target of options.targets) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(target.cluster)) {
      throw new SealedSecretsError(SEALED_ERROR.invalidManifest, `"${target.cluster}" is not a valid cluster name`, { field: "--cert" });
    }
    if (seen.has(target.cluster)) throw new SealedSecretsError(SEALED_ERROR.invalidManifest, `cluster "${target.cluster}" given twice`, { field: "--cert" });
    seen.add(target.cluster);
  }
  const prepared = prepareSecret(secret, options);
  const items = secretItems(prepared, options.file);
  const name = prepared.metadata.name ?? "";
  const namespace = prepared.metadata.namespace ?? "";
  const scope = scopeOf(prepared.metadata.annotations);
  const label = encryptionLabel(namespace, name, scope);
  const clusters = [...options.targets]
    .sort((a, b) => a.cluster.localeCompare(b.cluster))
    .map((t) => ({
      cluster: t.cluster,
      keyFingerprint: t.certificate.fingerprint,
      encryptedData: sealItems(items, { certificate: t.certificate, random: options.random, label }),
    }));
  const spec: FleetSealedSecretManifest["spec"] = { template: templateFromSecret(prepared), clusters };
  if (options.recoveryRecipient !== undefined && options.recoveryRecipient !== "") {
    spec.recovery = await sealRecovery(items, options.recoveryRecipient);
  }
  return {
    apiVersion: FLEET_SEALED_SECRET_API_VERSION,
    kind: "FleetSealedSecret",
    metadata: sealedMetadata({ name, namespace, scope, fingerprints: [] }),
    spec,
  };
}

async function sealRecovery(items: ReadonlyMap<string, Uint8Array>, recipient: string): Promise<FleetRecoveryEntry> {
  const encrypter = new Encrypter();
  try {
    encrypter.addRecipient(recipient.trim());
  } catch (err) {
    throw new SealedSecretsError(SEALED_ERROR.invalidManifest, `not an age recipient (${errorMessage(err)})`, { field: "--recovery", cause: err });
  }
  const encryptedData: Record<string, string> = {};
  for (const key of [...items.keys()].sort()) encryptedData[key] = Buffer.from(await encrypter.encrypt(items.get(key)!)).toString("base64");
  return { recipient: recipient.trim(), encryptedData };
}

/** Checks the parts of a FleetSealedSecret that opening relies on. */
export function checkFleetSealedSecret(fss: FleetSealedSecretManifest, file?: string): void {
  const bad = (field: string, message: string): SealedSecretsError => new SealedSecretsError(SEALED_ERROR.invalidManifest, message, { file, field });
  if (!isRecord(fss) || !isRecord(fss.metadata)) throw bad("metadata", "missing metadata");
  if (typeof fss.metadata.name !== "string" || fss.metadata.name === "") throw bad("metadata.name", "missing metadata.name");
  if (!isRecord(fss.spec) || !Array.isArray(fss.spec.clusters)) throw bad("spec.clusters", "missing spec.clusters");
  fss.spec.clusters.forEach((entry, i) => {
    if (!isRecord(entry) || typeof entry.cluster !== "string") throw bad(`spec.clusters[${i}].cluster`, "missing cluster name");
    if (stringMap(entry.encryptedData, `spec.clusters[${i}].encryptedData`, file) === undefined) {
      throw bad(`spec.clusters[${i}].encryptedData`, "missing encryptedData");
    }
  });
}

/** The clusters a FleetSealedSecret has entries for. */
export function fleetClusters(fss: FleetSealedSecretManifest): string[] {
  return fss.spec.clusters.map((c) => c.cluster);
}

/**
 * One cluster's view of a FleetSealedSecret: an ordinary SealedSecret (same name, namespace, scope
 * and template) holding that cluster's entry. Throws SEALED_FLEET_NO_ENTRY for a cluster without one.
 */
export function fleetEntryAsSealedSecret(fss: FleetSealedSecretManifest, cluster: string, file?: string): SealedSecretManifest {
  checkFleetSealedSecret(fss, file);
  const entry = fss.spec.clusters.find((c) => c.cluster === cluster);
  if (entry === undefined) {
    throw new SealedSecretsError(
      SEALED_ERROR.fleetNoEntry,
      `FleetSealedSecret ${fss.metadata.namespace ?? ""}/${fss.metadata.name ?? ""} has no entry for cluster "${cluster}" (it has: ${fleetClusters(fss).join(", ") || "none"})`,
      { file, field: "spec.clusters" },
    );
  }
  const metadata = orderMeta({
    name: fss.metadata.name,
    namespace: fss.metadata.namespace,
    uid: fss.metadata.uid,
    annotations: { ...fss.metadata.annotations, [SEALED_BY_ANNOTATION]: entry.keyFingerprint },
  });
  return {
    apiVersion: SEALED_SECRET_API_VERSION,
    kind: "SealedSecret",
    metadata,
    spec: { template: fss.spec.template, encryptedData: entry.encryptedData },
  };
}
