import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { goJson } from "../template/index.js";

/**
 * values.schema.json checks, as Helm 3.17 runs them (gojsonschema, JSON Schema draft 7 and
 * earlier) but with Ajv. Messages follow gojsonschema's wording (`- replicaCount: Invalid type.
 * Expected: integer, given: string`); they name fields and schema limits, never values.
 */
const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, validateFormats: false });
const cache = new Map<string, ValidateFunction>();
const decoder = new TextDecoder();

export class SchemaLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SchemaLoadError";
  }
}

/** Validates `values` against one schema; returns gojsonschema-style lines (`- field: description\n`), "" when valid. */
export function validateAgainstSchema(values: unknown, schemaBytes: Uint8Array): string {
  const text = decoder.decode(schemaBytes);
  let validate = cache.get(text);
  if (validate === undefined) {
    let schema: unknown;
    try {
      schema = JSON.parse(text) as unknown;
    } catch (err) {
      throw new SchemaLoadError(`values.schema.json is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof schema === "object" && schema !== null && !Array.isArray(schema)) {
      const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
      schema = rest;
    }
    try {
      validate = ajv.compile(schema as object);
    } catch (err) {
      throw new SchemaLoadError(`values.schema.json is not a valid schema: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (cache.size > 100) cache.clear();
    cache.set(text, validate);
  }
  // Helm validates the JSON form of the values (every --set integer a JSON number).
  const data = JSON.parse(goJson(values, { escapeHTML: false })) as unknown;
  if (validate(data === null ? {} : data)) return "";
  return (validate.errors ?? []).map((e) => `- ${describe(e, data)}\n`).join("");
}

function field(path: string): string {
  if (path === "") return "(root)";
  return path
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
}

function givenType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function at(data: unknown, path: string): unknown {
  let cur = data;
  for (const p of path.split("/").slice(1)) {
    const k = p.replace(/~1/g, "/").replace(/~0/g, "~");
    cur = typeof cur === "object" && cur !== null ? (cur as Record<string, unknown>)[k] : undefined;
  }
  return cur;
}

function describe(e: ErrorObject, data: unknown): string {
  const f = field(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return `${f}: ${String(p["missingProperty"])} is required`;
    case "type":
      return `${f}: Invalid type. Expected: ${String(p["type"]).replace(/,/g, ", ")}, given: ${givenType(at(data, e.instancePath))}`;
    case "enum":
      return `${f}: ${f} must be one of the following: ${((p["allowedValues"] as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
    case "const":
      return `${f}: ${f} does not match: ${JSON.stringify(p["allowedValue"])}`;
    case "minimum":
      return `${f}: Must be greater than or equal to ${String(p["limit"])}`;
    case "maximum":
      return `${f}: Must be less than or equal to ${String(p["limit"])}`;
    case "exclusiveMinimum":
      return `${f}: Must be greater than ${String(p["limit"])}`;
    case "exclusiveMaximum":
      return `${f}: Must be less than ${String(p["limit"])}`;
    case "minLength":
      return `${f}: String length must be greater than or equal to ${String(p["limit"])}`;
    case "maxLength":
      return `${f}: String length must be less than or equal to ${String(p["limit"])}`;
    case "pattern":
      return `${f}: Does not match pattern '${String(p["pattern"])}'`;
    case "format":
      return `${f}: Does not match format '${String(p["format"])}'`;
    case "additionalProperties":
      return `${f}: Additional property ${String(p["additionalProperty"])} is not allowed`;
    case "minItems":
      return `${f}: Array must have at least ${String(p["limit"])} items`;
    case "maxItems":
      return `${f}: Array must have at most ${String(p["limit"])} items`;
    case "uniqueItems":
      return `${f}: array items must be unique`;
    case "anyOf":
      return `${f}: Must validate at least one schema (anyOf)`;
    case "oneOf":
      return `${f}: Must validate one and only one schema (oneOf)`;
    case "not":
      return `${f}: Must not validate the schema (not)`;
    case "multipleOf":
      return `${f}: Must be a multiple of ${String(p["multipleOf"])}`;
    default:
      return `${f}: ${e.message ?? e.keyword}`;
  }
}
