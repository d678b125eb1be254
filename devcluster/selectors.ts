import { ApiStatusError } from "./api-status.js";
import { isPlainObject, type KubeObject } from "./kube-object.js";

/** One requirement of a label selector (`metav1.LabelSelectorRequirement` semantics). */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  readonly values: readonly string[];
}

const REQUIREMENT = /^\s*(!?)\s*([A-Za-z0-9._/-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9._-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*$/;

/** Splits on commas that are not inside parentheses (`a in (x,y),b`). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.filter((p) => p.trim() !== "");
}

/** Parses the `labelSelector` query parameter. Throws a 400 Status for malformed selectors. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  return splitTopLevel(text).map((part) => {
    const m = REQUIREMENT.exec(part);
    if (m === null) throw new ApiStatusError("BadRequest", `unable to parse requirement: found '${part.trim()}', expected: valid label selector`);
    const [, not, key = "", eqOp, eqValue, setOp, setValues] = m;
    if (not === "!") {
      if (eqOp !== undefined || setOp !== undefined) throw new ApiStatusError("BadRequest", `unable to parse requirement: '${part.trim()}'`);
      return { key, operator: "!exists", values: [] };
    }
    if (eqOp !== undefined) return { key, operator: eqOp === "!=" ? "!=" : "=", values: [eqValue ?? ""] };
    if (setOp !== undefined) {
      const values = (setValues ?? "").split(",").map((v) => v.trim()).filter((v) => v !== "");
      return { key, operator: setOp === "in" ? "in" : "notin", values };
    }
    return { key, operator: "exists", values: [] };
  });
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const value = l[r.key];
    switch (r.operator) {
      case "=":
        return has && value === r.values[0];
      case "!=":
        return !has || value !== r.values[0];
      case "in":
        return has && r.values.includes(value ?? "");
      case "notin":
        return !has || !r.values.includes(value ?? "");
      case "exists":
        return has;
      case "!exists":
        return !has;
    }
    return false;
  });
}

/** Requirements of a structured `LabelSelector` (matchLabels + matchExpressions), e.g. a Deployment's. */
export function requirementsOf(selector: unknown): LabelRequirement[] {
  if (!isPlainObject(selector)) return [];
  const out: LabelRequirement[] = [];
  if (isPlainObject(selector.matchLabels)) {
    for (const [key, value] of Object.entries(selector.matchLabels)) out.push({ key, operator: "=", values: [String(value)] });
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const e of selector.matchExpressions.filter(isPlainObject)) {
      const op = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!exists" }[String(e.operator)] as LabelRequirement["operator"] | undefined;
      if (op !== undefined) out.push({ key: String(e.key), operator: op, values: Array.isArray(e.values) ? e.values.map(String) : [] });
    }
  }
  return out;
}

export interface FieldRequirement {
  readonly path: readonly string[];
  readonly equals: boolean;
  readonly value: string;
}

/** Parses `fieldSelector` (`metadata.name=web,metadata.namespace!=kube-system`). */
export function parseFieldSelector(text: string): FieldRequirement[] {
  return text
    .split(",")
    .filter((p) => p.trim() !== "")
    .map((part) => {
      const m = /^\s*([A-Za-z0-9._]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
      if (m === null) throw new ApiStatusError("BadRequest", `invalid selector: '${part}'; can't understand '${part}'`);
      return { path: (m[1] ?? "").split("."), equals: m[2] !== "!=", value: m[3] ?? "" };
    });
}

function fieldValue(object: KubeObject, path: readonly string[]): string {
  let node: unknown = object;
  for (const p of path) node = isPlainObject(node) ? node[p] : undefined;
  return typeof node === "string" || typeof node === "number" || typeof node === "boolean" ? String(node) : "";
}

export function matchesFields(requirements: readonly FieldRequirement[], object: KubeObject): boolean {
  return requirements.every((r) => (fieldValue(object, r.path) === r.value) === r.equals);
}
