import { z } from "zod";

/**
 * ObjectMeta as these CRDs accept it. The API server defines `metadata`, not the CRD (a CRD may
 * only constrain `name` and `generateName`), so this one schema is written by hand and the
 * generated CRD modules use it for every root `metadata`: the fields we read are typed, the rest
 * pass through.
 */
export const objectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  creationTimestamp: z.string().nullable().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export type ObjectMeta = z.infer<typeof objectMetaSchema>;

/**
 * ObjectMeta of an object the fleet repository declares: it needs a non-empty name. The API server
 * guarantees one for stored objects, and a CRD cannot require it (`required` under `metadata` is
 * forbidden), so the parsers of files add this rule here.
 */
export const namedObjectMetaSchema = objectMetaSchema.extend({ name: z.string().min(1) });
