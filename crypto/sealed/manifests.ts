/**
 * The manifest shapes crypto/sealed reads and writes. crypto may not import crds/, so these are
 * structural: the zod-validated types in crds/ are assignable to them.
 */
export interface ObjectMeta {
  name?: string | undefined;
  generateName?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  creationTimestamp?: string | null | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  ownerReferences?: OwnerReference[] | undefined;
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

/** A core/v1 Secret. `data` values are base64, `stringData` values are text. */
export interface SecretManifest {
  apiVersion: "v1";
  kind: "Secret";
  metadata: ObjectMeta;
  type?: string | undefined;
  immutable?: boolean | undefined;
  data?: Record<string, string> | undefined;
  stringData?: Record<string, string> | undefined;
}

/** `spec.template` of a SealedSecret: the metadata and type of the Secret to produce, plus Go-template items. */
export interface SecretTemplateSpec {
  metadata?: ObjectMeta | null | undefined;
  type?: string | undefined;
  immutable?: boolean | undefined;
  data?: Record<string, string> | null | undefined;
}

export interface SealedSecretManifest {
  apiVersion: "bitnami.com/v1alpha1";
  kind: "SealedSecret";
  metadata: ObjectMeta;
  spec: {
    template?: SecretTemplateSpec | undefined;
    encryptedData: Record<string, string>;
    /** The pre-0.7 single-blob format; refused, as the controller does by default. */
    data?: string | undefined;
  };
  status?: unknown;
}

/** One cluster's entry of a FleetSealedSecret: values sealed to that cluster's key. */
export interface FleetClusterEntry {
  cluster: string;
  keyFingerprint: string;
  encryptedData: Record<string, string>;
}

/** Items encrypted to an offline age recovery recipient (armored age, one file per item). */
export interface FleetRecoveryEntry {
  recipient: string;
  encryptedData: Record<string, string>;
}

export interface FleetSealedSecretManifest {
  apiVersion: "flotilla.dev/v1alpha1";
  kind: "FleetSealedSecret";
  metadata: ObjectMeta;
  spec: {
    template?: SecretTemplateSpec | undefined;
    clusters: FleetClusterEntry[];
    recovery?: FleetRecoveryEntry | undefined;
  };
  status?: unknown;
}

export const SEALED_SECRET_API_VERSION = "bitnami.com/v1alpha1";
export const FLEET_SEALED_SECRET_API_VERSION = "flotilla.dev/v1alpha1";
/** Names the fingerprint(s) of the key(s) that sealed a Flotilla-written file ("which key sealed what"). */
export const SEALED_BY_ANNOTATION = "flotilla.dev/sealed-by-key";
