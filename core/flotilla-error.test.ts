import { describe, expect, it } from "vitest";
import { FlotillaError, isFlotillaError } from "./flotilla-error.js";

describe("FlotillaError", () => {
  it("carries a stable code, the location and the cause", () => {
    const cause = new Error("low-level");
    const err = new FlotillaError("YAML_INVALID", "unexpected end of stream", { file: "apps/web.yaml", field: "spec", cause });
    expect(err.code).toBe("YAML_INVALID");
    expect(err.describe()).toBe("apps/web.yaml: spec: unexpected end of stream");
    expect(err.cause).toBe(cause);
    expect(err.userError).toBe(true);
    expect(isFlotillaError(err)).toBe(true);
    expect(isFlotillaError(cause)).toBe(false);
  });

  it("describes itself without a location when it has none", () => {
    expect(new FlotillaError("X", "plain").describe()).toBe("plain");
  });
});
