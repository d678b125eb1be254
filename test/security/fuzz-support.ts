// Shared pieces of the trust-boundary fuzz suite (test/security/fuzz-*.test.ts): bounds, the
// "typed error or success" property, prototype-pollution checks and structure-aware mutations.
import vm from "node:vm";
import fc from "fast-check";
import { expect } from "vitest";
import { isFlotillaError } from "../../core/index.js";
import { CRD_ERROR } from "../../crds/index.js";
import { SEALED_ERROR } from "../../crypto/seal.js";
import { SOPS_ERROR } from "../../crypto/sops/index.js";
import { GITOPS_ERROR } from "../../gitops/index.js";
import { HUB_ERROR } from "../../hub/hub-errors.js";
import { PROTOCOL_ERROR_CODES } from "../../protocol/index.js";
import { TEMPLATE_ERROR } from "../../template/index.js";

/**
 * Bounds of one property: at most `numRuns` inputs and at most `timeLimitMs` of wall time (then
 * fast-check stops and the property passes with the runs done so far). Sum over the suite ≈ 50 s
 * on a loaded 2-core machine. FUZZ_SEED replays a failure; FUZZ_SCALE multiplies runs for a long soak.
 */
export function bounds(numRuns: number, timeLimitMs: number): fc.Parameters<unknown> {
  const scale = Number(process.env.FUZZ_SCALE ?? "1");
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
  return {
    numRuns: Math.max(1, Math.round(numRuns * scale)),
    interruptAfterTimeLimit: timeLimitMs * scale,
    markInterruptAsFailure: false,
    ...(seed === undefined ? {} : { seed }),
  };
}

/** No single parser call may take longer than this; real calls take milliseconds. */
export const CALL_BOUND_MS = 5_000;

/**
 * Runs a synchronous call under a hard time bound: `vm`'s watchdog terminates the running script
 * even inside our own functions, so an endless loop fails the property (with its counterexample)
 * instead of hanging the suite.
 */
export function bounded<T>(call: () => T, ms = CALL_BOUND_MS): T {
  try {
    return vm.runInNewContext("call()", { call }, { timeout: ms }) as T;
  } catch (err) {
    if ((err as { code?: unknown }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") throw new Error(`hang: the call did not finish within ${String(ms)} ms`);
    throw err;
  }
}

/** The same for an async call: its synchronous part runs under the watchdog, the rest races a timer. */
export async function boundedAsync<T>(call: () => Promise<T>, ms = CALL_BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`hang: the call did not settle within ${String(ms)} ms`));
    }, ms);
  });
  try {
    return await Promise.race([bounded(call, ms), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every stable code of the modules at a trust boundary (their `as const` tables). */
export const ALL_CODES: ReadonlySet<string> = new Set<string>([
  ...Object.values(PROTOCOL_ERROR_CODES),
  ...Object.values(SEALED_ERROR),
  ...Object.values(SOPS_ERROR),
  ...Object.values(GITOPS_ERROR),
  ...Object.values(TEMPLATE_ERROR),
  ...Object.values(HUB_ERROR),
  ...Object.values(CRD_ERROR),
]);

/**
 * The property every boundary must keep: a thrown value is one of our typed errors with a code from
 * `codes` (a TypeError, RangeError or SyntaxError escaping fails), and nothing polluted a prototype.
 */
export function expectTypedError(err: unknown, codes: Iterable<string>): void {
  if (!isFlotillaError(err)) {
    throw new Error(`untyped error escaped: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ""}` : String(err)}`);
  }
  expect([...codes]).toContain(err.code);
  expect(err.message).not.toBe("");
}

/** Calls `call` under the bound; returns its result, or undefined when it threw a typed error. */
export function outcome<T>(call: () => T, codes: Iterable<string>): T | undefined {
  try {
    return bounded(call);
  } catch (err) {
    expectTypedError(err, codes);
    return undefined;
  } finally {
    expectNoPollution();
  }
}

export async function outcomeAsync<T>(call: () => Promise<T>, codes: Iterable<string>): Promise<T | undefined> {
  try {
    return await boundedAsync(call);
  } catch (err) {
    expectTypedError(err, codes);
    return undefined;
  } finally {
    expectNoPollution();
  }
}

const baseline = new Map(
  [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((proto) => [proto, Object.getOwnPropertyNames(proto).sort().join(",")]),
);

/** Fails when an input managed to add a property to a shared prototype. */
export function expectNoPollution(): void {
  expect((({}) as Record<string, unknown>).polluted).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  for (const [proto, names] of baseline) expect(Object.getOwnPropertyNames(proto).sort().join(",")).toBe(names);
}

// ---------------------------------------------------------------------------------------------
// Structure-aware mutation of JSON-shaped values.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

/** Every path into a value (the root is []). */
export function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...prefix, i], out));
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

/** An array nested `depth` deep (`[[[…]]]`), built without recursion. */
export function deepNest(depth: number, leaf: Json = "x"): Json {
  let value: Json = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/**
 * A deeply nested value, built only when a mutation is applied: fast-check's reporter prints
 * counterexamples recursively, so the arbitrary carries the depth and prints as `deepNest(N)`.
 */
export class Deep {
  readonly depth: number;
  constructor(depth: number) {
    this.depth = depth;
  }
  build(): Json {
    return deepNest(this.depth);
  }
  [fc.toStringMethod](): string {
    return `deepNest(${String(this.depth)})`;
  }
}

export type Hostile = Json | Deep;

/** The value with every Deep marker built (for callers that take parsed objects). */
export function materialize(value: unknown): unknown {
  if (value instanceof Deep) return value.build();
  if (Array.isArray(value)) return value.map(materialize);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, materialize(v));
    return out;
  }
  return value;
}

/**
 * JSON text of a mutated value, deep markers written out as text: JSON.stringify itself overflows
 * the stack at a few thousand levels, while an attacker just sends the bytes.
 */
export function toJsonText(value: unknown): string {
  const depths: number[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Deep) {
      depths.push(v.depth);
      return `\u0000DEEP${String(depths.length - 1)}\u0000`;
    }
    return v;
  });
  return text.replace(/"\\u0000DEEP(\d+)\\u0000"/g, (_all, i: string) => deepText(depths[Number(i)]));
}

export function toJsonBytes(value: unknown): Uint8Array {
  return Buffer.from(toJsonText(value), "utf8");
}

/** The text of deepNest(depth), built without recursion. */
export function deepText(depth: number): string {
  let open = "";
  let close = "";
  for (let i = depth - 1; i >= 0; i--) {
    open += i % 2 === 0 ? "[" : '{"a":';
    close = (i % 2 === 0 ? "]" : "}") + close;
  }
  return `${open}"x"${close}`;
}

/** Values of the wrong type or an extreme size for any field. */
export const hostileValue: fc.Arbitrary<Hostile> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 2, -(2 ** 63), 1.5, "", "\u0000", "\ud800", "💥", [], {}),
  fc.constantFrom<Json>("x".repeat(70_000), "9".repeat(400), "-1", "NaN", "Infinity", "../../etc/passwd", "{{", "ENC[AES256_GCM,data:,iv:,tag:,type:str]"),
  fc.integer({ min: 100, max: 20_000 }).map((d) => new Deep(d)),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.string({ maxLength: 40 }),
);

/** Keys an attacker uses to reach a prototype. */
export const PROTO_KEYS = ["__proto__", "constructor", "prototype"] as const;

export const MUTATION_KINDS = ["delete", "replace", "protoKey", "wrapInArray", "duplicateInArray"] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface Mutation {
  readonly at: number;
  readonly kind: MutationKind;
  readonly value: Hostile;
  readonly protoKey: (typeof PROTO_KEYS)[number];
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat({ max: 10_000 }),
  kind: fc.constantFrom(...MUTATION_KINDS),
  value: hostileValue,
  protoKey: fc.constantFrom(...PROTO_KEYS),
});

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty makes `__proto__` an own, enumerable key (as JSON.parse does), not a prototype change.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A deep copy of `value` with one mutation applied at one of its paths. Deep markers stay in the
 * result: pass it through `toJsonBytes` (the wire) or `materialize` (an already parsed object).
 */
export function applyMutation(value: unknown, m: Mutation): unknown {
  const copy = structuredClone<unknown>(value);
  const paths = pathsOf(copy);
  const path = paths[m.at % paths.length];
  const pollution = { polluted: "yes" };
  if (path.length === 0) {
    if (m.kind === "protoKey" && typeof copy === "object" && copy !== null && !Array.isArray(copy)) {
      setOwn(copy as Record<string, unknown>, m.protoKey, pollution);
      return copy;
    }
    return m.kind === "wrapInArray" ? [copy] : m.value;
  }
  let parent = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const current = parent[last];
  switch (m.kind) {
    case "delete":
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      break;
    case "replace":
      parent[last] = m.value;
      break;
    case "protoKey":
      if (typeof current === "object" && current !== null && !Array.isArray(current)) setOwn(current as Record<string, unknown>, m.protoKey, pollution);
      else setOwn(parent, m.protoKey, pollution);
      break;
    case "wrapInArray":
      parent[last] = [current];
      break;
    case "duplicateInArray":
      if (Array.isArray(parent)) parent.push(structuredClone(current));
      else parent[last] = [current, current];
      break;
  }
  return copy;
}

/** Byte-level damage to serialized input: a flipped bit, a truncation, an inserted or deleted run. */
export interface ByteDamage {
  readonly at: number;
  readonly kind: "flip" | "truncate" | "insert" | "delete";
  readonly bit: number;
  readonly bytes: Uint8Array;
}

export const byteDamage: fc.Arbitrary<ByteDamage> = fc.record({
  at: fc.nat({ max: 1_000_000 }),
  kind: fc.constantFrom("flip" as const, "truncate" as const, "insert" as const, "delete" as const),
  bit: fc.nat({ max: 7 }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
});

export function damageBytes(input: Uint8Array, d: ByteDamage): Uint8Array {
  const at = input.length === 0 ? 0 : d.at % input.length;
  switch (d.kind) {
    case "flip": {
      const out = Uint8Array.from(input);
      if (out.length > 0) out[at] ^= 1 << d.bit;
      return out;
    }
    case "truncate":
      return input.slice(0, at);
    case "insert":
      return Uint8Array.from([...input.slice(0, at), ...d.bytes, ...input.slice(at)]);
    case "delete":
      return Uint8Array.from([...input.slice(0, at), ...input.slice(at + d.bytes.length)]);
  }
}

export function damageText(input: string, d: ByteDamage): string {
  return Buffer.from(damageBytes(Buffer.from(input, "utf8"), d)).toString("utf8");
}

// ---------------------------------------------------------------------------------------------
// Go templates with hostile actions spliced in.

/**
 * Actions an author (or an insider editing a fleet repo) can put in a template: every control
 * structure, Sprig functions that fail, convert, index or allocate, and broken syntax. Numbers that
 * size an allocation (`until`, `repeat`, printf widths) stay small: the engine has no step or size
 * budget yet (issue 15, another helper), and the fuzz suite records that rather than hanging.
 */
const ACTION_TEMPLATES: readonly ((n: number) => string)[] = [
  () => "{{ .a }}",
  () => "{{ .missing.deeper }}",
  () => '{{ index . "a" }}',
  (n) => `{{ index (list 1 2) ${String(n)} }}`,
  (n) => `{{ printf "%s-%d-%v" .a ${String(n)} . }}`,
  () => "{{ if .a }}x{{ else if .b }}y{{ else }}z{{ end }}",
  (n) => `{{ range $i, $v := until ${String(n)} }}{{ $i }}{{ end }}`,
  () => "{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ else }}none{{ end }}",
  () => "{{ with .a }}{{ . }}{{ end }}",
  () => "{{ .a | upper | quote }}",
  () => "{{ b64dec .a }}",
  () => "{{ toJson . }}",
  () => '{{ fail "boom" }}',
  () => '{{ required "needed" .nope }}',
  (n) => `{{ repeat ${String(n)} "ab" }}`,
  () => "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}",
  () => '{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" .a }}',
  () => '{{ template "nope" . }}',
  (n) => `{{ div 1 ${String(n % 2)} }}`,
  (n) => `{{ mod ${String(n)} 0 }}`,
  () => "{{ atoi .a }}",
  () => '{{ regexMatch "(a+)+$" .a }}',
  () => '{{ semverCompare ">1.0" .a }}',
  (n) => `{{ slice .a 1 ${String(n)} }}`,
  (n) => `{{ trunc ${String(-n)} .a }}`,
  (n) => `{{ substr ${String(n)} 1 .a }}`,
  () => '{{ toDate "2006-01-02" .a }}',
  () => "{{ len . }}",
  () => "{{ range until 3 }}{{ break }}{{ end }}",
  () => "{{ continue }}",
  () => "{{ end }}",
  () => "{{",
  () => "}}",
  () => "{{ /* comment */ }}",
  () => "{{- .a -}}",
  () => '{{ "\\x" }}',
  () => "{{ 1e400 }}",
  () => "{{ add 9223372036854775807 1 }}",
  () => "{{ mul 1e308 10 }}",
  () => "{{ float64 .a | int }}",
  () => "{{ .a.b.c.d }}",
  () => "{{ (.a) | print | printf }}",
  () => "{{ nil }}",
  () => "{{ call .a }}",
  () => "{{ and .a (or .b .c) (not .d) }}",
  () => '{{ dict "__proto__" (dict "polluted" "yes") | toJson }}',
  () => '{{ $d := dict }}{{ $_ := set $d "__proto__" "x" }}{{ $_ := set $d "constructor" "y" }}{{ toJson $d }}',
  () => '{{ (dict "a" 1).constructor }}',
  () => "{{ .constructor }}{{ .__proto__ }}{{ .toString }}",
  () => '{{ index . "__proto__" }}{{ index . "constructor" }}',
  () => '{{ mergeOverwrite (dict) (fromJson "{\\"__proto__\\":{\\"polluted\\":1}}") | toJson }}',
  (n) => `{{ printf "%${String(n)}d" 1 }}`,
  () => "{{ sha256sum .a }}",
  () => '{{ splitList "," .a }}',
  () => '{{ fromYaml "a: &x [*x]" }}',
];

/** One hostile action; numbers in it are bounded (see ACTION_TEMPLATES). */
export const templateAction: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.nat({ max: ACTION_TEMPLATES.length - 1 }), fc.integer({ min: -3, max: 300 })).map(([i, n]) => ACTION_TEMPLATES[i](n)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((s) => `{{${s}}}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

/** A valid template with hostile actions spliced in at random places. */
export function splicedTemplate(valid: string): fc.Arbitrary<string> {
  return fc.array(fc.tuple(fc.nat({ max: valid.length }), templateAction), { minLength: 1, maxLength: 4 }).map((splices) => {
    let out = valid;
    for (const [at, action] of [...splices].sort((a, b) => b[0] - a[0])) out = out.slice(0, Math.min(at, out.length)) + action + out.slice(Math.min(at, out.length));
    return out;
  });
}
