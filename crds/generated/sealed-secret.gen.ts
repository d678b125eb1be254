// Generated from crds/sealed-secret.yaml by crds/codegen (npm run generate:crds). Do not edit: change the YAML and regenerate.
import { z } from "zod";
import { objectMetaSchema, type ObjectMeta } from "../object-meta.js";

/** A Secret whose values are encrypted to the controller's public key. */
export type SealedSecret = {
  apiVersion: "bitnami.com/v1alpha1";
  kind: "SealedSecret";
  metadata: ObjectMeta;
  /** The sealed values and the template of the Secret to produce. */
  spec: SealedSecretSpec;
  status?: SealedSecretStatus;
};

/** The sealed values and the template of the Secret to produce. */
export type SealedSecretSpec = {
  /** Deprecated single-blob format; use encryptedData. */
  data?: string;
  encryptedData: Record<string, string>;
  /** The structure of the Secret created from this SealedSecret. */
  template?: SealedSecretSpecTemplate;
};

/** The structure of the Secret created from this SealedSecret. */
export type SealedSecretSpecTemplate = {
  /** Items rendered as Go templates over the decrypted values. */
  data?: Record<string, string> | null;
  immutable?: boolean;
  metadata?: SealedSecretSpecTemplateMetadata | null;
  type?: string;
};

export type SealedSecretSpecTemplateMetadata = {
  annotations?: Record<string, string>;
  finalizers?: string[];
  labels?: Record<string, string>;
  name?: string;
  namespace?: string;
  [field: string]: unknown;
};

export type SealedSecretStatus = {
  conditions?: SealedSecretStatusCondition[];
  observedGeneration?: number;
};

export type SealedSecretStatusCondition = {
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  message?: string;
  reason?: string;
  status: string;
  type: string;
};

export const sealedSecretSpecTemplateMetadataSchema = z.looseObject({
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
});

export const sealedSecretSpecTemplateSchema = z.object({
  data: z.record(z.string(), z.string()).nullable().optional(),
  immutable: z.boolean().optional(),
  metadata: sealedSecretSpecTemplateMetadataSchema.nullable().optional(),
  type: z.string().optional(),
});

export const sealedSecretSpecSchema = z.object({
  data: z.base64().optional(),
  encryptedData: z.record(z.string(), z.string()),
  template: sealedSecretSpecTemplateSchema.optional(),
});

export const sealedSecretStatusConditionSchema = z.object({
  lastTransitionTime: z.iso.datetime({ offset: true }).optional(),
  lastUpdateTime: z.iso.datetime({ offset: true }).optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  status: z.string(),
  type: z.string(),
});

export const sealedSecretStatusSchema = z.object({
  conditions: z.array(sealedSecretStatusConditionSchema).optional(),
  observedGeneration: z.int().optional(),
});

export const sealedSecretSchema = z.object({
  apiVersion: z.literal("bitnami.com/v1alpha1"),
  kind: z.literal("SealedSecret"),
  metadata: objectMetaSchema,
  spec: sealedSecretSpecSchema,
  status: sealedSecretStatusSchema.optional(),
});

// Each type above and its schema describe the same values; tsc checks it here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type _TypesMatchSchemas = [
  Holds<Same<SealedSecret, z.output<typeof sealedSecretSchema>>>,
  Holds<Same<SealedSecretSpec, z.output<typeof sealedSecretSpecSchema>>>,
  Holds<Same<SealedSecretSpecTemplate, z.output<typeof sealedSecretSpecTemplateSchema>>>,
  Holds<Same<SealedSecretSpecTemplateMetadata, z.output<typeof sealedSecretSpecTemplateMetadataSchema>>>,
  Holds<Same<SealedSecretStatus, z.output<typeof sealedSecretStatusSchema>>>,
  Holds<Same<SealedSecretStatusCondition, z.output<typeof sealedSecretStatusConditionSchema>>>,
];
