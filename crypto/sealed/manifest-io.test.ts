import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../test/harness/fixtures.js";
import { formatManifest, parseManifests } from "./manifest-io.js";
import { isSealedSecretsError, SEALED_ERROR } from "./sealed-errors.js";

const dir = fixturePath("sealed-secrets");

describe("kubeseal output layout", () => {
  // The template vector was written by hand (quoted strings); every other file is `kubeseal -o yaml` layout.
  const files = readdirSync(dir).filter((f) => f.endsWith(".sealedsecret.yaml") && f !== "template.sealedsecret.yaml");

  it.each(files)("re-serialises %s byte for byte", (file) => {
    const text = readFileSync(`${dir}/${file}`, "utf8");
    expect(parseManifests(text, file).map((doc) => formatManifest(doc, "yaml")).join("")).toBe(text);
  });

  it("writes JSON the way Go's TypeMeta does: kind first, two-space indent", () => {
    const [doc] = parseManifests(readFileSync(`${dir}/strict.sealedsecret.yaml`, "utf8"));
    expect(formatManifest(doc, "json")).toMatch(/^\{\n {2}"kind": "SealedSecret",\n {2}"apiVersion": "bitnami.com\/v1alpha1",\n/);
  });

  it("names the line of a YAML error without quoting the input", () => {
    try {
      parseManifests("a: 1\nb: [unclosed-secret-value\n", "bad.yaml");
      expect.unreachable();
    } catch (err) {
      expect(isSealedSecretsError(err) && err.code).toBe(SEALED_ERROR.invalidManifest);
      expect(err).toMatchObject({ file: "bad.yaml" });
      expect((err as Error).message).not.toContain("unclosed-secret-value");
    }
  });
});
