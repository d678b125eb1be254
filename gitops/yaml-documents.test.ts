import { describe, expect, it } from "vitest";
import { isGitOpsError } from "./gitops-errors.js";
import { MAX_DOCUMENT_DEPTH, parseYamlDocuments } from "./yaml-documents.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isGitOpsError(err) ? err.code : `not ours: ${String(err)}`;
  }
  return undefined;
}

describe("parseYamlDocuments", () => {
  // Found by test/security/fuzz-application-set.test.ts: a list element nested ~2 400 levels deep
  // overflowed the stack in the list generator's copy. The yaml library itself stops near 800
  // levels (by catching its own stack overflow, which depends on the caller's stack); this bound
  // is explicit, the same as the wire's, and far above any real manifest.
  it("refuses a document nested deeper than the bound with GITOPS_TOO_LARGE", () => {
    const deep = `kind: ApplicationSet\nx: ${"[".repeat(500)}1${"]".repeat(500)}\n`;
    expect(codeOf(() => parseYamlDocuments(deep, "a.yaml"))).toBe("GITOPS_TOO_LARGE");
    // Deeper still, the yaml library itself gives up: a parse error, still with a code.
    const deeper = `x: ${"[".repeat(5000)}1${"]".repeat(5000)}\n`;
    expect(codeOf(() => parseYamlDocuments(deeper, "a.yaml"))).toBe("GITOPS_PARSE");
    const atBound = `x: ${"[".repeat(MAX_DOCUMENT_DEPTH - 1)}1${"]".repeat(MAX_DOCUMENT_DEPTH - 1)}\n`;
    expect(parseYamlDocuments(atBound, "a.yaml")).toHaveLength(1);
  });
});
