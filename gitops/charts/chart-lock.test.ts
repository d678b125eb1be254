import { describe, expect, it } from "vitest";
import { formatChartLock, goJson, hashRequirements, parseChartLock, rfc3339Nano } from "./chart-lock.js";

describe("Chart.lock", () => {
  it("hashes Chart.yaml's dependencies and the lock as helm's resolver.HashReq does", () => {
    // helm v3.17.2 pkg/chartutil/testdata/import-values-from-enabled-subchart/parent-chart: Chart.yaml and the Chart.lock helm wrote for it.
    const req = [
      { name: "dev", repository: "file://envs/dev", version: ">= 0.0.1", condition: "dev.enabled,global.dev.enabled", tags: ["dev"], importValues: ["data"] },
      { name: "prod", repository: "file://envs/prod", version: ">= 0.0.1", condition: "prod.enabled,global.prod.enabled", tags: ["prod"], importValues: ["data"] },
    ];
    const lock = parseChartLock(
      'dependencies:\n- name: dev\n  repository: file://envs/dev\n  version: v0.1.0\n- name: prod\n  repository: file://envs/prod\n  version: v0.1.0\ndigest: sha256:9403fc24f6cf9d6055820126cf7633b4bd1fed3c77e4880c674059f536346182\ngenerated: "2020-02-03T10:38:51.180474+01:00"\n',
      { field: "x" },
    );
    expect(hashRequirements(req, lock.dependencies)).toBe(lock.digest);
    expect(hashRequirements([{ ...req[0], version: ">= 0.0.2" }, req[1]], lock.dependencies)).not.toBe(lock.digest);
  });

  it("writes the lock as helm does (keys sorted, the time quoted) and reads it back", () => {
    const lock = { generated: rfc3339Nano(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 120))), digest: "sha256:ab", dependencies: [{ name: "db", version: "1.2.3", repository: "https://charts.example.com" }] };
    const text = formatChartLock(lock);
    expect(text).toBe('dependencies:\n- name: db\n  repository: https://charts.example.com\n  version: 1.2.3\ndigest: sha256:ab\ngenerated: "2026-01-02T03:04:05.12Z"\n');
    expect(parseChartLock(text, { field: "x" })).toEqual(lock);
    expect(rfc3339Nano(new Date(Date.UTC(2026, 0, 2)))).toBe("2026-01-02T00:00:00Z");
  });

  it("marshals like Go's encoding/json (sorted keys, HTML-safe)", () => {
    expect(goJson({ b: 1, a: ["<&>"] })).toBe('{"a":["\\u003c\\u0026\\u003e"],"b":1}');
  });

  it("refuses a lock that is not one, naming the file", () => {
    expect(() => parseChartLock("- a\n", { file: "c/Chart.lock", field: "dependencies" })).toThrow(expect.objectContaining({ code: "GITOPS_CHART_DEPENDENCY", file: "c/Chart.lock" }));
  });
});
