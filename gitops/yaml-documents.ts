import { parseAllDocuments } from "yaml";
import { depthExceeds, MAX_JSON_DEPTH } from "../protocol/index.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { fastYamlDocument } from "./fast-yaml.js";
import { KUBE_TO_JS_OPTIONS, KUBE_YAML_OPTIONS } from "./kube-yaml.js";
import { isPlainObject } from "./generators/param-utils.js";

/** One YAML document of a file, with the line it starts on (1-based) for messages. */
export interface YamlDocument {
  readonly value: Record<string, unknown>;
  readonly line: number;
}

/**
 * Deepest nesting a document may have: generators, templates and bundles walk values recursively
 * and overflow the stack near 2 000 levels. The same bound as the wire (protocol MAX_JSON_DEPTH).
 */
export const MAX_DOCUMENT_DEPTH = MAX_JSON_DEPTH;

/**
 * Parses a multi-document YAML (or JSON) file. Empty documents are skipped; a syntax error names
 * the file, line and column; a document that is not a mapping is rejected. Scalars read as kubectl
 * reads them (kube-yaml.ts). Aliases are capped so a "billion laughs" file cannot blow up memory.
 */
export function parseYamlDocuments(text: string, file: string): YamlDocument[] {
  // Most fleet files (every Cluster file) are one plain document: read on the fast path, same result.
  const fast = fastYamlDocument(text);
  if (fast !== undefined) return fast.value === null ? [] : [checkedDocument(fast.value, fast.line, file)];
  const lineStarts = lineIndex(text);
  const out: YamlDocument[] = [];
  for (const doc of parseAllDocuments(text, { ...KUBE_YAML_OPTIONS, prettyErrors: true })) {
    const error = doc.errors[0];
    if (error !== undefined) {
      const pos = error.linePos?.[0];
      // The yaml package's first line already ends in "at line L, column C:".
      const message = (error.message.split("\n")[0] ?? error.message).replace(/:$/u, "");
      throw new GitOpsError(GITOPS_ERROR.parse, message, { file, field: pos === undefined ? undefined : `line ${pos.line}` });
    }
    let value: unknown;
    try {
      value = doc.toJS(KUBE_TO_JS_OPTIONS);
    } catch (err) {
      throw new GitOpsError(GITOPS_ERROR.parse, (err as Error).message.split("\n")[0] ?? "invalid YAML", { file });
    }
    if (value === null || value === undefined) continue;
    // The line of the document's content (after any `---` and comments), where a reader looks.
    out.push(checkedDocument(value, lineOf(lineStarts, doc.contents?.range?.[0] ?? doc.range[0]), file));
  }
  return out;
}

/** A document's value once it is known to be a mapping of bounded depth. */
function checkedDocument(value: unknown, line: number, file: string): YamlDocument {
  if (depthExceeds(value, MAX_DOCUMENT_DEPTH)) {
    throw new GitOpsError(GITOPS_ERROR.tooLarge, `a document nests deeper than ${String(MAX_DOCUMENT_DEPTH)} levels`, { file });
  }
  if (!isPlainObject(value)) {
    throw new GitOpsError(GITOPS_ERROR.invalid, `line ${line}: a document must be a mapping, not ${Array.isArray(value) ? "a list" : typeof value}`, {
      file,
      field: `line ${line}`,
    });
  }
  return { value, line };
}

function lineIndex(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
