import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { goYamlNumber, KUBE_TO_JS_OPTIONS, KUBE_YAML_OPTIONS } from "./kube-yaml.js";
import { parseYamlDocuments } from "./yaml-documents.js";

const read = (text: string): unknown => parse(text, { ...KUBE_YAML_OPTIONS, ...KUBE_TO_JS_OPTIONS });

describe("YAML read as kubectl reads it (go-yaml v2 scalars)", () => {
  // Each row: the plain scalar, what kubectl 1.32 printed for it (`kubectl create --dry-run=client
  // -o json`, test/gitops/kube-yaml-kubectl.test.ts checks the same against the real binary).
  const rows: [string, unknown][] = [
    ["yes", true], ["Yes", true], ["YES", true], ["y", true], ["Y", true], ["on", true], ["On", true], ["ON", true], ["true", true], ["True", true],
    ["no", false], ["n", false], ["N", false], ["off", false], ["OFF", false], ["false", false], ["FALSE", false],
    ["tRUE", "tRUE"], ["yEs", "yEs"], ["~", null], ["null", null], ["Null", null], ["", null],
    ["0755", 493], ["-0755", -493], ["+0755", 493], ["0o17", 15], ["0x1F", 31], ["-0x10", -16], ["0b101", 5], ["0x_1F", 31],
    ["08", 8], ["0_8", 8], ["1_000", 1000], ["1__0", 10], ["+12", 12], ["0", 0], ["00", 0],
    ["1e3", 1000], ["1_0e1_0", 100000000000], ["1.", 1], [".5", 0.5], [".5_5", 0.55], ["+.5", 0.5], ["1.5", 1.5], ["-2.5e-1", -0.25],
    ["1e400", "1e400"], ["1:20", "1:20"], ["2024-01-02", "2024-01-02"], ["_1", "_1"], ["0o8", "0o8"], ["0x", "0x"], ["1_e3", 1000], ["v1", "v1"], ["1.2.3", "1.2.3"],
  ];
  it.each(rows)("%j reads as %j", (text, want) => {
    expect(read(`v: ${text}\n`)).toEqual({ v: want });
  });

  it("goYamlNumber and the tag's regex agree: quoted scalars stay strings", () => {
    expect(read(`a: "0755"\nb: 'yes'\nc: !!str on\n`)).toEqual({ a: "0755", b: "yes", c: "on" });
    expect(goYamlNumber("0755")).toBe(493);
    expect(goYamlNumber("0755x")).toBeUndefined();
  });

  it("map keys resolve too and become strings, as sigs.k8s.io/yaml writes them", () => {
    expect(read("yes: a\n0755: b\n1.5: c\n")).toEqual({ true: "a", "493": "b", "1.5": "c" });
  });

  it("merge keys (<<) merge, as in go-yaml v2", () => {
    expect(read("base: &b {a: 1, b: 1}\nm:\n  <<: *b\n  b: 2\n")).toEqual({ base: { a: 1, b: 1 }, m: { a: 1, b: 2 } });
  });

  it(".inf and .nan are parse errors with the line, since JSON cannot carry them (kubectl fails too)", () => {
    expect(() => parseYamlDocuments("kind: ConfigMap\ndata:\n  a: .inf\n", "cm.yaml")).toThrow(/^\.inf is a YAML 1\.1 float that JSON cannot carry .* at line 3, column 6/);
    expect(() => parseYamlDocuments("kind: ConfigMap\nv: -.Inf\n", "cm.yaml")).toThrow(/-\.Inf is a YAML 1\.1 float/);
    expect(() => parseYamlDocuments("kind: ConfigMap\nv: .NaN\n", "cm.yaml")).toThrow(/\.NaN is a YAML 1\.1 float/);
  });

  it("keys that only collide under YAML 1.1 (y and yes) are a duplicate-key error, not a silent last-wins", () => {
    expect(() => parseYamlDocuments("kind: ConfigMap\ndata:\n  y: 1\n  yes: 2\n", "cm.yaml")).toThrow(/Map keys must be unique/);
  });

  it("a long run of digits and underscores is read in linear time (no regex blow-up)", () => {
    const text = `${"1_".repeat(20_000)}x`;
    expect(read(`v: ${text}\n`)).toEqual({ v: text });
  });
});
