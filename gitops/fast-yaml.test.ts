import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parseAllDocuments, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { splitManifests } from "../helm/index.js";
import { fastYamlDocument } from "./fast-yaml.js";
import { KUBE_TO_JS_OPTIONS, KUBE_YAML_OPTIONS } from "./kube-yaml.js";
import { parseYamlDocuments } from "./yaml-documents.js";

/** The reference reading: the `yaml` package as kube-yaml.ts configures it. "error" when it reports one. */
function reference(text: string): { value: unknown; line: number }[] | "error" {
  const out: { value: unknown; line: number }[] = [];
  for (const doc of parseAllDocuments(text, KUBE_YAML_OPTIONS)) {
    if (doc.errors.length > 0) return "error";
    let value: unknown;
    try {
      value = doc.toJS(KUBE_TO_JS_OPTIONS);
    } catch {
      return "error";
    }
    if (value === null || value === undefined) continue;
    const offset = doc.contents?.range?.[0] ?? doc.range[0];
    out.push({ value, line: text.slice(0, offset).split("\n").length });
  }
  return out;
}

/** The property: whatever the fast path reads, `yaml` reads the same way, at the same line. */
function agrees(text: string): boolean {
  const fast = fastYamlDocument(text);
  if (fast === undefined) return true;
  const ref = reference(text);
  expect(ref, `yaml refuses what the fast path read:\n${text}`).not.toBe("error");
  expect(fast.value === null ? [] : [{ value: fast.value, line: fast.line }], text).toStrictEqual(ref);
  return true;
}

const cluster = `apiVersion: flotilla.dev/v1alpha1
kind: Cluster
metadata:
  name: c1
  labels:
    env: prod
    region: r1
spec:
  values:
    tier: t1
`;

describe("fastYamlDocument", () => {
  it("reads a Cluster file and an ApplicationSet on the fast path, as yaml does", () => {
    const appSet = `# the fleet's apps
---
apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata: {name: app0}
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'app0-{{.name}}'
      labels: {env: "{{.metadata.labels.env}}"}
    spec:
      project: default
      source: {repoURL: ., targetRevision: HEAD, path: apps/app0}
      destination:
        name: '{{.name}}'
      syncPolicy:
        syncOptions: [CreateNamespace=true]
`;
    for (const text of [cluster, appSet]) {
      expect(fastYamlDocument(text)).toBeDefined();
      agrees(text);
    }
    expect(fastYamlDocument(appSet)?.line).toBe(3);
  });

  it("reads scalars as kubectl does, the same as the yaml reading", () => {
    const text = `a: yes
b: off
c: 0755
d: 0x1F
e: 1_000
f: 1e400
g: ~
h:
i: Null
j: "yes"
k: '0755'
l: 1.50
m: -0o17
n: .5
o: 12:30
p: 2024-01-01
q: +1
r: 0b101
u: [1, "2", three, {x: y}]
v: 9007199254740993
w: 1e-7
x: 'it''s'
y: "tab\\tand \\u00e9"
`;
    expect(fastYamlDocument(text)).toBeDefined();
    agrees(text);
  });

  it("hands everything outside its subset to yaml", () => {
    const outside = [
      "a: &x 1\nb: *x\n",
      "base: &b {x: 1}\nc:\n  <<: *b\n",
      "a: !!str 1\n",
      "? complex\n: key\n",
      "%YAML 1.2\n---\na: 1\n",
      "a: 1\n---\nb: 2\n",
      "a: 1\n...\n",
      "a:\tb\n",
      "a: 1\r\nb: 2\r\n",
      "\uFEFFa: 1\n",
      "[a, b]: c\n",
      "a: |\n  text\n",
      "a: >-\n  text\n",
      "~: null key\n",
      "null: x\n",
      "__proto__: {polluted: true}\n",
      `${"k".repeat(1100)}: v\n`,
      "a: .inf\n",
      'a: "multi\n  line"\n',
      "a: plain\n  folded\n",
      "a: [x,\n  y]\n",
      "a:\n  - - x\n",
      "a:\n  -\n    b: c\n",
      "a:\n  - {x: 1,\n     y: 2}\n",
      "a: 1\na: 2\n",
      "a: @reserved\n",
    ];
    for (const text of outside) expect(fastYamlDocument(text), JSON.stringify(text)).toBeUndefined();
  });

  it("keeps yaml's errors and lines in parseYamlDocuments", () => {
    expect(() => parseYamlDocuments("a: 1\na: 2\n", "x.yaml")).toThrow(/unique/u);
    expect(() => parseYamlDocuments("- a\n- b\n", "x.yaml")).toThrow(/line 1: a document must be a mapping, not a list/u);
    expect(() => parseYamlDocuments("# c\n\nhello\n", "x.yaml")).toThrow(/line 3: a document must be a mapping, not string/u);
    expect(parseYamlDocuments("# only a comment\n", "x.yaml")).toStrictEqual([]);
    expect(parseYamlDocuments(cluster, "c.yaml")).toStrictEqual([{ value: reference(cluster) === "error" ? null : (reference(cluster) as { value: unknown }[])[0].value, line: 1 }]);
  });

  it("agrees with yaml on generated documents", () => {
    // Scalars from an alphabet full of YAML indicators, in plain, single- and double-quoted form.
    const scalarText = fc.string({ unit: fc.constantFrom(..."ab01 .-+_:#'\"[]{},~yYnNeExX%@!&*|>?\\/".split("")), maxLength: 12 });
    const scalar = fc.oneof(
      scalarText,
      scalarText.map((s) => `'${s.replaceAll("'", "''")}'`),
      scalarText.map((s) => JSON.stringify(s)),
      fc.constantFrom("yes", "No", "on", "0755", "0x1f", "1_0", "1e3", ".5", "-0", "+.inf", "null", "~", "", "1:2", "0b12", "08", "1.", "-.5e+3", "true"),
    );
    const key = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/u), scalar);
    const node: fc.Memo<string[]> = fc.memo((depth) =>
      depth <= 1
        ? scalar.map((s) => [s])
        : fc.oneof(
            scalar.map((s) => [s]),
            fc.array(fc.tuple(key, node(depth - 1)), { minLength: 1, maxLength: 4 }).map((pairs) => pairs.flatMap(([k, v]) => (v.length === 1 ? [`${k}: ${v[0]}`] : [`${k}:`, ...v.map((l) => `  ${l}`)]))),
            fc.array(node(depth - 1), { minLength: 1, maxLength: 3 }).map((items) => items.flatMap((v) => (v.length === 1 ? [`- ${v[0]}`] : [`-`, ...v.map((l) => `  ${l}`)]))),
            fc.array(scalar, { maxLength: 3 }).map((items) => [`[${items.join(", ")}]`]),
            fc.array(fc.tuple(key, scalar), { maxLength: 3 }).map((pairs) => [`{${pairs.map(([k, v]) => `${k}: ${v}`).join(", ")}}`]),
          ),
    );
    const doc = fc.tuple(fc.array(fc.tuple(key, node(3)), { minLength: 1, maxLength: 5 }), fc.constantFrom("", "---\n", "# c\n---\n", "\n# c\n")).map(
      ([pairs, head]) => head + pairs.flatMap(([k, v]) => (v.length === 1 ? [`${k}: ${v[0]}`] : [`${k}:`, ...v.map((l) => `  ${l}`)])).join("\n") + "\n",
    );
    fc.assert(fc.property(doc, agrees), { numRuns: Number(process.env["FAST_YAML_RUNS"] ?? 400) });
  });

  it("reads go-yaml v2 scalars as kube-yaml does", () => {
    const text = "# head\n\nkind: ConfigMap\ndata:\n  a: yes\n  b: 0755\n  c: 1_000\n  d: 0x1F\n  e: 1e3\n  f: 1:20\n  g: ~\n  h: 2024-01-02\n  i: Off\n  j: 1e400\n  k: '0755'\n  l: .5\n  m: -0o17\n  p:\n";
    expect(fastYamlDocument(text)).toEqual({ line: 3, value: { kind: "ConfigMap", data: { a: true, b: 493, c: 1000, d: 31, e: 1000, f: "1:20", g: null, h: "2024-01-02", i: false, j: "1e400", k: "0755", l: 0.5, m: -15, p: null } } });
    agrees(text);
  });

  it("agrees with yaml on every `---` section of the repository's YAML files (as a chart render splits them)", () => {
    const yamlFiles = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) return yamlFiles(path);
        return /\.ya?ml$/u.test(name) ? [path] : [];
      });
    let read = 0;
    for (const file of [...yamlFiles("test/fixtures"), ...yamlFiles("examples"), ...yamlFiles("deploy")]) {
      for (const section of splitManifests(readFileSync(file, "utf8"))) {
        agrees(section);
        if (fastYamlDocument(section) !== undefined) read++;
      }
    }
    expect(read).toBeGreaterThan(20);
  });

  it("agrees with yaml on documents the yaml package writes, block and flow, with a `# Source:` head", () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.constantFrom("yes", "No", "on", "0755", "0x1F", "1_0", "1e3", "1:20", "~", "null", "", " lead", "trail ", "a: b", "- x", "#c", "'q'", '"d"', "2024-01-02", "1e400", ".5", "+1", "0o17", "0b101", "%x", "@x", "`x"),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const key = fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom("1", "true", "null", "y", "0x10", "a b", "a:b", "a#b"));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, scalar, tie("list"), tie("map")),
      list: fc.array(tie("node"), { maxLength: 4 }),
      map: fc.dictionary(key, tie("node"), { maxKeys: 4 }),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }), fc.boolean(), (doc, flow) => {
        const text = stringify(doc, { lineWidth: 0, ...(flow ? { collectionStyle: "flow" as const } : {}) });
        return agrees(text) && agrees(`# Source: x\n${text}`);
      }),
      { numRuns: 300 },
    );
  });
});
