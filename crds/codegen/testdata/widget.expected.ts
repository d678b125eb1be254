// Generated from crds/codegen/testdata/widget.crd.yaml by crds/codegen (npm run generate:crds). Do not edit: change the YAML and regenerate.
import { z } from "zod";
import { objectMetaSchema, type ObjectMeta } from "../../object-meta.js";
import { uniqueListMapKeys, uniqueSetItems } from "../../list-type-checks.js";

/**
 * A widget. Descriptions become doc comments,
 * including ones that span lines or close a comment: *\/.
 */
export type Widget = {
  apiVersion: "example.com/v1";
  kind: "Widget";
  metadata: ObjectMeta;
  /** The desired widget. */
  spec: WidgetSpec;
  status?: WidgetStatus;
};

/** The desired widget. */
export type WidgetSpec = {
  /** A DNS label. */
  name: string;
  size: "small" | "large";
  replicas?: number;
  ratio?: number;
  paused: boolean;
  notBefore?: string;
  checksum?: string | null;
  tags?: string[];
  modes?: ("read" | "write")[];
  matrix?: number[][];
  /** Entries are unique by name. */
  ports: WidgetSpecPort[];
  labels?: Record<string, string>;
  limits?: Record<string, WidgetSpecLimitsValue>;
  /** Kept as written. */
  config?: Record<string, unknown>;
  owner?: WidgetSpecOwner;
  raw?: unknown;
  empty?: Record<string, never>;
  "x-legacy"?: string;
  options?: WidgetSpecOptions | null;
};

export type WidgetSpecPort = {
  name: string;
  port: number;
  targetPort?: number | string;
};

export type WidgetSpecLimitsValue = {
  cpu?: string;
  memory?: string;
};

export type WidgetSpecOwner = {
  team?: string;
  [field: string]: unknown;
};

export type WidgetSpecOptions = {
  verbose?: boolean;
};

export type WidgetStatus = {
  phase?: "Pending" | "Ready";
  observedGeneration?: number;
  since?: string;
};

export const widgetSpecPortSchema = z.object({
  name: z.string(),
  port: z.int().min(1).max(65535),
  targetPort: z.union([z.int(), z.string()]).optional(),
});

export const widgetSpecLimitsValueSchema = z.object({
  cpu: z.string().optional(),
  memory: z.string().optional(),
});

export const widgetSpecOwnerSchema = z.looseObject({
  team: z.string().optional(),
});

export const widgetSpecOptionsSchema = z.object({
  verbose: z.boolean().optional(),
});

export const widgetSpecSchema = z.object({
  name: z.string().min(1).max(63).regex(new RegExp("^[a-z]([-a-z0-9]*[a-z0-9])?$")),
  size: z.enum(["small", "large"]).default("small"),
  replicas: z.int32().min(0).max(10).optional(),
  ratio: z.number().min(0).max(1).optional(),
  paused: z.boolean().default(false),
  notBefore: z.iso.datetime({ offset: true }).optional(),
  checksum: z.base64().nullable().optional(),
  tags: z.array(z.string()).max(5).superRefine(uniqueSetItems()).optional(),
  modes: z.array(z.enum(["read", "write"])).optional(),
  matrix: z.array(z.array(z.int())).optional(),
  ports: z.array(widgetSpecPortSchema).min(1).superRefine(uniqueListMapKeys(["name"])),
  labels: z.record(z.string(), z.string()).optional(),
  limits: z.record(z.string(), widgetSpecLimitsValueSchema).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  owner: widgetSpecOwnerSchema.optional(),
  raw: z.unknown().optional(),
  empty: z.object({}).optional(),
  "x-legacy": z.string().optional(),
  options: widgetSpecOptionsSchema.nullable().optional(),
});

export const widgetStatusSchema = z.object({
  phase: z.enum(["Pending", "Ready"]).optional(),
  observedGeneration: z.int().optional(),
  since: z.iso.date().optional(),
});

export const widgetSchema = z.object({
  apiVersion: z.literal("example.com/v1"),
  kind: z.literal("Widget"),
  metadata: objectMetaSchema,
  spec: widgetSpecSchema,
  status: widgetStatusSchema.optional(),
});

// Each type above and its schema describe the same values; tsc checks it here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type _TypesMatchSchemas = [
  Holds<Same<Widget, z.output<typeof widgetSchema>>>,
  Holds<Same<WidgetSpec, z.output<typeof widgetSpecSchema>>>,
  Holds<Same<WidgetSpecPort, z.output<typeof widgetSpecPortSchema>>>,
  Holds<Same<WidgetSpecLimitsValue, z.output<typeof widgetSpecLimitsValueSchema>>>,
  Holds<Same<WidgetSpecOwner, z.output<typeof widgetSpecOwnerSchema>>>,
  Holds<Same<WidgetSpecOptions, z.output<typeof widgetSpecOptionsSchema>>>,
  Holds<Same<WidgetStatus, z.output<typeof widgetStatusSchema>>>,
];
