// Generated from crds/application-set.yaml by crds/codegen (npm run generate:crds). Do not edit: change the YAML and regenerate.
import { z } from "zod";
import { objectMetaSchema, type ObjectMeta } from "../object-meta.js";

export type ApplicationSet = {
  apiVersion: "flotilla.dev/v1alpha1";
  kind: "ApplicationSet";
  metadata: ObjectMeta;
  spec: ApplicationSetSpec;
  status?: Record<string, unknown>;
};

export type ApplicationSetSpec = {
  /** Always true for flotilla.dev; accepted for symmetry with Argo CD. */
  goTemplate?: boolean;
  /** text/template options; missingkey=error unless another missingkey is given. */
  goTemplateOptions?: string[];
  generators: Record<string, unknown>[];
  template: ApplicationSetSpecTemplate;
  /** A templated YAML/JSON merge patch applied to each generated Application. */
  templatePatch?: string;
  syncPolicy?: ApplicationSetSpecSyncPolicy;
  strategy?: ApplicationSetSpecStrategy;
};

export type ApplicationSetSpecTemplate = {
  metadata: Record<string, unknown>;
  /** An Application spec: project, source {repoURL, path, targetRevision, kustomize, directory}, destination {name | server, namespace}, syncPolicy {automated {prune, selfHeal}, syncOptions}, ignoreDifferences. */
  spec: Record<string, unknown>;
};

export type ApplicationSetSpecSyncPolicy = {
  preserveResourcesOnDeletion?: boolean;
  applicationsSync?: "create-only" | "create-update" | "create-delete" | "sync";
};

export type ApplicationSetSpecStrategy = {
  type?: "AllAtOnce" | "RollingSync";
  rollingSync?: ApplicationSetSpecStrategyRollingSync;
};

export type ApplicationSetSpecStrategyRollingSync = {
  /** Flotilla addition. When a step has a Degraded cluster, republish the last healthy revision to the clusters already updated. */
  autoRollback?: boolean;
  steps?: ApplicationSetSpecStrategyRollingSyncStep[];
};

export type ApplicationSetSpecStrategyRollingSyncStep = {
  matchExpressions?: ApplicationSetSpecStrategyRollingSyncStepMatchExpression[];
  maxUpdate?: number | string;
};

export type ApplicationSetSpecStrategyRollingSyncStepMatchExpression = {
  key: string;
  operator: "In" | "NotIn";
  values?: string[];
};

export const applicationSetSpecTemplateSchema = z.object({
  metadata: z.record(z.string(), z.unknown()),
  spec: z.record(z.string(), z.unknown()),
});

export const applicationSetSpecSyncPolicySchema = z.object({
  preserveResourcesOnDeletion: z.boolean().optional(),
  applicationsSync: z.enum(["create-only", "create-update", "create-delete", "sync"]).optional(),
});

export const applicationSetSpecStrategyRollingSyncStepMatchExpressionSchema = z.object({
  key: z.string(),
  operator: z.enum(["In", "NotIn"]),
  values: z.array(z.string()).optional(),
});

export const applicationSetSpecStrategyRollingSyncStepSchema = z.object({
  matchExpressions: z.array(applicationSetSpecStrategyRollingSyncStepMatchExpressionSchema).optional(),
  maxUpdate: z.union([z.int(), z.string()]).optional(),
});

export const applicationSetSpecStrategyRollingSyncSchema = z.object({
  autoRollback: z.boolean().optional(),
  steps: z.array(applicationSetSpecStrategyRollingSyncStepSchema).optional(),
});

export const applicationSetSpecStrategySchema = z.object({
  type: z.enum(["AllAtOnce", "RollingSync"]).optional(),
  rollingSync: applicationSetSpecStrategyRollingSyncSchema.optional(),
});

export const applicationSetSpecSchema = z.object({
  goTemplate: z.boolean().optional(),
  goTemplateOptions: z.array(z.string()).optional(),
  generators: z.array(z.record(z.string(), z.unknown())),
  template: applicationSetSpecTemplateSchema,
  templatePatch: z.string().optional(),
  syncPolicy: applicationSetSpecSyncPolicySchema.optional(),
  strategy: applicationSetSpecStrategySchema.optional(),
});

export const applicationSetSchema = z.object({
  apiVersion: z.literal("flotilla.dev/v1alpha1"),
  kind: z.literal("ApplicationSet"),
  metadata: objectMetaSchema,
  spec: applicationSetSpecSchema,
  status: z.record(z.string(), z.unknown()).optional(),
});

// Each type above and its schema describe the same values; tsc checks it here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type _TypesMatchSchemas = [
  Holds<Same<ApplicationSet, z.output<typeof applicationSetSchema>>>,
  Holds<Same<ApplicationSetSpec, z.output<typeof applicationSetSpecSchema>>>,
  Holds<Same<ApplicationSetSpecTemplate, z.output<typeof applicationSetSpecTemplateSchema>>>,
  Holds<Same<ApplicationSetSpecSyncPolicy, z.output<typeof applicationSetSpecSyncPolicySchema>>>,
  Holds<Same<ApplicationSetSpecStrategy, z.output<typeof applicationSetSpecStrategySchema>>>,
  Holds<Same<ApplicationSetSpecStrategyRollingSync, z.output<typeof applicationSetSpecStrategyRollingSyncSchema>>>,
  Holds<Same<ApplicationSetSpecStrategyRollingSyncStep, z.output<typeof applicationSetSpecStrategyRollingSyncStepSchema>>>,
  Holds<Same<ApplicationSetSpecStrategyRollingSyncStepMatchExpression, z.output<typeof applicationSetSpecStrategyRollingSyncStepMatchExpressionSchema>>>,
];
