import { describe, expect, it } from "vitest";
import { ignoredPointers, parseIgnoreDifferences, withoutPointers } from "./ignore-differences.js";
import type { KubeObject } from "./kube-object.js";

const deploy: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop", annotations: { "example.com/a~b/c": "x", keep: "y" } },
  spec: { replicas: 3, template: { spec: { containers: [{ name: "a", image: "a:1" }, { name: "b", image: "b:1" }] } } },
};

describe("ignoreDifferences", () => {
  it("keeps jsonPointers rules and names what it cannot honour", () => {
    const parsed = parseIgnoreDifferences([
      { group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] },
      { kind: "ConfigMap", jqPathExpressions: [".data.x"] },
      { group: "apps", jsonPointers: ["/spec"] },
      "nonsense",
      { kind: "Service", managedFieldsManagers: ["kube-controller-manager"], jsonPointers: ["not-a-pointer"] },
    ]);
    expect(parsed.rules).toEqual([{ group: "apps", kind: "Deployment", name: undefined, namespace: undefined, jsonPointers: ["/spec/replicas"] }]);
    expect(parsed.unsupported).toEqual([
      "ignoreDifferences[1].jqPathExpressions (ConfigMap): not supported, only jsonPointers",
      "ignoreDifferences[2]: needs a kind",
      "ignoreDifferences[3]: needs a kind",
      "ignoreDifferences[4].managedFieldsManagers (Service): not supported, only jsonPointers",
    ]);
    expect(parseIgnoreDifferences(undefined)).toEqual({ rules: [], unsupported: [] });
  });

  it("matches by group, kind, name and namespace as Argo CD does, with * for any group or kind", () => {
    const rules = (entry: Record<string, unknown>) => parseIgnoreDifferences([{ jsonPointers: ["/spec/replicas"], ...entry }]);
    expect(ignoredPointers(rules({ group: "apps", kind: "Deployment" }), deploy)).toEqual(["/spec/replicas"]);
    expect(ignoredPointers(rules({ kind: "Deployment", name: "web", namespace: "shop" }), deploy)).toEqual(["/spec/replicas"]);
    expect(ignoredPointers(rules({ group: "*", kind: "*" }), deploy)).toEqual(["/spec/replicas"]);
    expect(ignoredPointers(rules({ group: "", kind: "Deployment" }), deploy)).toEqual([]);
    expect(ignoredPointers(rules({ group: "apps", kind: "StatefulSet" }), deploy)).toEqual([]);
    expect(ignoredPointers(rules({ kind: "Deployment", name: "api" }), deploy)).toEqual([]);
    expect(ignoredPointers(rules({ kind: "Deployment", namespace: "other" }), deploy)).toEqual([]);
  });

  it("removes the pointed fields from a copy: escaped keys, array items, and paths that do not exist", () => {
    const out = withoutPointers(deploy, ["/spec/replicas", "/metadata/annotations/example.com~1a~0b~1c", "/spec/template/spec/containers/0", "/spec/missing/deep", "/status"]);
    expect(out.spec).toEqual({ template: { spec: { containers: [{ name: "b", image: "b:1" }] } } });
    expect(out.metadata.annotations).toEqual({ keep: "y" });
    // The input is untouched.
    expect((deploy.spec as { replicas: number }).replicas).toBe(3);
    expect(withoutPointers(deploy, [])).toBe(deploy);
  });
});
