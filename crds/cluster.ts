import type { z } from "zod";
import { clusterSchema as generatedClusterSchema } from "./generated/cluster.gen.js";
import { namedObjectMetaSchema } from "./object-meta.js";
import { parseWith } from "./parse-with.js";

/**
 * flotilla.dev/v1alpha1 Cluster as the fleet repository declares it: the schema generated from
 * crds/cluster.yaml, plus a required name (which a CRD cannot require, see object-meta.ts).
 */
export const clusterSchema = generatedClusterSchema.extend({ metadata: namedObjectMetaSchema });

export type Cluster = z.infer<typeof clusterSchema>;

/** Validates an object as a Cluster; the error names the first offending field. */
export function parseCluster(value: unknown, file?: string): Cluster {
  return parseWith(clusterSchema, value, file);
}
