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

/**
 * Our YAML parser's error in go-yaml v2's words where we know the equivalent (`could not find
 * expected ':'`, `did not find expected key`, ...), with go-yaml's line numbering: scanner errors
 * count from 1, parser errors from 0, and the end of input counts as one more line. The text is
 * never quoted (manifests can hold secrets).
 */
function toError(err: unknown, text: string): HelmYamlError {
  if (!(err instanceof YAMLError)) return new HelmYamlError(`yaml: ${err instanceof Error ? err.message : String(err)}`, undefined);
  const pos = err.pos[0];
  const lineIndex = (offset: number): number => {
    if (offset >= text.length) return (text.match(/\n/g)?.length ?? 0) + (text.endsWith("\n") || text === "" ? 0 : 1);
    return text.slice(0, offset).match(/\n/g)?.length ?? 0;
  };
  const withLine = (line: number, message: string): HelmYamlError => new HelmYamlError(line === 0 ? `yaml: ${message}` : `yaml: line ${line}: ${message}`, line === 0 ? undefined : line);
  const m = err.message;
  if (err.code === "MISSING_CHAR" && m.startsWith("Implicit map keys")) {
    // Reported at the next token after the key's line (go-yaml finds the key stale there).
    const lineEnd = text.indexOf("\n", pos);
    let next = text.length;
    if (lineEnd >= 0) {
      const re = /^[ \t]*([^\s#])/gm;
      re.lastIndex = lineEnd + 1;
      const found = re.exec(text);
      if (found !== null) next = found.index + found[0].length - 1;
    }
    return withLine(lineIndex(next) + 1, "could not find expected ':'");
  }
  if (err.code === "MISSING_CHAR" && m.startsWith("Missing closing")) return new HelmYamlError("yaml: found unexpected end of stream", undefined);
  if (err.code === "BAD_INDENT" && m.startsWith("Flow sequence")) return withLine(lineIndex(pos), "did not find expected ',' or ']'");
  if (err.code === "BAD_INDENT" && m.startsWith("Flow map")) return withLine(lineIndex(pos), "did not find expected ',' or '}'");
  if (err.code === "BLOCK_AS_IMPLICIT_KEY" && m.startsWith("Nested mappings")) {
    const colon = /:(?=[ \t\n]|$)/g;
    colon.lastIndex = pos;
    const found = colon.exec(text);
    const idx = found === null ? lineIndex(pos) : lineIndex(found.index);
    return withLine(idx === 0 ? 0 : idx + 1, "mapping values are not allowed in this context");
  }
  if (err.code === "BLOCK_AS_IMPLICIT_KEY" && m.startsWith("A block sequence")) return withLine(lineIndex(pos), "did not find expected key");
  const text1 = m.replace(/ at line \d+, column \d+.*$/s, "");
  return withLine(lineIndex(pos) + 1, text1);
}

/** One YAML document to a JS value (null for an empty document). Throws HelmYamlError. */
export function readYaml(text: string): unknown {
  const doc = parseDocument(text, OPTIONS);
  if (doc.errors.length > 0) throw toError(doc.errors[0], text);
  try {
    return normalize(doc.toJS(TO_JS));
  } catch (err) {
    throw toError(err, text);
  }
}

/** Every document of a stream (values files may hold one; manifests several). */
export function readYamlDocuments(text: string): unknown[] {
  const docs = parseAllDocuments(text, OPTIONS);
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw toError(doc.errors[0], text);
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
