import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { splitManifests } from "../helm/index.js";
import { readPlainYamlDocument } from "./fast-yaml-document.js";
import { parseYamlDocuments } from "./yaml-documents.js";

/** What parseYamlDocuments makes of one section, in readPlainYamlDocument's shape. */
function exact(text: string): unknown {
  let docs;
  try {
    docs = parseYamlDocuments(text, "x.yaml");
  } catch {
    return "error";
  }
  if (docs.length === 0) return null;
  if (docs.length > 1) return "many";
  return { value: docs[0]?.value, line: docs[0]?.line };
}

/** The fast read never disagrees with the exact one: it answers the same, or declines (undefined). */
function agrees(text: string): boolean {
  const fast = readPlainYamlDocument(text);
  if (fast === undefined) return true;
  expect({ text, read: fast }).toEqual({ text, read: exact(text) });
  return true;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/u.test(name) ? [path] : [];
  });
}

describe("readPlainYamlDocument", () => {
  it("reads go-yaml v2 scalars as kube-yaml does", () => {
    const text = "# head\n\nkind: ConfigMap\ndata:\n  a: yes\n  b: 0755\n  c: 1_000\n  d: 0x1F\n  e: 1e3\n  f: 1:20\n  g: ~\n  h: 2024-01-02\n  i: Off\n  j: 1e400\n  k: '0755'\n  l: .5\n  m: -0o17\n  p:\n";
    const fast = readPlainYamlDocument(text);
    expect(fast).toEqual({ line: 3, value: { kind: "ConfigMap", data: { a: true, b: 493, c: 1000, d: 31, e: 1000, f: "1:20", g: null, h: "2024-01-02", i: false, j: "1e400", k: "0755", l: 0.5, m: -15, p: null } } });
    agrees(text);
  });

  it("declines what it could read differently, so the exact reader decides (and words the errors)", () => {
    for (const text of [
      "a: &x 1\nb: *x\n",
      "a: !!str 1\n",
      "<<: {a: 1}\nb: 2\n",
      "a:\n\tb: 1\n",
      "%YAML 1.1\n---\na: 1\n",
      "a: 1\n...\nb: 2\n",
      "? [a, b]\n: c\n",
      "[a, b]: c\n",
      "a: .inf\n",
      "a: 1\na: 2\n",
      "- a\n- b\n",
      "plain text\n",
      "a: [1, 2\n",
      "__proto__: {a: 1}\n",
    ]) {
      expect(readPlainYamlDocument(text)).toBeUndefined();
    }
  });

  it("reads empty and null sections as no document", () => {
    for (const text of ["", "# only a comment", "~", "null"]) expect(readPlainYamlDocument(text)).toBeNull();
  });

  it("agrees with parseYamlDocuments on every section of the repository's YAML files", () => {
    let read = 0;
    for (const file of [...yamlFiles("test/fixtures"), ...yamlFiles("examples"), ...yamlFiles("deploy")]) {
      for (const section of splitManifests(readFileSync(file, "utf8"))) {
        agrees(section);
        if (readPlainYamlDocument(section) !== undefined) read++;
      }
    }
    expect(read).toBeGreaterThan(20);
  });

  it("agrees with parseYamlDocuments on generated documents", () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.constantFrom("yes", "No", "on", "0755", "0x1F", "1_0", "1e3", "1:20", "~", "null", "", " lead", "trail ", "a: b", "- x", "#c", "'q'", "\"d\"", "2024-01-02", "1e400", ".5", "+1", "0o17", "0b101", "%x", "@x", "`x"),
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
