import { FlotillaError } from "../../core/index.js";
import { CRD_ERROR, parseWith } from "../parse-with.js";
import { crdSchema, type OpenApiSchema } from "./openapi-schema.js";

/**
 * The CRD code generator's pure core: one CustomResourceDefinition (parsed YAML) in, the text of
 * one TypeScript module out. The module holds a type per object schema (descriptions become doc
 * comments), a zod schema mirroring it, and a compile-time check that each type and its schema
 * describe the same values. Any schema keyword it cannot turn into a check is refused by name.
 *
 * Conventions (Kubernetes semantics, so generated == what the API server enforces):
 * - the root's `apiVersion` and `kind` are required literals (`group/version`, `names.kind`) and
 *   `metadata` is the hand-written ObjectMeta of crds/object-meta.ts;
 * - an object with `properties` drops unknown fields (API server pruning) unless it has
 *   `x-kubernetes-preserve-unknown-fields: true`, which keeps them;
 * - `x-kubernetes-list-type: map | set` makes entries unique by key / by value.
 */
export interface GenerateOptions {
  /** Repository-relative path of the CRD file; named in the header and in errors. */
  readonly source: string;
  /** Path from the generated module's folder to crds/, e.g. "../" for crds/generated/. */
  readonly importBase: string;
}

export const CODEGEN_ERROR = CRD_ERROR.codegenUnsupported;

export function generateCrdModule(crd: unknown, options: GenerateOptions): string {
  const parsed = parseWith(crdSchema, crd, options.source, CODEGEN_ERROR);
  const version = parsed.spec.versions[0];
  const writer = new ModuleWriter(options.source);
  writer.root(parsed.spec.names.kind, `${parsed.spec.group}/${version.name}`, version.schema.openAPIV3Schema);
  return writer.render(options);
}

interface Emitted {
  readonly ts: string;
  readonly zod: string;
}

interface Field extends Emitted {
  readonly key: string;
  readonly description?: string | undefined;
  readonly optional: boolean;
}

const ROOT_PATH = "spec.versions[0].schema.openAPIV3Schema";
const ENVELOPE = ["apiVersion", "kind", "metadata"];
/** Names the module declares besides the generated ones. */
const RESERVED = ["ObjectMeta", "Same", "Holds"];

const COMMON_KEYWORDS = ["type", "description", "nullable", "default"];
const KEYWORDS_BY_TYPE: Record<NonNullable<OpenApiSchema["type"]>, readonly string[]> = {
  string: ["enum", "format", "pattern", "minLength", "maxLength"],
  integer: ["format", "minimum", "maximum"],
  number: ["format", "minimum", "maximum"],
  boolean: [],
  array: ["items", "minItems", "maxItems", "x-kubernetes-list-type", "x-kubernetes-list-map-keys"],
  object: ["properties", "required", "additionalProperties", "x-kubernetes-preserve-unknown-fields"],
};

/** Formats with a check; another `format` is refused rather than silently not enforced. */
const STRING_FORMATS: Record<string, string> = {
  "": "z.string()",
  "date-time": "z.iso.datetime({ offset: true })",
  date: "z.iso.date()",
  byte: "z.base64()",
};
const INTEGER_FORMATS: Record<string, string> = { "": "z.int()", int32: "z.int32()", int64: "z.int()" };
const NUMBER_FORMATS: Record<string, string> = { "": "z.number()", float: "z.number()", double: "z.number()" };

class ModuleWriter {
  private readonly file: string;
  /** Type declarations, root first (the order a reader wants). */
  private readonly types: string[] = [];
  /** Schema declarations, dependencies first (the order `const` needs). */
  private readonly schemas: string[] = [];
  private readonly names = new Set<string>(RESERVED);
  private readonly declared: string[] = [];
  private readonly helpers = new Set<"uniqueListMapKeys" | "uniqueSetItems">();

  constructor(file: string) {
    this.file = file;
  }

  root(kind: string, apiVersion: string, schema: OpenApiSchema): void {
    if (schema.type !== "object" || schema.properties === undefined) this.fail(ROOT_PATH, "the root schema must be type: object with properties");
    for (const key of ENVELOPE) {
      const prop = schema.properties[key];
      if (prop === undefined) continue;
      const expected = key === "metadata" ? "object" : "string";
      const extra = Object.keys(prop).filter((k) => k !== "type" && k !== "description");
      if (prop.type !== expected || extra.length > 0) {
        this.fail(`${ROOT_PATH}.properties.${key}`, `must be just type: ${expected}; the generator types it (${key === "metadata" ? "crds/object-meta.ts" : "from the CRD's group, version and kind"})`);
      }
    }
    const envelope: Field[] = [
      { key: "apiVersion", optional: false, ts: JSON.stringify(apiVersion), zod: `z.literal(${JSON.stringify(apiVersion)})` },
      { key: "kind", optional: false, ts: JSON.stringify(kind), zod: `z.literal(${JSON.stringify(kind)})` },
      { key: "metadata", optional: false, ts: "ObjectMeta", zod: "objectMetaSchema" },
    ];
    this.allow(schema, ROOT_PATH);
    this.object(kind, schema, ROOT_PATH, envelope);
  }

  render(options: GenerateOptions): string {
    const base = options.importBase;
    const imports = ['import { z } from "zod";', `import { objectMetaSchema, type ObjectMeta } from "${base}object-meta.js";`];
    if (this.helpers.size > 0) imports.push(`import { ${[...this.helpers].sort().join(", ")} } from "${base}list-type-checks.js";`);
    const checks = this.declared.map((name) => `  Holds<Same<${name}, z.output<typeof ${schemaConst(name)}>>>,`);
    return [
      `// Generated from ${options.source} by crds/codegen (npm run generate:crds). Do not edit: change the YAML and regenerate.`,
      ...imports,
      "",
      this.types.join("\n"),
      this.schemas.join("\n"),
      "// Each type above and its schema describe the same values; tsc checks it here.",
      "type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;",
      "type Holds<T extends true> = T;",
      "type _TypesMatchSchemas = [",
      ...checks,
      "];",
      "",
    ].join("\n");
  }

  /** An object schema with `properties`: a named type and schema. */
  private object(name: string, schema: OpenApiSchema, path: string, preset: readonly Field[] = []): Emitted {
    if (this.names.has(name)) this.fail(path, `generates the name ${name} twice; rename a property`);
    this.names.add(name);
    this.declared.push(name);
    const slot = this.types.push("") - 1;
    const properties = schema.properties ?? {};
    const required = new Set(schema.required ?? []);
    for (const key of required) {
      if (!(key in properties)) this.fail(`${path}.required`, `names "${key}", which is not among the properties`);
    }
    const fields = [...preset];
    for (const [key, prop] of Object.entries(properties)) {
      if (preset.some((field) => field.key === key)) continue;
      const child = this.node(prop, `${name}${pascal(key)}`, `${path}.properties.${key}`);
      const hasDefault = prop.default !== undefined;
      const zod = hasDefault ? `${child.zod}.default(${JSON.stringify(prop.default)})` : child.zod;
      fields.push({ key, description: prop.description, optional: !required.has(key) && !hasDefault, ts: child.ts, zod });
    }
    const loose = schema["x-kubernetes-preserve-unknown-fields"] === true;
    this.types[slot] = typeDeclaration(name, schema.description, fields, loose);
    this.schemas.push(schemaDeclaration(name, fields, loose));
    return { ts: name, zod: schemaConst(name) };
  }

  private node(schema: OpenApiSchema, name: string, path: string): Emitted {
    const base = this.base(schema, name, path);
    return schema.nullable === true ? { ts: `${base.ts} | null`, zod: `${base.zod}.nullable()` } : base;
  }

  private base(schema: OpenApiSchema, name: string, path: string): Emitted {
    if (schema["x-kubernetes-int-or-string"] === true) {
      this.allow(schema, path, ["x-kubernetes-int-or-string"]);
      if (schema.type !== undefined) this.fail(`${path}.type`, "x-kubernetes-int-or-string takes no type");
      return { ts: "number | string", zod: "z.union([z.int(), z.string()])" };
    }
    if (schema.type === undefined) {
      if (schema["x-kubernetes-preserve-unknown-fields"] !== true) {
        this.fail(path, "needs a type (or x-kubernetes-preserve-unknown-fields: true, or x-kubernetes-int-or-string: true)");
      }
      this.allow(schema, path, ["x-kubernetes-preserve-unknown-fields"]);
      return { ts: "unknown", zod: "z.unknown()" };
    }
    this.allow(schema, path, KEYWORDS_BY_TYPE[schema.type]);
    switch (schema.type) {
      case "string":
        return this.string(schema, path);
      case "integer":
        return { ts: "number", zod: this.format(schema, path, INTEGER_FORMATS) + bounds(schema.minimum, schema.maximum) };
      case "number":
        return { ts: "number", zod: this.format(schema, path, NUMBER_FORMATS) + bounds(schema.minimum, schema.maximum) };
      case "boolean":
        return { ts: "boolean", zod: "z.boolean()" };
      case "array":
        return this.array(schema, name, path);
      case "object":
        return this.objectLike(schema, name, path);
    }
  }

  private string(schema: OpenApiSchema, path: string): Emitted {
    if (schema.enum !== undefined) {
      const values = schema.enum;
      if (!values.every((v): v is string => typeof v === "string")) return this.fail(`${path}.enum`, "only string enums are supported");
      if (schema.format !== undefined || schema.pattern !== undefined || schema.minLength !== undefined || schema.maxLength !== undefined) {
        this.fail(path, "an enum takes no format, pattern or length");
      }
      const literals = values.map((v) => JSON.stringify(v));
      return { ts: literals.join(" | "), zod: `z.enum([${literals.join(", ")}])` };
    }
    let zod = this.format(schema, path, STRING_FORMATS) + bounds(schema.minLength, schema.maxLength);
    if (schema.pattern !== undefined) {
      try {
        new RegExp(schema.pattern);
      } catch {
        this.fail(`${path}.pattern`, "is not a valid regular expression");
      }
      zod += `.regex(new RegExp(${JSON.stringify(schema.pattern)}))`;
    }
    return { ts: "string", zod };
  }

  private array(schema: OpenApiSchema, name: string, path: string): Emitted {
    if (schema.items === undefined) return this.fail(path, "an array needs items");
    this.noDefault(schema.items, `${path}.items`);
    const item = this.node(schema.items, singular(name), `${path}.items`);
    let zod = `z.array(${item.zod})${bounds(schema.minItems, schema.maxItems)}`;
    const listType = schema["x-kubernetes-list-type"];
    const keys = schema["x-kubernetes-list-map-keys"];
    if (keys !== undefined && listType !== "map") this.fail(`${path}.x-kubernetes-list-map-keys`, "needs x-kubernetes-list-type: map");
    if (listType === "map") {
      if (keys === undefined) return this.fail(path, "x-kubernetes-list-type: map needs x-kubernetes-list-map-keys");
      const itemRequired = new Set(schema.items.required ?? []);
      for (const key of keys) {
        if (schema.items.properties?.[key] === undefined || (!itemRequired.has(key) && schema.items.properties[key].default === undefined)) {
          this.fail(`${path}.x-kubernetes-list-map-keys`, `"${key}" must be a required (or defaulted) property of the items`);
        }
      }
      this.helpers.add("uniqueListMapKeys");
      zod += `.superRefine(uniqueListMapKeys([${keys.map((key) => JSON.stringify(key)).join(", ")}]))`;
    } else if (listType === "set") {
      if (schema.items.type === "object" || schema.items.type === "array") this.fail(`${path}.x-kubernetes-list-type`, "set needs scalar items");
      this.helpers.add("uniqueSetItems");
      zod += ".superRefine(uniqueSetItems())";
    }
    return { ts: `${item.ts.includes(" | ") ? `(${item.ts})` : item.ts}[]`, zod };
  }

  private objectLike(schema: OpenApiSchema, name: string, path: string): Emitted {
    const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
    if (schema.properties !== undefined) {
      if (schema.additionalProperties !== undefined) this.fail(path, "properties and additionalProperties exclude each other in a structural schema");
      return this.object(name, schema, path);
    }
    if (schema.required !== undefined) this.fail(`${path}.required`, "needs properties");
    if (schema.additionalProperties !== undefined) {
      // With additionalProperties every field is kept and checked; x-kubernetes-preserve-unknown-fields adds nothing.
      this.noDefault(schema.additionalProperties, `${path}.additionalProperties`);
      const value = this.node(schema.additionalProperties, `${name}Value`, `${path}.additionalProperties`);
      return { ts: `Record<string, ${value.ts}>`, zod: `z.record(z.string(), ${value.zod})` };
    }
    if (preserve) return { ts: "Record<string, unknown>", zod: "z.record(z.string(), z.unknown())" };
    // Without properties the API server prunes every field.
    return { ts: "Record<string, never>", zod: "z.object({})" };
  }

  private format(schema: OpenApiSchema, path: string, formats: Record<string, string>): string {
    const zod = formats[schema.format ?? ""];
    if (zod === undefined) return this.fail(`${path}.format`, `${schema.format ?? ""} is not supported for type ${schema.type ?? ""}; add its check to crds/codegen`);
    return zod;
  }

  private allow(schema: OpenApiSchema, path: string, keywords: readonly string[] = KEYWORDS_BY_TYPE.object): void {
    for (const key of Object.keys(schema)) {
      if (!COMMON_KEYWORDS.includes(key) && !keywords.includes(key)) {
        this.fail(`${path}.${key}`, `does not apply to ${schema.type === undefined ? "this schema" : `type ${schema.type}`}`);
      }
    }
  }

  private noDefault(schema: OpenApiSchema, path: string): void {
    if (schema.default !== undefined) this.fail(`${path}.default`, "a default applies to properties only");
  }

  private fail(field: string, message: string): never {
    throw new FlotillaError(CODEGEN_ERROR, message, { file: this.file, field });
  }
}

function typeDeclaration(name: string, description: string | undefined, fields: readonly Field[], loose: boolean): string {
  const lines = fields.map((f) => `${docComment(f.description, "  ")}  ${propertyKey(f.key)}${f.optional ? "?" : ""}: ${f.ts};\n`);
  if (loose) lines.push("  [field: string]: unknown;\n");
  return `${docComment(description, "")}export type ${name} = {\n${lines.join("")}};\n`;
}

function schemaDeclaration(name: string, fields: readonly Field[], loose: boolean): string {
  const lines = fields.map((f) => `  ${propertyKey(f.key)}: ${f.zod}${f.optional ? ".optional()" : ""},\n`);
  return `export const ${schemaConst(name)} = z.${loose ? "looseObject" : "object"}({\n${lines.join("")}});\n`;
}

function docComment(text: string | undefined, indent: string): string {
  if (text === undefined || text.trim() === "") return "";
  const lines = text.trim().replaceAll("*/", "*\\/").split("\n").map((line) => line.trimEnd());
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} *${line === "" ? "" : ` ${line}`}\n`).join("")}${indent} */\n`;
}

function bounds(min: number | undefined, max: number | undefined): string {
  return (min === undefined ? "" : `.min(${min})`) + (max === undefined ? "" : `.max(${max})`);
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

function schemaConst(name: string): string {
  return `${name.charAt(0).toLowerCase()}${name.slice(1)}Schema`;
}

/** `matchExpressions` → `MatchExpressions`, `x-legacy` → `XLegacy`. */
function pascal(key: string): string {
  return key
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== "")
    .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
    .join("");
}

/** The name of an array's item type: `…Clusters` → `…Cluster`, `…Policies` → `…Policy`, else `…Item`. */
function singular(name: string): string {
  if (name.endsWith("ies")) return `${name.slice(0, -3)}y`;
  if (/(ss|us|is)$/.test(name) || !name.endsWith("s")) return `${name}Item`;
  return name.slice(0, -1);
}
