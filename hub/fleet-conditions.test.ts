import { describe, expect, it } from "vitest";
import type { FleetRender } from "../gitops/index.js";
import { affects, describeCondition, fleetConditions } from "./fleet-conditions.js";

const render: FleetRender = { revision: "0123456789abcdef0123", clusters: [], appSets: [], errors: [] };
const kustomize = { code: "GITOPS_KUSTOMIZE", message: "kustomize build failed: yaml: line 5: did not find expected key", file: "apps/web/base/deployment.yaml", field: "line 5" };

describe("fleetConditions", () => {
  it("is empty when HEAD rendered and published everywhere", () => {
    expect(fleetConditions({ sources: [{ id: "repo", revision: "abc" }], render, issues: [], publishErrors: [] })).toEqual([]);
  });

  it("makes one ComparisonError of one file failing for many clusters, with file, line and commit", () => {
    const issues = ["prod-eu", "prod-us", "staging"].map((cluster) => ({ cluster, app: `web-${cluster}`, appSet: "web", error: kustomize }));
    const [c, ...rest] = fleetConditions({ sources: [], render, issues, publishErrors: [] });
    expect(rest).toEqual([]);
    expect(c).toEqual({ type: "ComparisonError", code: "GITOPS_KUSTOMIZE", message: kustomize.message, file: kustomize.file, line: 5, revision: render.revision, appSet: "web", clusters: ["prod-eu", "prod-us", "staging"] });
    expect(c !== undefined && affects(c, "staging") && !affects(c, "dev")).toBe(true);
    expect(c === undefined ? "" : describeCondition(c)).toBe("ComparisonError at 0123456789ab: apps/web/base/deployment.yaml:5: kustomize build failed: yaml: line 5: did not find expected key");
  });

  it("reports a source failure for the whole fleet, render errors, and publish failures, without temporary paths", () => {
    const out = fleetConditions({
      sources: [{ id: "https://git.example/fleet", error: { code: "GITOPS_GIT", message: "fetch failed: open /tmp/flotilla-git-cache/x: EACCES" } }],
      render: { ...render, errors: [{ code: "GITOPS_PARSE", message: "bad indentation at line 3", file: "appsets/web.yaml", field: "line 3" }] },
      issues: [],
      publishErrors: [{ cluster: "prod-eu", message: "KV put timed out" }],
    });
    expect(out.map((c) => [c.type, c.code, c.clusters])).toEqual([
      ["SourceError", "GITOPS_GIT", "all"],
      ["ComparisonError", "GITOPS_PARSE", "all"],
      ["PublishError", "HUB_PUBLISH_FAILED", ["prod-eu"]],
    ]);
    expect(out[0]?.message).toBe("fetch failed: open <tmp>: EACCES");
    expect(out[1]?.line).toBe(3);
  });
});
