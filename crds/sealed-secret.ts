import { z } from "zod";
import { FlotillaError } from "../core/index.js";

/** ObjectMeta as these CRDs accept it: the fields we read are typed, the rest pass through. */
export const objectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  creationTimestamp: z.string().nullable().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** `spec.template` of crds/sealed-secret.yaml (also shared by FleetSealedSecret). */
export const secretTemplateSpecSchema = z.object({
  metadata: objectMetaSchema.nullable().optional(),
  type: z.string().optional(),
  immutable: z.boolean().optional(),
  data: z.record(z.string(), z.string()).nullable().optional(),
});

const conditionSchema = z.looseObject({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() });

/** bitnami.com/v1alpha1 SealedSecret, validated against the schema of crds/sealed-secret.yaml. */
export const sealedSecretSchema = z.object({
  apiVersion: z.literal("bitnami.com/v1alpha1"),
  kind: z.literal("SealedSecret"),
  metadata: objectMetaSchema,
  spec: z.object({
    template: secretTemplateSpecSchema.optional(),
    encryptedData: z.record(z.string(), z.string()),
    data: z.string().optional(),
  }),
  status: z.looseObject({ observedGeneration: z.number().int().optional(), conditions: z.array(conditionSchema).optional() }).optional(),
});

export type SealedSecret = z.infer<typeof sealedSecretSchema>;
export type SecretTemplateSpec = z.infer<typeof secretTemplateSpecSchema>;

/** Validates an object as a SealedSecret; the error names the first offending field. */
export function parseSealedSecret(value: unknown, file?: string): SealedSecret {
  return parseWith(sealedSecretSchema, value, file);
}

/** Shared by the CRD parsers of this folder: zod issues become one FlotillaError with a field path. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string | undefined): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : String(p))).join(".").replace(/\.\[/g, "[");
  // zod messages describe types and shapes, never input values.
  throw new FlotillaError("CRD_INVALID", issue.message, { file, field });
}
