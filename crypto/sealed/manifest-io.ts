import { parseAllDocuments, stringify } from "yaml";
import { isRecord } from "./object-meta.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/** Refuse inputs larger than this: a Secret is capped at 1 MiB by the API server. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

export const OUTPUT_FORMATS = ["json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Every non-empty document of a YAML or JSON stream (JSON is YAML). Parse errors name the line, never the content. */
export function parseManifests(text: string, file?: string): Record<string, unknown>[] {
  if (text.length > MAX_MANIFEST_BYTES) {
    throw new SealedSecretsError(SEALED_ERROR.invalidManifest, `input is larger than ${MAX_MANIFEST_BYTES} bytes`, { file });
  }
  const out: Record<string, unknown>[] = [];
  for (const doc of parseAllDocuments(text)) {
    const error = doc.errors[0];
    if (error !== undefined) {
      const line = error.linePos?.[0].line;
      throw new SealedSecretsError(SEALED_ERROR.invalidManifest, `not valid YAML or JSON${line === undefined ? "" : ` (line ${line})`}: ${error.code}`, { file });
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) throw new SealedSecretsError(SEALED_ERROR.invalidManifest, "a document is not an object", { file });
    if (value.kind === "List" && Array.isArray(value.items)) {
      for (const item of value.items as unknown[]) if (isRecord(item)) out.push(item);
    } else {
      out.push(value);
    }
  }
  return out;
}

/**
 * kubeseal's output layout. YAML: a leading `---`, keys sorted (sigs.k8s.io/yaml), no line
 * folding. JSON: two-space indent, `kind` before `apiVersion` as Go's TypeMeta writes them.
 */
export function formatManifest(object: object, format: OutputFormat): string {
  if (format === "json") {
    const { kind, apiVersion, ...rest } = object as Record<string, unknown>;
    return `${JSON.stringify({ kind, apiVersion, ...rest }, null, 2)}\n`;
  }
  return `---\n${stringify(sortDeep(object), { lineWidth: 0, indentSeq: false, nullStr: "null" })}`;
}

export function parseOutputFormat(value: string): OutputFormat {
  const format = OUTPUT_FORMATS.find((f) => f === value.toLowerCase());
  if (format === undefined) {
    throw new SealedSecretsError(SEALED_ERROR.invalidManifest, `unsupported output format "${value}" (use json or yaml)`, { field: "--format" });
  }
  return format;
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) if (value[key] !== undefined) out[key] = sortDeep(value[key]);
  return out;
}
