import { z } from "zod";
import { objectMetaSchema, parseWith, secretTemplateSpecSchema } from "./sealed-secret.js";

const stringMap = z.record(z.string(), z.string());

/** flotilla.dev/v1alpha1 FleetSealedSecret, validated against the schema of crds/fleet-sealed-secret.yaml. */
export const fleetSealedSecretSchema = z.object({
  apiVersion: z.literal("flotilla.dev/v1alpha1"),
  kind: z.literal("FleetSealedSecret"),
  metadata: objectMetaSchema,
  spec: z.object({
    template: secretTemplateSpecSchema.optional(),
    clusters: z
      .array(z.object({ cluster: z.string().min(1), keyFingerprint: z.string(), encryptedData: stringMap }))
      .refine((entries) => new Set(entries.map((e) => e.cluster)).size === entries.length, { message: "cluster names must be unique" }),
    recovery: z.object({ recipient: z.string(), encryptedData: stringMap }).optional(),
  }),
  status: z
    .looseObject({
      observedGeneration: z.number().int().optional(),
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
    })
    .optional(),
});

export type FleetSealedSecret = z.infer<typeof fleetSealedSecretSchema>;

/** Validates an object as a FleetSealedSecret; the error names the first offending field. */
export function parseFleetSealedSecret(value: unknown, file?: string): FleetSealedSecret {
  return parseWith(fleetSealedSecretSchema, value, file);
}
