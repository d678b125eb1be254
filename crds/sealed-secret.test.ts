import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../test/harness/fixtures.js";
import { fleetSealedSecretSchema, parseFleetSealedSecret } from "./fleet-sealed-secret.js";
import { parseSealedSecret, sealedSecretSchema } from "./sealed-secret.js";

const here = fileURLToPath(new URL(".", import.meta.url));
type Schema = { properties?: Record<string, Schema>; items?: Schema };
const crd = (file: string): Schema =>
  (parse(readFileSync(join(here, file), "utf8")) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } }).spec.versions[0].schema.openAPIV3Schema;

/** Property names of one level of a JSON Schema (zod's, converted, or the CRD's openAPIV3Schema). */
function keys(schema: Schema | undefined): string[] {
  return Object.keys(schema?.properties ?? {}).sort();
}

describe("SealedSecret CRD and validator", () => {
  it("accepts every SealedSecret fixture", () => {
    const dir = fixturePath("sealed-secrets");
    const files = readdirSync(dir).filter((f) => f.endsWith(".sealedsecret.yaml"));
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const f of files) for (const doc of parseAllDocuments(readFileSync(join(dir, f), "utf8"))) expect(parseSealedSecret(doc.toJS(), f).kind).toBe("SealedSecret");
  });

  it("names the offending field", () => {
    expect(() => parseSealedSecret({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: {}, spec: { encryptedData: { a: 1 } } }, "x.yaml")).toThrow(
      expect.objectContaining({ code: "CRD_INVALID", file: "x.yaml", field: "spec.encryptedData.a" }),
    );
  });

  it("has the same spec fields as the CRD YAML (no drift)", () => {
    const json = (s: z.ZodType): Schema => z.toJSONSchema(s, { io: "input" }) as Schema;
    const ss = crd("sealed-secret.yaml");
    const zs = json(sealedSecretSchema);
    expect(keys(zs.properties?.spec)).toEqual(keys(ss.properties?.spec));
    expect(keys(zs.properties?.spec?.properties?.template)).toEqual(keys(ss.properties?.spec?.properties?.template));
    const fs = crd("fleet-sealed-secret.yaml");
    const zf = json(fleetSealedSecretSchema);
    expect(keys(zf.properties?.spec)).toEqual(keys(fs.properties?.spec));
    expect(keys(zf.properties?.spec?.properties?.clusters?.items)).toEqual(keys(fs.properties?.spec?.properties?.clusters?.items));
    expect(keys(zf.properties?.spec?.properties?.recovery)).toEqual(keys(fs.properties?.spec?.properties?.recovery));
  });

  it("refuses a FleetSealedSecret with a duplicate cluster", () => {
    const entry = { cluster: "a", keyFingerprint: "SHA256:x", encryptedData: {} };
    expect(() => parseFleetSealedSecret({ apiVersion: "flotilla.dev/v1alpha1", kind: "FleetSealedSecret", metadata: { name: "n" }, spec: { clusters: [entry, entry] } })).toThrow(
      expect.objectContaining({ code: "CRD_INVALID", field: "spec.clusters[1].cluster", message: "cluster must be unique within the list" }) as Error,
    );
  });
});
