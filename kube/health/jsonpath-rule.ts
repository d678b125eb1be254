import { parse as parseYaml } from "yaml";
import { KubeError, KUBE_ERROR } from "../kube-errors.js";
import { isRecord, type KubeObject } from "../kube-object.js";
import { HEALTH, type HealthStatus, type HealthStatusCode } from "./health-status.js";

/**
 * `flotilla.dev/health`: a CEL-free health rule for custom resources, as YAML:
 *
 * ```yaml
 * degraded: '{.status.conditions[?(@.type=="Ready")].status} == False'
 * healthy:  '{.status.conditions[?(@.type=="Ready")].status} == True'
 * message:  '{.status.conditions[?(@.type=="Ready")].message}'
 * ```
 *
 * Paths are the kubectl JSONPath subset: `.field`, `[n]`, `[*]` and `[?(@.field=="value")]`.
 * An expression is `PATH` (true when the path has a value), `PATH == LITERAL` or `PATH != LITERAL`.
 * Statuses are tried in the order degraded, suspended, healthy, progressing; the first that holds
 * wins, and none holding means Progressing.
 */
export const HEALTH_RULE_ANNOTATION = "flotilla.dev/health";

type Step = { kind: "field"; name: string } | { kind: "index"; index: number } | { kind: "all" } | { kind: "filter"; field: string[]; value: string };

export interface HealthExpression {
  readonly path: readonly Step[];
  readonly op: "exists" | "==" | "!=";
  readonly literal?: string;
}

export interface HealthRule {
  readonly rules: ReadonlyArray<{ status: HealthStatusCode; expr: HealthExpression }>;
  readonly message?: readonly Step[] | undefined;
}

const RULE_ORDER: ReadonlyArray<[string, HealthStatusCode]> = [
  ["degraded", HEALTH.degraded],
  ["suspended", HEALTH.suspended],
  ["healthy", HEALTH.healthy],
  ["progressing", HEALTH.progressing],
];

function fail(message: string, field: string): never {
  throw new KubeError(KUBE_ERROR.invalidHealthRule, message, { field, userError: true });
}

export function parsePath(text: string, field: string): Step[] {
  let src = text.trim();
  if (src.startsWith("{") && src.endsWith("}")) src = src.slice(1, -1).trim();
  if (src.startsWith("$")) src = src.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === ".") {
      const m = /^\.([A-Za-z0-9_-]+)/.exec(src.slice(i));
      if (m?.[1] === undefined) fail(`bad path step at ${i} in ${text}`, field);
      steps.push({ kind: "field", name: m[1] });
      i += m[0].length;
    } else if (ch === "[") {
      const rest = src.slice(i);
      const idx = /^\[(\d+)\]/.exec(rest);
      const all = /^\[\*\]/.exec(rest);
      const filter = /^\[\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*==\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_.-]+))\)\]/.exec(rest);
      if (idx?.[1] !== undefined) {
        steps.push({ kind: "index", index: Number(idx[1]) });
        i += idx[0].length;
      } else if (all !== null) {
        steps.push({ kind: "all" });
        i += all[0].length;
      } else if (filter?.[1] !== undefined) {
        steps.push({ kind: "filter", field: filter[1].slice(1).split("."), value: filter[2] ?? filter[3] ?? filter[4] ?? "" });
        i += filter[0].length;
      } else fail(`bad bracket at ${i} in ${text}`, field);
    } else fail(`unexpected "${ch ?? ""}" at ${i} in ${text}`, field);
  }
  return steps;
}

function scalarText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Every value the path reaches (filters and `[*]` can reach several). */
export function evaluatePath(obj: unknown, steps: readonly Step[]): unknown[] {
  let current: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === "field") {
        if (isRecord(value) && step.name in value) next.push(value[step.name]);
      } else if (step.kind === "index") {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (Array.isArray(value)) {
        for (const item of value) {
          if (step.kind === "all") next.push(item);
          else {
            const got = step.field.reduce<unknown>((acc, f) => (isRecord(acc) ? acc[f] : undefined), item);
            if (got !== undefined && scalarText(got) === step.value) next.push(item);
          }
        }
      }
    }
    current = next;
  }
  return current.filter((v) => v !== undefined && v !== null);
}

/** Finds `==`/`!=` outside brackets, braces and quotes (a filter has its own `==`). */
function operatorIndex(text: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length - 1; i++) {
    const ch = text[i] ?? "";
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "[" || ch === "{" || ch === "(") depth++;
    else if (ch === "]" || ch === "}" || ch === ")") depth--;
    else if (depth === 0 && (ch === "=" || ch === "!") && text[i + 1] === "=") return i;
  }
  return -1;
}

export function parseExpression(text: string, field: string): HealthExpression {
  const src = text.trim();
  const at = operatorIndex(src);
  if (at < 0) return { path: parsePath(src, field), op: "exists" };
  const op = src[at] === "=" ? "==" : "!=";
  const literal = src
    .slice(at + 2)
    .trim()
    .replace(/^"(.*)"$/, "$1")
    .replace(/^'(.*)'$/, "$1");
  if (literal === "") fail(`missing value after ${op}`, field);
  return { path: parsePath(src.slice(0, at), field), op, literal };
}

export function holds(obj: unknown, expr: HealthExpression): boolean {
  const values = evaluatePath(obj, expr.path);
  if (expr.op === "exists") return values.length > 0;
  const matches = values.some((v) => scalarText(v) === expr.literal);
  return expr.op === "==" ? matches : values.length > 0 && !matches;
}

/** Parses a rule (annotation value or configured override). Throws KUBE_INVALID_HEALTH_RULE. */
export function parseHealthRule(text: string, field = HEALTH_RULE_ANNOTATION): HealthRule {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    fail("health rule is not valid YAML", field);
  }
  if (!isRecord(doc)) fail("health rule must be a mapping of status to expression", field);
  const rules: Array<{ status: HealthStatusCode; expr: HealthExpression }> = [];
  for (const [key, status] of RULE_ORDER) {
    const value = doc[key];
    if (value === undefined) continue;
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) {
      if (typeof item !== "string") fail(`${key} must be a string expression`, `${field}.${key}`);
      rules.push({ status, expr: parseExpression(item, `${field}.${key}`) });
    }
  }
  if (rules.length === 0) fail("health rule names no status (degraded, suspended, healthy, progressing)", field);
  const message = typeof doc.message === "string" ? parsePath(doc.message, `${field}.message`) : undefined;
  return { rules, message };
}

export function applyHealthRule(obj: KubeObject, rule: HealthRule): HealthStatus {
  const msgValue = rule.message === undefined ? undefined : evaluatePath(obj, rule.message)[0];
  const message = msgValue === undefined ? undefined : scalarText(msgValue);
  for (const { status, expr } of rule.rules) {
    if (holds(obj, expr)) return { status, ...(message === undefined ? {} : { message }) };
  }
  return { status: HEALTH.progressing, ...(message === undefined ? {} : { message }) };
}
