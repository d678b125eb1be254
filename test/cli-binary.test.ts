import { describe, expect, it } from "vitest";
import { runFlotilla } from "./harness/index.js";

// The built binary as a user runs it: `npm test` compiles to dist/ first.
describe("flotilla binary", () => {
  it("prints help listing its commands", async () => {
    const result = await runFlotilla(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: flotilla/);
    expect(result.stdout).toMatch(/version/);
  });

  it("exits non-zero with error[CODE] and no stack trace on user error", async () => {
    const result = await runFlotilla(["version", "--output", "xml"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error[INVALID_FLAG]: --output: unknown output format "xml" (use text or json)\n');
  });
});
