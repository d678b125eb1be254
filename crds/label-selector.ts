import { z } from "zod";

/**
 * A Kubernetes LabelSelector (the clusters generator's and post-generation `selector`). Generator
 * bodies are free-form in crds/application-set.yaml (they hold templates), so this built-in
 * Kubernetes type is written by hand; gitops/ compiles it.
 */
export const labelSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() })).optional(),
});

export type LabelSelector = z.infer<typeof labelSelectorSchema>;
