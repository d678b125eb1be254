import { deepClone, groupOf, isRecord, type KubeObject } from "./kube-object.js";

/**
 * An Argo CD `spec.ignoreDifferences` entry: fields of matching objects that others own (an HPA's
 * `/spec/replicas`, a webhook's injected CA bundle). Flotilla honours `jsonPointers`; `jqPathExpressions`
 * and `managedFieldsManagers` are read but not applied (see `unsupported`).
 */
export interface IgnoreDifference {
  /** API group (`apps`; empty for the core group); absent or `*` matches any. */
  readonly group?: string | undefined;
  /** `*` matches any kind. */
  readonly kind: string;
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  /** RFC 6901 pointers, e.g. `/spec/replicas`. */
  readonly jsonPointers: readonly string[];
}

export interface IgnoreDifferences {
  readonly rules: readonly IgnoreDifference[];
  /** What was given but is not honoured (`jqPathExpressions`, `managedFieldsManagers`, malformed entries), for the status report. */
  readonly unsupported: readonly string[];
}

export const NO_IGNORED_DIFFERENCES: IgnoreDifferences = { rules: [], unsupported: [] };

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Reads an app's `ignoreDifferences` list as it arrives in a bundle (never throws). */
export function parseIgnoreDifferences(value: unknown): IgnoreDifferences {
  if (!Array.isArray(value) || value.length === 0) return NO_IGNORED_DIFFERENCES;
  const rules: IgnoreDifference[] = [];
  const unsupported: string[] = [];
  value.forEach((entry: unknown, i) => {
    const kind = isRecord(entry) ? str(entry["kind"]) : undefined;
    if (!isRecord(entry) || kind === undefined || kind === "") {
      unsupported.push(`ignoreDifferences[${String(i)}]: needs a kind`);
      return;
    }
    const pointers = Array.isArray(entry["jsonPointers"]) ? entry["jsonPointers"].filter((p): p is string => typeof p === "string" && (p === "" || p.startsWith("/"))) : [];
    for (const key of ["jqPathExpressions", "managedFieldsManagers"] as const) {
      if (Array.isArray(entry[key]) && entry[key].length > 0) unsupported.push(`ignoreDifferences[${String(i)}].${key} (${kind}): not supported, only jsonPointers`);
    }
    if (pointers.length > 0) rules.push({ group: str(entry["group"]), kind, name: str(entry["name"]), namespace: str(entry["namespace"]), jsonPointers: pointers });
  });
  return { rules, unsupported };
}

function matches(rule: IgnoreDifference, obj: KubeObject): boolean {
  const anyOr = (want: string | undefined, have: string): boolean => want === undefined || want === "*" || want === have;
  return (
    anyOr(rule.group, groupOf(obj.apiVersion)) &&
    anyOr(rule.kind, obj.kind) &&
    (rule.name === undefined || rule.name === "" || rule.name === obj.metadata.name) &&
    (rule.namespace === undefined || rule.namespace === "" || rule.namespace === (obj.metadata.namespace ?? ""))
  );
}

/** The pointers that apply to `obj` (empty for most objects). */
export function ignoredPointers(differences: IgnoreDifferences, obj: KubeObject): string[] {
  if (differences.rules.length === 0) return [];
  return differences.rules.filter((r) => matches(r, obj)).flatMap((r) => r.jsonPointers);
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** A copy of `value` without the fields the pointers name; missing paths are no-ops (Argo's normalizer does the same). */
export function withoutPointers<T>(value: T, pointers: readonly string[]): T {
  if (pointers.length === 0) return value;
  const out = deepClone(value);
  for (const pointer of pointers) {
    const tokens = pointer.split("/").slice(1).map(unescapeToken);
    const last = tokens.pop();
    if (last === undefined) continue;
    let node: unknown = out;
    for (const token of tokens) {
      node = Array.isArray(node) ? node[Number(token)] : isRecord(node) ? node[token] : undefined;
      if (node === undefined) break;
    }
    if (Array.isArray(node) && /^\d+$/.test(last)) node.splice(Number(last), 1);
    else if (isRecord(node)) delete node[last];
  }
  return out;
}
