import { z } from "zod";
import {
  applicationSetSchema as generatedApplicationSetSchema,
  applicationSetSpecStrategyRollingSyncStepSchema,
  applicationSetSpecStrategySchema,
  applicationSetSpecTemplateSchema,
  type ApplicationSetSpecStrategy,
  type ApplicationSetSpecStrategyRollingSyncStep,
} from "./generated/application-set.gen.js";
import { namedObjectMetaSchema } from "./object-meta.js";
import { parseWith } from "./parse-with.js";

/** The API groups whose ApplicationSet we read: ours and Argo CD's, unchanged. */
export const APPLICATION_SET_API_VERSIONS = ["flotilla.dev/v1alpha1", "argoproj.io/v1alpha1"] as const;

/** `spec.template`: an Application's metadata and spec; string fields may hold templates. */
export const applicationTemplateSchema = applicationSetSpecTemplateSchema;
export const applicationSetStrategySchema = applicationSetSpecStrategySchema;
export const rollingSyncStepSchema = applicationSetSpecStrategyRollingSyncStepSchema;
export type ApplicationSetStrategy = ApplicationSetSpecStrategy;
export type RollingSyncStep = ApplicationSetSpecStrategyRollingSyncStep;

/**
 * An ApplicationSet file: the schema generated from crds/application-set.yaml, read under Argo CD's
 * API group too (the same shape), with a required name (see object-meta.ts).
 */
export const applicationSetSchema = generatedApplicationSetSchema.extend({
  apiVersion: z.enum(APPLICATION_SET_API_VERSIONS),
  metadata: namedObjectMetaSchema,
});

export type ApplicationSet = z.infer<typeof applicationSetSchema>;

/** Validates an object as an ApplicationSet; the error names the first offending field. */
export function parseApplicationSet(value: unknown, file?: string): ApplicationSet {
  return parseWith(applicationSetSchema, value, file);
}
