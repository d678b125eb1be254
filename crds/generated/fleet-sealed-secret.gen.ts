// Generated from crds/fleet-sealed-secret.yaml by crds/codegen (npm run generate:crds). Do not edit: change the YAML and regenerate.
import { z } from "zod";
import { objectMetaSchema, type ObjectMeta } from "../object-meta.js";
import { uniqueListMapKeys } from "../list-type-checks.js";

/** A Secret sealed for several clusters, each with its own key. */
export type FleetSealedSecret = {
  apiVersion: "flotilla.dev/v1alpha1";
  kind: "FleetSealedSecret";
  metadata: ObjectMeta;
  spec: FleetSealedSecretSpec;
  status?: FleetSealedSecretStatus;
};

export type FleetSealedSecretSpec = {
  /** The Secret to produce (as SealedSecret spec.template). */
  template?: FleetSealedSecretSpecTemplate;
  /** One entry per target cluster. */
  clusters: FleetSealedSecretSpecCluster[];
  /** The items encrypted (age, base64) to an offline recovery recipient. */
  recovery?: FleetSealedSecretSpecRecovery;
};

/** The Secret to produce (as SealedSecret spec.template). */
export type FleetSealedSecretSpecTemplate = {
  data?: Record<string, string> | null;
  immutable?: boolean;
  metadata?: FleetSealedSecretSpecTemplateMetadata | null;
  type?: string;
};

export type FleetSealedSecretSpecTemplateMetadata = {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  name?: string;
  namespace?: string;
  [field: string]: unknown;
};

export type FleetSealedSecretSpecCluster = {
  /** The cluster's registered name. */
  cluster: string;
  /** SSH SHA256 fingerprint of the key the entry was sealed with. */
  keyFingerprint: string;
  encryptedData: Record<string, string>;
};

/** The items encrypted (age, base64) to an offline recovery recipient. */
export type FleetSealedSecretSpecRecovery = {
  recipient: string;
  encryptedData: Record<string, string>;
};

export type FleetSealedSecretStatus = {
  observedGeneration?: number;
  conditions?: FleetSealedSecretStatusCondition[];
};

export type FleetSealedSecretStatusCondition = {
  lastTransitionTime?: string;
  message?: string;
  reason?: string;
  status: string;
  type: string;
  observedGeneration?: number;
};

export const fleetSealedSecretSpecTemplateMetadataSchema = z.looseObject({
  annotations: z.record(z.string(), z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
});

export const fleetSealedSecretSpecTemplateSchema = z.object({
  data: z.record(z.string(), z.string()).nullable().optional(),
  immutable: z.boolean().optional(),
  metadata: fleetSealedSecretSpecTemplateMetadataSchema.nullable().optional(),
  type: z.string().optional(),
});

export const fleetSealedSecretSpecClusterSchema = z.object({
  cluster: z.string().min(1),
  keyFingerprint: z.string(),
  encryptedData: z.record(z.string(), z.string()),
});

export const fleetSealedSecretSpecRecoverySchema = z.object({
  recipient: z.string(),
  encryptedData: z.record(z.string(), z.string()),
});

export const fleetSealedSecretSpecSchema = z.object({
  template: fleetSealedSecretSpecTemplateSchema.optional(),
  clusters: z.array(fleetSealedSecretSpecClusterSchema).superRefine(uniqueListMapKeys(["cluster"])),
  recovery: fleetSealedSecretSpecRecoverySchema.optional(),
});

export const fleetSealedSecretStatusConditionSchema = z.object({
  lastTransitionTime: z.iso.datetime({ offset: true }).optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  status: z.string(),
  type: z.string(),
  observedGeneration: z.int().optional(),
});

export const fleetSealedSecretStatusSchema = z.object({
  observedGeneration: z.int().optional(),
  conditions: z.array(fleetSealedSecretStatusConditionSchema).optional(),
});

export const fleetSealedSecretSchema = z.object({
  apiVersion: z.literal("flotilla.dev/v1alpha1"),
  kind: z.literal("FleetSealedSecret"),
  metadata: objectMetaSchema,
  spec: fleetSealedSecretSpecSchema,
  status: fleetSealedSecretStatusSchema.optional(),
});

// Each type above and its schema describe the same values; tsc checks it here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type _TypesMatchSchemas = [
  Holds<Same<FleetSealedSecret, z.output<typeof fleetSealedSecretSchema>>>,
  Holds<Same<FleetSealedSecretSpec, z.output<typeof fleetSealedSecretSpecSchema>>>,
  Holds<Same<FleetSealedSecretSpecTemplate, z.output<typeof fleetSealedSecretSpecTemplateSchema>>>,
  Holds<Same<FleetSealedSecretSpecTemplateMetadata, z.output<typeof fleetSealedSecretSpecTemplateMetadataSchema>>>,
  Holds<Same<FleetSealedSecretSpecCluster, z.output<typeof fleetSealedSecretSpecClusterSchema>>>,
  Holds<Same<FleetSealedSecretSpecRecovery, z.output<typeof fleetSealedSecretSpecRecoverySchema>>>,
  Holds<Same<FleetSealedSecretStatus, z.output<typeof fleetSealedSecretStatusSchema>>>,
  Holds<Same<FleetSealedSecretStatusCondition, z.output<typeof fleetSealedSecretStatusConditionSchema>>>,
];
