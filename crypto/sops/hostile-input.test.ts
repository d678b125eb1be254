import { describe, expect, it } from "vitest";
import { decryptSopsObject, decryptSopsText } from "./decrypt.js";
import { ResolvedKeyRing } from "./key-ring.js";
import { isSopsError, SOPS_ERROR } from "./sops-errors.js";

// Minimal counterexamples found by test/security/fuzz-sops.test.ts: each used to escape as a
// RangeError (stack overflow) or to hang, instead of failing with a SOPS code.
async function codeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    return isSopsError(err) ? err.code : `not ours: ${String(err)}`;
  }
  return "no error";
}

const keys = (): Promise<ResolvedKeyRing> => ResolvedKeyRing.from({});
const deepJson = (depth: number): string => `{"a":${"[".repeat(depth)}1${"]".repeat(depth)}}`;

describe("hostile SOPS input", () => {
  it("refuses JSON nested thousands of levels deep with SOPS_INVALID_FORMAT", async () => {
    expect(await codeOf(async () => decryptSopsText(deepJson(8000), { format: "json", keys: await keys() }))).toBe(SOPS_ERROR.invalidFormat);
  });

  it("refuses a deeply nested object on the spoke's object path", async () => {
    const obj = JSON.parse(deepJson(3000)) as unknown;
    expect(await codeOf(async () => decryptSopsObject(obj, await keys()))).toBe(SOPS_ERROR.invalidFormat);
  });

  it("refuses YAML whose aliases expand exponentially (billion laughs) instead of hanging", async () => {
    let yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 9; i++) yaml += `a${String(i)}: &a${String(i)} [${Array(10).fill(`*a${String(i - 1)}`).join(", ")}]\n`;
    expect(await codeOf(async () => decryptSopsText(yaml, { format: "yaml", keys: await keys() }))).toBe(SOPS_ERROR.invalidFormat);
  });

  it("a deeply nested YAML flow sequence fails with a code", async () => {
    const yaml = `a: ${"[".repeat(5000)}1${"]".repeat(5000)}\n`;
    expect(await codeOf(async () => decryptSopsText(yaml, { format: "yaml", keys: await keys() }))).toMatch(/^SOPS_/);
  });
});
