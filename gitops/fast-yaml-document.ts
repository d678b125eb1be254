import { FAILSAFE_SCHEMA, load, Type } from "js-yaml";
import { goYamlNumber, NUMBER_LIKE } from "./kube-yaml.js";
import { isPlainObject } from "./generators/param-utils.js";
import { depthExceeds } from "../protocol/index.js";
import { MAX_DOCUMENT_DEPTH } from "./yaml-documents.js";

// Rendered chart documents are many (one per object per cluster) and plain: the `yaml` package
// reads one about ten times slower than js-yaml, and reading them was most of a chart render.
// js-yaml reads here only the documents whose meaning cannot differ from parseYamlDocuments':
// one mapping without tags, anchors, aliases, merge keys, complex keys, tabs or directives, with
// kube-yaml's scalar rules. Anything else (and any js-yaml error) goes to the `yaml` package, so
// errors keep their wording and unusual documents their exact reading.

/** Text whose reading could depend on the parser: a slower, exact read is used instead. */
const NOT_PLAIN = /[&*!\t\r]|<<|__proto__|^\s*%|(?:^|\n)(?:---|\.\.\.)|(?:^|\n)[ -]*\? |(?:^|\n)[ -]*[[{][^\n]*[\]}]\s*:|[[{][^\n\]}]*[[{]/u;

const resolveNull = (s: string): boolean => /^(?:~|[Nn]ull|NULL)?$/u.test(s);
const nullType = new Type("tag:yaml.org,2002:null", { kind: "scalar", resolve: resolveNull, construct: () => null });
const TRUE_WORDS = /^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/u;
const FALSE_WORDS = /^(?:n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/u;
const boolType = new Type("tag:yaml.org,2002:bool", { kind: "scalar", resolve: (s: string) => TRUE_WORDS.test(s) || FALSE_WORDS.test(s), construct: (s: string) => TRUE_WORDS.test(s) });
const NON_FINITE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/u;
/** kube-yaml rejects `.inf`/`.nan`: resolving them fails the fast read, and the exact read reports it. */
const nonFiniteType = new Type("tag:yaml.org,2002:float", {
  kind: "scalar",
  resolve: (s: string) => NON_FINITE.test(s),
  construct: () => {
    throw new Error("non-finite float");
  },
});
/** go-yaml v2's numbers (kube-yaml's numberTag); past float64 they stay text, as there. */
const numberType = new Type("tag:yaml.org,2002:int", { kind: "scalar", resolve: (s: string) => NUMBER_LIKE.test(s) && goYamlNumber(s) !== undefined, construct: (s: string) => goYamlNumber(s) });

const SCHEMA = FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, nonFiniteType, numberType] });

/**
 * One `---` section read fast: its mapping and the line its content starts on, null for an empty
 * section, or undefined when the section must be read by parseYamlDocuments (see above).
 */
export function readPlainYamlDocument(text: string): { readonly value: Record<string, unknown>; readonly line: number } | null | undefined {
  if (NOT_PLAIN.test(text)) return undefined;
  let value: unknown;
  try {
    value = load(text, { schema: SCHEMA });
  } catch {
    return undefined;
  }
  // parseYamlDocuments skips empty and null documents alike.
  if (value === null || value === undefined) return null;
  if (!isPlainObject(value) || depthExceeds(value, MAX_DOCUMENT_DEPTH)) return undefined;
  const line = contentLine(text);
  return line === undefined ? undefined : { value, line };
}

/** The first line that is not blank or a comment (1-based), where parseYamlDocuments places a document. */
function contentLine(text: string): number | undefined {
  let line = 1;
  for (let start = 0; start <= text.length; line++) {
    const end = text.indexOf("\n", start);
    const row = text.slice(start, end < 0 ? text.length : end).trimStart();
    if (row !== "" && !row.startsWith("#")) return line;
    if (end < 0) return undefined;
    start = end + 1;
  }
  return undefined;
}
