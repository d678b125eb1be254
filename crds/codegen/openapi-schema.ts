import { z } from "zod";

/**
 * The part of an `openAPIV3Schema` (apiextensions.k8s.io/v1 JSONSchemaProps) the generator
 * understands. Anything else is refused by name, so no constraint of a CRD is silently left out
 * of the validator generated from it.
 */
export interface OpenApiSchema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema;
  enum?: unknown[];
  nullable?: boolean;
  format?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
}

const count = z.int().nonnegative();

export const openApiSchemaSchema: z.ZodType<OpenApiSchema> = z.lazy(() =>
  z.strictObject({
    type: z.enum(["object", "array", "string", "integer", "number", "boolean"]).optional(),
    description: z.string().optional(),
    properties: z.record(z.string(), openApiSchemaSchema).optional(),
    required: z.array(z.string()).optional(),
    items: openApiSchemaSchema.optional(),
    additionalProperties: openApiSchemaSchema.optional(),
    enum: z.array(z.unknown()).min(1).optional(),
    nullable: z.boolean().optional(),
    format: z.string().optional(),
    default: z.unknown().optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    pattern: z.string().optional(),
    minLength: count.optional(),
    maxLength: count.optional(),
    minItems: count.optional(),
    maxItems: count.optional(),
    "x-kubernetes-preserve-unknown-fields": z.boolean().optional(),
    "x-kubernetes-int-or-string": z.boolean().optional(),
    "x-kubernetes-list-type": z.enum(["atomic", "set", "map"]).optional(),
    "x-kubernetes-list-map-keys": z.array(z.string()).min(1).optional(),
  }),
);

/** A CustomResourceDefinition as far as the generator reads it (printer columns etc. pass through). */
export const crdSchema = z.looseObject({
  apiVersion: z.literal("apiextensions.k8s.io/v1"),
  kind: z.literal("CustomResourceDefinition"),
  spec: z.looseObject({
    group: z.string().min(1),
    names: z.looseObject({ kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/) }),
    versions: z
      .array(z.looseObject({ name: z.string().min(1), schema: z.object({ openAPIV3Schema: openApiSchemaSchema }) }))
      .length(1, "the generator handles one version per CRD; give it per-version output names before adding a second"),
  }),
});

export type Crd = z.infer<typeof crdSchema>;
