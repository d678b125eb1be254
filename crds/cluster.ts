import { z } from "zod";
import { objectMetaSchema, parseWith } from "./sealed-secret.js";

/** flotilla.dev/v1alpha1 Cluster, validated against the schema of crds/cluster.yaml. */
export const clusterSchema = z.object({
  apiVersion: z.literal("flotilla.dev/v1alpha1"),
  kind: z.literal("Cluster"),
  metadata: objectMetaSchema.extend({ name: z.string().min(1) }),
  spec: z
    .object({
      server: z.string().optional(),
      project: z.string().optional(),
      values: z.record(z.string(), z.string()).optional(),
      sealingCertificateFingerprint: z.string().optional(),
    })
    .optional(),
  status: z.looseObject({ sealingCertificateFingerprint: z.string().optional(), lastSeen: z.string().optional() }).optional(),
});

export type Cluster = z.infer<typeof clusterSchema>;

/** Validates an object as a Cluster; the error names the first offending field. */
export function parseCluster(value: unknown, file?: string): Cluster {
  return parseWith(clusterSchema, value, file);
}
