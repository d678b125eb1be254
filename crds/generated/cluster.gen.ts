// Generated from crds/cluster.yaml by crds/codegen (npm run generate:crds). Do not edit: change the YAML and regenerate.
import { z } from "zod";
import { objectMetaSchema, type ObjectMeta } from "../object-meta.js";

export type Cluster = {
  apiVersion: "flotilla.dev/v1alpha1";
  kind: "Cluster";
  metadata: ObjectMeta;
  /** What the fleet repository says about the cluster; optional (a Cluster may be just a name and labels). The name and labels are the object's metadata. */
  spec?: ClusterSpec;
  status?: ClusterStatus;
};

/** What the fleet repository says about the cluster; optional (a Cluster may be just a name and labels). The name and labels are the object's metadata. */
export type ClusterSpec = {
  /** The API server URL templates see as .server; defaults to flotilla://NAME. */
  server?: string;
  /** The project templates see as .project (Argo CD's cluster project). */
  project?: string;
  /** Free-form string values, visible to templates as .values.KEY. */
  values?: Record<string, string>;
  /** SHA-256 fingerprint of the cluster's sealing certificate, recorded once it registers. */
  sealingCertificateFingerprint?: string;
};

export type ClusterStatus = {
  sealingCertificateFingerprint?: string;
  lastSeen?: string;
};

export const clusterSpecSchema = z.object({
  server: z.string().optional(),
  project: z.string().optional(),
  values: z.record(z.string(), z.string()).optional(),
  sealingCertificateFingerprint: z.string().optional(),
});

export const clusterStatusSchema = z.object({
  sealingCertificateFingerprint: z.string().optional(),
  lastSeen: z.iso.datetime({ offset: true }).optional(),
});

export const clusterSchema = z.object({
  apiVersion: z.literal("flotilla.dev/v1alpha1"),
  kind: z.literal("Cluster"),
  metadata: objectMetaSchema,
  spec: clusterSpecSchema.optional(),
  status: clusterStatusSchema.optional(),
});

// Each type above and its schema describe the same values; tsc checks it here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type _TypesMatchSchemas = [
  Holds<Same<Cluster, z.output<typeof clusterSchema>>>,
  Holds<Same<ClusterSpec, z.output<typeof clusterSpecSchema>>>,
  Holds<Same<ClusterStatus, z.output<typeof clusterStatusSchema>>>,
];
