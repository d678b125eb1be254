import { describe, expect, it } from "vitest";
import { resolveChartVersion } from "./chart-version.js";

// Helm's IndexFile.Get with Masterminds/semver v3 constraints.

const where = { field: "spec.source.targetRevision" };
const published = ["0.9.0", "1.0.0", "1.2.0", "1.2.3", "1.3.0-beta.1", "1.10.0", "2.0.0", "2.1.0-rc.1", "v3.0.0", "not-semver"];
const pick = (c: string): string | undefined => resolveChartVersion(c, published, where);

describe("chart version constraints", () => {
  it("resolves as helm does", () => {
    expect(pick("")).toBe("v3.0.0");
    expect(pick("*")).toBe("v3.0.0");
    expect(pick("^1.0.0")).toBe("1.10.0");
    expect(pick("~1.2.0")).toBe("1.2.3");
    expect(pick("1.2.x")).toBe("1.2.3");
    expect(pick(">= 1.2, < 2")).toBe("1.10.0");
    expect(pick(">=1.2 <1.3 || >=2.0 <2.1")).toBe("2.0.0");
    expect(pick(">=1.0.0, !=1.10.0, <2")).toBe("1.2.3");
    expect(pick("1.2.0")).toBe("1.2.0");
    expect(pick("=1.2.0")).toBe("1.2.0");
    expect(pick("3.0.0")).toBe("v3.0.0");
    expect(pick("not-semver")).toBe("not-semver");
  });

  it("takes a prerelease only when the constraint names one", () => {
    expect(pick(">=1.3.0-0 <1.4")).toBe("1.3.0-beta.1");
    expect(pick(">=1.3.0 <1.4")).toBeUndefined();
    expect(pick("^2.0.0")).toBe("2.0.0");
    expect(pick(">=2.1.0-0")).toBe("v3.0.0");
    expect(pick("2.1.0-rc.1")).toBe("2.1.0-rc.1");
  });

  it("answers undefined when nothing matches, and refuses a bad constraint with GITOPS_CHART_VERSION", () => {
    expect(pick("^4")).toBeUndefined();
    expect(() => pick(">=1.x.y <")).toThrow(expect.objectContaining({ code: "GITOPS_CHART_VERSION", field: where.field }));
    expect(() => pick("latest")).toThrow(expect.objectContaining({ code: "GITOPS_CHART_VERSION" }));
  });
});
