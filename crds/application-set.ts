import { z } from "zod";
import { objectMetaSchema, parseWith } from "./sealed-secret.js";

/** The API groups whose ApplicationSet we read: ours and Argo CD's, unchanged. */
export const APPLICATION_SET_API_VERSIONS = ["flotilla.dev/v1alpha1", "argoproj.io/v1alpha1"] as const;

const matchExpressionSchema = z.object({
  key: z.string(),
  operator: z.string(),
  values: z.array(z.string()).optional(),
});

/** A Kubernetes LabelSelector (generator `selector`, clusters `selector`). */
export const labelSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(matchExpressionSchema).optional(),
});

export const rollingSyncStepSchema = z.object({
  matchExpressions: z.array(matchExpressionSchema).optional(),
  maxUpdate: z.union([z.number().int(), z.string()]).optional(),
});

export const applicationSetStrategySchema = z.object({
  type: z.enum(["AllAtOnce", "RollingSync"]).optional(),
  rollingSync: z
    .object({
      steps: z.array(rollingSyncStepSchema).optional(),
      /** Flotilla's addition: republish the last healthy revision to updated clusters when a step degrades. */
      autoRollback: z.boolean().optional(),
    })
    .optional(),
});

/** `spec.template`: an Application's metadata and spec; string fields may hold templates. */
export const applicationTemplateSchema = z.object({
  metadata: z.looseObject({}).optional(),
  spec: z.looseObject({}).optional(),
});

/** flotilla.dev/v1alpha1 or argoproj.io/v1alpha1 ApplicationSet (crds/application-set.yaml). */
export const applicationSetSchema = z.object({
  apiVersion: z.enum(APPLICATION_SET_API_VERSIONS),
  kind: z.literal("ApplicationSet"),
  metadata: objectMetaSchema.extend({ name: z.string().min(1) }),
  spec: z.looseObject({
    goTemplate: z.boolean().optional(),
    goTemplateOptions: z.array(z.string()).optional(),
    generators: z.array(z.record(z.string(), z.unknown())),
    template: applicationTemplateSchema.optional(),
    templatePatch: z.string().optional(),
    syncPolicy: z
      .looseObject({ preserveResourcesOnDeletion: z.boolean().optional(), applicationsSync: z.string().optional() })
      .optional(),
    strategy: applicationSetStrategySchema.optional(),
  }),
});

export type ApplicationSet = z.infer<typeof applicationSetSchema>;
export type LabelSelector = z.infer<typeof labelSelectorSchema>;
export type ApplicationSetStrategy = z.infer<typeof applicationSetStrategySchema>;
export type RollingSyncStep = z.infer<typeof rollingSyncStepSchema>;

/** Validates an object as an ApplicationSet; the error names the first offending field. */
export function parseApplicationSet(value: unknown, file?: string): ApplicationSet {
  return parseWith(applicationSetSchema, value, file);
}
