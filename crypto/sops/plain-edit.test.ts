import { describe, expect, it } from "vitest";
import { plainValueAt, setPlainValue, unsetPlainValue } from "./plain-edit.js";

describe("sops set / unset on plaintext", () => {
  it("YAML keeps comments and creates the mappings on the way", () => {
    const text = "# top\na:\n    b: 1 # keep\n";
    const out = setPlainValue(text, "yaml", ["a", "c", "d"], { e: [1, "x"] });
    expect(out).toContain("# top");
    expect(out).toContain("b: 1 # keep");
    expect(plainValueAt(out, "yaml", ["a", "c", "d", "e", 1])).toEqual({ found: true, value: "x" });
    expect(unsetPlainValue(out, "yaml", ["a", "b"])).not.toContain("b: 1");
  });

  it("JSON keeps key order; list items are set and removed by index", () => {
    const text = '{"z": 1, "a": [10, 20, 30]}\n';
    expect(JSON.parse(setPlainValue(text, "json", ["a", 1], "x"))).toEqual({ z: 1, a: [10, "x", 30] });
    expect(Object.keys(JSON.parse(setPlainValue(text, "json", ["m"], true)) as object)).toEqual(["z", "a", "m"]);
    expect(JSON.parse(unsetPlainValue(text, "json", ["a", 0]))).toEqual({ z: 1, a: [20, 30] });
    expect(() => setPlainValue(text, "json", ["a", 7], 1)).toThrow(/not found/);
  });

  it("dotenv takes one key; nested paths and values are refused", () => {
    const text = "# c\nA=1\nB=two\n";
    expect(setPlainValue(text, "dotenv", ["B"], "multi\nline")).toBe("# c\nA=1\nB=multi\\nline\n");
    expect(setPlainValue(text, "dotenv", ["C"], 3)).toBe("# c\nA=1\nB=two\nC=3\n");
    expect(unsetPlainValue(text, "dotenv", ["A"])).toBe("# c\nB=two\n");
    expect(() => setPlainValue(text, "dotenv", ["A", "b"], 1)).toThrow(/nested path/);
    expect(() => setPlainValue(text, "dotenv", ["A"], { x: 1 })).toThrow(/nested value/);
    expect(() => unsetPlainValue(text, "dotenv", ["Z"])).toThrow(/not found/);
  });

  it("ini and binary files say set is not supported", () => {
    expect(() => setPlainValue("[s]\na = 1\n", "ini", ["s", "a"], 2)).toThrow(/not supported for ini files/);
  });
});
