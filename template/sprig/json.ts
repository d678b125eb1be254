import { stringify as yamlStringify, parse as parseYaml, YAMLError } from "yaml";
import type { GoStruct } from "../go-struct.js";
import { GoTime, formatGoTime } from "../go-time.js";
import { isMap, kindOf, mapGet, mapSet, sortedKeys } from "../go-values.js";

/**
 * Go's `encoding/json` Marshal over our value model: map keys sorted, HTML characters escaped
 * unless `escapeHTML` is false (Sprig's toRawJson), times as RFC 3339, NaN and Inf rejected.
 */
// A bigint placeholder: JSON.stringify escapes U+0001, so no real string can produce this text.
const BIGINT_MARK = new RegExp(String.raw`"\\u0001BIGINT:(-?\d+)"`, "g");

export function goJson(v: unknown, options: { readonly indent?: string; readonly escapeHTML?: boolean } = {}): string {
  const out = JSON.stringify(toJsonValue(v), null, options.indent);
  let s = out === undefined ? "null" : out;
  if (options.escapeHTML !== false) s = s.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  return s.replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029").replace(BIGINT_MARK, "$1");
}

function toJsonValue(v: unknown): unknown {
  switch (kindOf(v)) {
    case "invalid":
    case "nil":
      return null;
    case "int":
      // Kept exact: JSON.stringify cannot print a bigint, so mark it and unquote afterwards.
      return `\u0001BIGINT:${(v as bigint).toString()}`;
    case "float":
      if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${Number.isNaN(v) ? "NaN" : (v as number) > 0 ? "+Inf" : "-Inf"}`);
      return v;
    case "slice":
      return (v as unknown[]).map(toJsonValue);
    case "map": {
      const out: Record<string, unknown> = {};
      for (const k of sortedKeys(v as object)) mapSet(out, k, toJsonValue(mapGet(v as object, k)));
      return out;
    }
    case "time":
      return formatGoTime(v as GoTime, "2006-01-02T15:04:05.999999999Z07:00");
    case "bytes":
      return Buffer.from(v as Uint8Array).toString("base64");
    case "struct":
      return toJsonValue((v as GoStruct).toGoJson());
    case "func":
      throw new Error("json: unsupported type: func(...interface {}) interface {}");
    default:
      return v;
  }
}

/** Go's json.Unmarshal into interface{}: numbers become float64 (JS numbers). */
export function fromJson(s: string): unknown {
  return JSON.parse(s) as unknown;
}

/**
 * sigs.k8s.io/yaml Marshal (JSON round trip, sorted keys), trailing newline trimmed as Argo's
 * toYaml does. `indentSeq`: sequences indented under their key, as Helm's toYamlPretty (go-yaml v3,
 * indent 2) writes them.
 */
export function toYaml(v: unknown, options: { readonly indentSeq?: boolean } = {}): string {
  let json: string;
  try {
    json = goJson(v, { escapeHTML: false });
  } catch (err) {
    throw new Error(`error marshaling into JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const plain = JSON.parse(json) as unknown;
  if (plain === null) return "null";
  return yamlStringify(plain, { sortMapEntries: true, indentSeq: options.indentSeq === true, lineWidth: 0 }).replace(/\n$/, "");
}

/** Parses YAML; errors carry the position only, never the (possibly secret) source text. */
function yamlParse(s: string): unknown {
  try {
    return parseYaml(s) as unknown;
  } catch (err) {
    const pos = err instanceof YAMLError ? err.linePos?.[0] : undefined;
    throw new Error(`error converting YAML to JSON: invalid YAML${pos === undefined ? "" : ` at line ${pos.line}, column ${pos.col}`}`);
  }
}

/** sigs.k8s.io/yaml Unmarshal into map[string]interface{}. */
export function fromYaml(s: string): Record<string, unknown> {
  const v = yamlParse(s);
  if (v === null || v === undefined) return {};
  if (!isMap(v)) throw new Error(`error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(v) ? "array" : typeof v} into Go value of type map[string]interface {}`);
  return v;
}

export function fromYamlArray(s: string): unknown[] {
  const v = yamlParse(s);
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${isMap(v) ? "object" : typeof v} into Go value of type []interface {}`);
  return v;
}

export { GoTime };
