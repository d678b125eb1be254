import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseWith } from "../parse-with.js";
import { listCrdTargets, orphanedModules, renderCrdTarget } from "./crd-targets.js";
import { CODEGEN_ERROR, generateCrdModule } from "./generate-crd-module.js";
import { widgetSchema } from "./testdata/widget.expected.js";

const ROOT = join(import.meta.dirname, "..", "..");
const committed = (path: string): Promise<string> => readFile(join(ROOT, path), "utf8");

describe("CRD code generator", () => {
  it("generates the golden module from the fixture CRD", async () => {
    const fixtures = (await listCrdTargets(ROOT)).filter((t) => t.source.startsWith("crds/codegen/testdata/"));
    expect(fixtures.map((t) => t.output)).toEqual(["crds/codegen/testdata/widget.expected.ts"]);
    for (const target of fixtures) expect(await renderCrdTarget(ROOT, target)).toBe(await committed(target.output));
  });

  it("crds/generated/ is exactly what crds/*.yaml generates (else: npm run generate:crds)", async () => {
    const targets = (await listCrdTargets(ROOT)).filter((t) => t.output.startsWith("crds/generated/"));
    expect(targets.map((t) => t.source)).toEqual(expect.arrayContaining(["crds/application-set.yaml", "crds/cluster.yaml", "crds/fleet-sealed-secret.yaml", "crds/sealed-secret.yaml"]));
    for (const target of targets) {
      const text = await renderCrdTarget(ROOT, target);
      expect(text.startsWith(`// Generated from ${target.source} by crds/codegen`)).toBe(true);
      expect(text, `${target.output} is stale`).toBe(await committed(target.output));
    }
    expect(await orphanedModules(ROOT, targets)).toEqual([]);
  });

  describe("the generated validator enforces the fixture's schema", () => {
    const valid = {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w", labels: { a: "b" }, resourceVersion: "7" },
      spec: {
        name: "web-1",
        replicas: 3,
        notBefore: "2024-05-01T10:00:00+02:00",
        checksum: null,
        tags: ["a", "b"],
        matrix: [[1, 2], []],
        ports: [{ name: "http", port: 80, targetPort: "web" }, { name: "metrics", port: 9090, targetPort: 9091 }],
        limits: { main: { cpu: "1" } },
        config: { anything: [1, { deep: true }] },
        owner: { team: "infra", extra: 1 },
        raw: "text",
        "x-legacy": "old",
        options: null,
        unknownField: "pruned",
      },
    };
    const parse = (value: unknown): unknown => parseWith(widgetSchema, value, "w.yaml");
    const withSpec = (patch: Record<string, unknown>): unknown => ({ ...valid, spec: { ...valid.spec, ...patch } });

    it("applies defaults, prunes unknown fields and keeps preserved ones", () => {
      const widget = widgetSchema.parse(valid);
      expect(widget.spec.size).toBe("small");
      expect(widget.spec.paused).toBe(false);
      expect(widget.spec).not.toHaveProperty("unknownField");
      expect(widget.spec.owner).toEqual({ team: "infra", extra: 1 });
      expect(widget.spec.config).toEqual({ anything: [1, { deep: true }] });
      expect(widget.metadata["resourceVersion"]).toBe("7");
    });

    it.each([
      ["apiVersion", { ...valid, apiVersion: "example.com/v2" }],
      ["spec", { ...valid, spec: undefined }],
      ["spec.name", withSpec({ name: "Web" })],
      ["spec.name", withSpec({ name: "a".repeat(64) })],
      ["spec.size", withSpec({ size: "medium" })],
      ["spec.replicas", withSpec({ replicas: 11 })],
      ["spec.replicas", withSpec({ replicas: 1.5 })],
      ["spec.ratio", withSpec({ ratio: 2 })],
      ["spec.notBefore", withSpec({ notBefore: "yesterday" })],
      ["spec.checksum", withSpec({ checksum: "not base64!" })],
      ["spec.tags", withSpec({ tags: ["1", "2", "3", "4", "5", "6"] })],
      ["spec.tags[2]", withSpec({ tags: ["a", "b", "a"] })],
      ["spec.modes[0]", withSpec({ modes: ["execute"] })],
      ["spec.matrix[0][0]", withSpec({ matrix: [["x"]] })],
      ["spec.ports", withSpec({ ports: [] })],
      ["spec.ports[1].name", withSpec({ ports: [{ name: "http", port: 80 }, { name: "http", port: 81 }] })],
      ["spec.ports[0].port", withSpec({ ports: [{ name: "http", port: 0 }] })],
      ["spec.ports[0].targetPort", withSpec({ ports: [{ name: "http", port: 80, targetPort: true }] })],
      ["spec.labels.a", withSpec({ labels: { a: 1 } })],
      ["spec.limits.main.cpu", withSpec({ limits: { main: { cpu: 1 } } })],
      ["spec.x-legacy", withSpec({ "x-legacy": 1 })],
      ["status.phase", { ...valid, status: { phase: "Gone" } }],
      ["status.since", { ...valid, status: { since: "2024-13-01" } }],
    ])("refuses a bad %s", (field, value) => {
      expect(() => parse(value)).toThrow(expect.objectContaining({ code: "CRD_INVALID", field, file: "w.yaml" }) as Error);
    });

    it("names the duplicated key, not its value", () => {
      expect(() => parse(withSpec({ ports: [{ name: "s3cr3t", port: 80 }, { name: "s3cr3t", port: 81 }] }))).toThrow(/name must be unique within the list/);
      try {
        parse(withSpec({ ports: [{ name: "s3cr3t", port: 80 }, { name: "s3cr3t", port: 81 }] }));
      } catch (err) {
        expect(String((err as Error).message)).not.toContain("s3cr3t");
      }
    });
  });

  describe("refuses what it cannot enforce, naming the place", () => {
    const crdWith = (spec: unknown): unknown => ({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      spec: {
        group: "example.com",
        names: { kind: "Thing" },
        versions: [{ name: "v1", schema: { openAPIV3Schema: { type: "object", properties: { spec } } } }],
      },
    });
    const at = "spec.versions[0].schema.openAPIV3Schema.properties.spec";

    it.each([
      ["an unknown keyword", { type: "object", properties: { a: { type: "string", anyOf: [] } } }, `${at}.properties.a`],
      ["CEL validation rules", { type: "object", "x-kubernetes-validations": [{ rule: "true" }] }, at],
      ["a format without a check", { type: "string", format: "email" }, `${at}.format`],
      ["a keyword of another type", { type: "integer", pattern: "^1$" }, `${at}.pattern`],
      ["a non-string enum", { type: "string", enum: [1, 2] }, `${at}.enum`],
      ["an array without items", { type: "array" }, at],
      ["a schema without a type", { description: "x" }, at],
      ["a required field that is not a property", { type: "object", required: ["a"], properties: { b: { type: "string" } } }, `${at}.required`],
      ["a list-map key that may be missing", { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"], items: { type: "object", properties: { k: { type: "string" } } } }, `${at}.x-kubernetes-list-map-keys`],
      ["properties next to additionalProperties", { type: "object", properties: {}, additionalProperties: { type: "string" } }, at],
      ["a bad pattern", { type: "string", pattern: "(" }, `${at}.pattern`],
    ])("%s", (_what, spec, field) => {
      expect(() => generateCrdModule(crdWith(spec), { source: "x.yaml", importBase: "../" })).toThrow(expect.objectContaining({ code: CODEGEN_ERROR, file: "x.yaml", field }) as Error);
    });

    it("a root metadata schema beyond type: object (ObjectMeta is not the CRD's to define)", () => {
      const crd = crdWith({ type: "object" }) as { spec: { versions: { schema: { openAPIV3Schema: { properties: Record<string, unknown> } } }[] } };
      crd.spec.versions[0].schema.openAPIV3Schema.properties["metadata"] = { type: "object", properties: { name: { type: "string" } } };
      expect(() => generateCrdModule(crd, { source: "x.yaml", importBase: "../" })).toThrow(
        expect.objectContaining({ code: CODEGEN_ERROR, field: "spec.versions[0].schema.openAPIV3Schema.properties.metadata" }) as Error,
      );
    });
  });

  it("is deterministic and names nested types after their path", () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      spec: {
        group: "example.com",
        names: { kind: "Thing" },
        versions: [{ name: "v1", schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { policies: { type: "array", items: { type: "object", properties: { on: { type: "boolean" } } } } } } } } } }],
      },
    };
    const text = generateCrdModule(crd, { source: "x.yaml", importBase: "../" });
    expect(text).toBe(generateCrdModule(structuredClone(crd), { source: "x.yaml", importBase: "../" }));
    expect(text).toContain("export type ThingSpecPolicy = {");
    expect(text).toContain("policies: z.array(thingSpecPolicySchema).optional(),");
  });
});
