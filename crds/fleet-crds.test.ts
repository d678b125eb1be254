import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { parseApplicationSet, parseCluster } from "./index.js";

const ROOT = join(import.meta.dirname, "..");

async function yamlOf(path: string): Promise<unknown> {
  return parseYaml(await readFile(join(ROOT, path), "utf8")) as unknown;
}

describe("Cluster and ApplicationSet CRDs", () => {
  it.each(["crds/cluster.yaml", "crds/application-set.yaml"])("%s is a flotilla.dev/v1alpha1 CustomResourceDefinition", async (file) => {
    const crd = (await yamlOf(file)) as { kind: string; spec: { group: string; versions: { name: string; schema: { openAPIV3Schema: { type: string } } }[] } };
    expect(crd.kind).toBe("CustomResourceDefinition");
    expect(crd.spec.group).toBe("flotilla.dev");
    expect(crd.spec.versions.map((v) => v.name)).toEqual(["v1alpha1"]);
    expect(crd.spec.versions[0].schema.openAPIV3Schema.type).toBe("object");
  });

  it("the example fleet's Clusters and ApplicationSets validate", async () => {
    for (const name of ["prod-eu", "prod-us", "staging"]) {
      const cluster = parseCluster(await yamlOf(`examples/fleet/clusters/${name}.yaml`), name);
      expect(cluster.metadata.labels?.["env"]).toBeDefined();
    }
    for (const name of ["web", "payments", "addons"]) {
      const appSet = parseApplicationSet(await yamlOf(`examples/fleet/appsets/${name}.yaml`), name);
      expect(appSet.metadata.name).toBe(name);
    }
  });

  it("names the offending field", async () => {
    const text = await readFile(join(ROOT, "examples/fleet/clusters/prod-eu.yaml"), "utf8");
    const doc = parseAllDocuments(text)[0].toJS() as { spec: { values: Record<string, unknown> } };
    doc.spec.values["replicas"] = 3;
    expect(() => parseCluster(doc, "prod-eu.yaml")).toThrow(expect.objectContaining({ code: "CRD_INVALID", field: "spec.values.replicas", file: "prod-eu.yaml" }) as Error);
    expect(() => parseApplicationSet({ apiVersion: "argoproj.io/v1beta9", kind: "ApplicationSet", metadata: { name: "x" }, spec: { generators: [] } })).toThrow(
      expect.objectContaining({ field: "apiVersion" }) as Error,
    );
  });

  it("keeps strategy.rollingSync.autoRollback, which the hub honours per ApplicationSet", async () => {
    const crd = (await yamlOf("crds/application-set.yaml")) as { spec: { versions: { schema: { openAPIV3Schema: unknown } }[] } };
    expect(JSON.stringify(crd.spec.versions[0].schema.openAPIV3Schema)).toContain('"autoRollback":{"type":"boolean"');
    const appSet = parseApplicationSet({
      apiVersion: "flotilla.dev/v1alpha1",
      kind: "ApplicationSet",
      metadata: { name: "web" },
      spec: {
        generators: [{ list: { elements: [] } }],
        template: { metadata: { name: "x" }, spec: {} },
        strategy: { type: "RollingSync", rollingSync: { autoRollback: true, steps: [{ matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] }] } },
      },
    });
    expect(appSet.spec.strategy?.rollingSync?.autoRollback).toBe(true);
  });
});
