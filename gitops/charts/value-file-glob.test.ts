import { describe, expect, it } from "vitest";
import { expandGlob, isGlobPath } from "./value-file-glob.js";

const where = { field: "helm.valueFiles[0]" };
const files = ["env/a.yaml", "env/b.yaml", "env/sub/c.yaml", "env/x.txt", "envy/a.yaml", "values.yaml"];

describe("glob value files (doublestar)", () => {
  it("matches within one element with * ? [..], across elements with **, in lexical order", () => {
    expect(isGlobPath("env/*.yaml")).toBe(true);
    expect(isGlobPath("env/a.yaml")).toBe(false);
    expect(expandGlob("env/*.yaml", [...files].reverse(), where)).toEqual(["env/a.yaml", "env/b.yaml"]);
    expect(expandGlob("env/**/*.yaml", files, where)).toEqual(["env/a.yaml", "env/b.yaml", "env/sub/c.yaml"]);
    expect(expandGlob("env/[ab].yaml", files, where)).toEqual(["env/a.yaml", "env/b.yaml"]);
    expect(expandGlob("env?/a.yaml", files, where)).toEqual(["envy/a.yaml"]);
    expect(expandGlob("nothing/*.yaml", files, where)).toEqual([]);
  });

  it("refuses a malformed pattern", () => {
    expect(() => expandGlob("env/[a.yaml", files, where)).toThrow(expect.objectContaining({ code: "GITOPS_INVALID" }));
  });
});
