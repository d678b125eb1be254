import type { DocumentOptions, ParseOptions, ScalarTag, SchemaOptions, Tags, ToJSOptions } from "yaml";

// kubectl, Argo CD and Helm read YAML with sigs.k8s.io/yaml, whose scalars resolve as go-yaml v2
// does (goyaml.v2/resolve.go): YAML 1.1 booleans (yes/no/on/off/y/n), Go integer syntax after
// dropping underscores (0755 is octal, 0x1F, 0o17, 0b101, 1_000), floats by one regex, and
// timestamps left as strings. The `yaml` package's own schemas differ from it both ways (1.2 core
// reads `0755` as 755 and `yes` as a string; its yaml-1.1 schema reads `1:20` as 80 and dates as
// Dates), so the scalar tags below copy go-yaml v2's rules instead. A file then means here what
// it means to `kubectl apply`.

const BOOL = "tag:yaml.org,2002:bool";
const INT = "tag:yaml.org,2002:int";
const FLOAT = "tag:yaml.org,2002:float";

const TRUE_WORDS = /^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const FALSE_WORDS = /^(?:n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const NON_FINITE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
/** strconv.ParseInt(s, 0, 64) syntax: sign, then 0x / 0o / 0b / leading-0 octal / decimal. */
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
/** go-yaml v2's yamlStyleFloat, tried on the underscore-free text after the integer parse failed. */
const YAML_STYLE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** A scalar starting with "." that Go's ParseFloat accepts (digits may be separated by single underscores). */
const DOT_FLOAT = /^\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?$/;

function goInt(text: string): number {
  const negative = text.startsWith("-");
  const body = text.replace(/^[-+]/, "");
  let magnitude: number;
  if (/^0[xX]/.test(body)) magnitude = Number.parseInt(body.slice(2), 16);
  else if (/^0[oO]/.test(body)) magnitude = Number.parseInt(body.slice(2), 8);
  else if (/^0[bB]/.test(body)) magnitude = Number.parseInt(body.slice(2), 2);
  else if (body.length > 1 && body.startsWith("0")) magnitude = Number.parseInt(body.slice(1), 8);
  else magnitude = Number.parseInt(body, 10);
  return negative ? -magnitude : magnitude;
}

/** The number go-yaml v2 reads from a plain scalar, or undefined when it stays a string. */
export function goYamlNumber(text: string): number | undefined {
  const first = text[0];
  if (first === ".") return DOT_FLOAT.test(text) ? Number.parseFloat(text.replace(/_/g, "")) : undefined;
  if (first === undefined || !/[-+0-9]/.test(first)) return undefined;
  const plain = text.replace(/_/g, "");
  if (GO_INT.test(plain)) return goInt(plain);
  if (YAML_STYLE_FLOAT.test(plain)) {
    const value = Number.parseFloat(plain);
    // Go's ParseFloat fails with ErrRange past float64 (1e400): go-yaml keeps the text.
    return Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}

const trueTag: ScalarTag = { tag: BOOL, default: true, identify: (v) => v === true, test: TRUE_WORDS, resolve: () => true };
const falseTag: ScalarTag = { tag: BOOL, default: true, identify: (v) => v === false, test: FALSE_WORDS, resolve: () => false };

/** `.inf`, `.nan`: go-yaml reads floats that JSON cannot carry, so kubectl refuses the file. */
const nonFiniteTag: ScalarTag = {
  tag: FLOAT,
  default: true,
  test: NON_FINITE,
  resolve: (text, onError) => {
    onError(`${text} is a YAML 1.1 float that JSON cannot carry (kubectl rejects it too); quote it to keep the text`);
    return text;
  },
};

/**
 * The plain scalars goYamlNumber reads as numbers, as one regex for the tag's `test`: GO_INT,
 * YAML_STYLE_FLOAT and DOT_FLOAT with underscores allowed after the first character (go-yaml drops
 * them before parsing). Past-float64 values like 1e400 match here and resolve to their text.
 */
export const NUMBER_LIKE = new RegExp(
  [
    String.raw`^(?=[-+0-9])[-+]?_*(?:0_*[xX]_*(?:[0-9a-fA-F]_*)+|0_*[oO]_*(?:[0-7]_*)+|0_*[bB]_*(?:[01]_*)+|0_*(?:[0-7]_*)*|[1-9]_*(?:[0-9]_*)*)$`,
    String.raw`^(?=[-+0-9])[-+]?_*(?:\._*(?:[0-9]_*)+|(?:[0-9]_*)+(?:\._*(?:[0-9]_*)*)?)(?:[eE]_*[-+]?_*(?:[0-9]_*)+)?$`,
    DOT_FLOAT.source,
  ].join("|"),
);

function numberTag(tag: string): ScalarTag {
  return {
    tag,
    default: true,
    identify: (v) => typeof v === "number",
    test: NUMBER_LIKE,
    resolve: (text) => goYamlNumber(text) ?? text,
  };
}

/** The 1.2 core schema's collections, string and null, with go-yaml v2's bool and number rules. */
function kubeTags(tags: Tags): Tags {
  const kept = tags.filter((t) => typeof t !== "string" && ![BOOL, INT, FLOAT].includes(t.tag));
  return [...kept, trueTag, falseTag, nonFiniteTag, numberTag(INT), numberTag(FLOAT)];
}

/** Options for `parse`/`parseAllDocuments` to read YAML as kubectl does (merge keys included). */
export const KUBE_YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  schema: "core",
  customTags: kubeTags,
  merge: true,
};

/** Defaults for `toJS`: aliases capped so a "billion laughs" file cannot blow up memory. */
export const KUBE_TO_JS_OPTIONS: ToJSOptions = { maxAliasCount: 100 };
