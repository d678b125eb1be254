import { parseAllDocuments, parseDocument, YAMLError, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions } from "yaml";

/**
 * YAML read the way Helm reads it (sigs.k8s.io/yaml over go-yaml v2): YAML 1.1 scalars (`yes`,
 * `on`, octal `0755`), merge keys, duplicate keys allowed (last wins), timestamps kept as
 * strings, every number a float64 (a JS number) after the JSON round trip.
 */
const OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  merge: true,
  uniqueKeys: false,
  prettyErrors: false,
  customTags: (tags) => tags.filter((t) => typeof t === "string" ? t !== "timestamp" : t.tag !== "tag:yaml.org,2002:timestamp"),
};
const TO_JS: ToJSOptions = { maxAliasCount: 1000 };

/** A YAML read error: go-yaml's "yaml: line N: ..." wording, and the line. */
export class HelmYamlError extends Error {
  readonly line: number | undefined;
  constructor(message: string, line: number | undefined) {
    super(message);
    this.name = "HelmYamlError";
    this.line = line;
  }
}

function toError(err: unknown): HelmYamlError {
  if (err instanceof YAMLError) {
    const line = err.linePos?.[0].line;
    const text = err.message.replace(/ at line \d+, column \d+.*$/s, "");
    return new HelmYamlError(`yaml: ${line === undefined ? "" : `line ${line}: `}${text}`, line);
  }
  return new HelmYamlError(`yaml: ${err instanceof Error ? err.message : String(err)}`, undefined);
}

/** One YAML document to a JS value (null for an empty document). Throws HelmYamlError. */
export function readYaml(text: string): unknown {
  const doc = parseDocument(text, OPTIONS);
  if (doc.errors.length > 0) throw toError(doc.errors[0]);
  try {
    return normalize(doc.toJS(TO_JS));
  } catch (err) {
    throw toError(err);
  }
}

/** Every document of a stream (values files may hold one; manifests several). */
export function readYamlDocuments(text: string): unknown[] {
  const docs = parseAllDocuments(text, OPTIONS);
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw toError(doc.errors[0]);
    return normalize(doc.toJS(TO_JS));
  });
}

/** A values map: an empty or null document is `{}`; a non-map is an error. */
export function readYamlMap(text: string): Record<string, unknown> {
  const v = readYaml(text);
  if (v === null || v === undefined) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    throw new HelmYamlError(`error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(v) ? "array" : typeof v === "string" ? "string" : typeof v} into Go value of type map[string]interface {}`, undefined);
  }
  return v as Record<string, unknown>;
}

/** The JSON round trip of sigs.k8s.io/yaml: bigints and dates become float64s and strings, keys strings. */
function normalize(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of v) define(out, String(k), normalize(val));
    return out;
  }
  if (v instanceof Set) return Object.fromEntries([...v].map((k) => [String(k), null]));
  if (v !== null && typeof v === "object" && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) define(out, k, normalize(val));
    return out;
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  return v;
}

/** Sets a key without touching a prototype: `__proto__` is an ordinary values key. */
export function define(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}
