import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { fixturePath } from "../test/harness/fixtures.js";
import { renderTemplate, TemplateError } from "./index.js";

interface SealedSecretDoc {
  spec: { template: { data: Record<string, string> } };
}
interface Expected {
  sealedSecrets: Record<string, { expectedSecret: { data: Record<string, string> } }>;
}

/**
 * SealedSecret `spec.template.data`, as the controller renders it: each value is a template named
 * after its key, Sprig's GenericFuncMap minus env/expandenv/getHostByName, Go's default missingkey,
 * executed against the map of decrypted items as strings.
 */
const renderItem = (key: string, source: string, data: Record<string, string>): string =>
  renderTemplate(source, data, { name: key, functionSet: "sealed-secrets", missingKey: "default" });

describe("SealedSecret spec.template.data (shared fixture template.sealedsecret.yaml)", () => {
  const doc = parseYaml(readFileSync(fixturePath("sealed-secrets", "template.sealedsecret.yaml"), "utf8")) as SealedSecretDoc;
  const expected = (JSON.parse(readFileSync(fixturePath("sealed-secrets", "expected.json"), "utf8")) as Expected).sealedSecrets["template.sealedsecret.yaml"];
  const want = expected.expectedSecret.data;
  // The decrypted items the templates see (expected.json's note: templates see the decrypted "admin").
  const decrypted = { username: "admin", password: Buffer.from(want.password, "base64").toString("utf8") };

  it("renders every template item to the bytes the Go controller produced", () => {
    for (const [key, source] of Object.entries(doc.spec.template.data)) {
      expect(renderItem(key, source, decrypted)).toBe(Buffer.from(want[key], "base64").toString("utf8"));
    }
  });

  it("names the item in errors, and keeps secret values out of every error message", () => {
    const secret = "hunter2-plaintext-value";
    const data = { password: secret, json: `{"k":"${secret}"`, yaml: `a: ${secret}: b` };
    const failing = [
      "{{ range .password }}x{{ end }}",
      "{{ .password.field }}",
      "{{ index .password 99 }}",
      "{{ mustFromJson .json }}",
      "{{ eq .password 1.5 }}",
      "{{ upper (list .password) }}",
      "{{ required .missing .password | fail }}",
      '{{ eq (list .password) (list "x") }}',
      "{{ range $i, $c := len .password }}{{ end }}",
    ];
    const attempts: Array<() => string> = [
      ...failing.map((source) => () => renderItem("dsn", source, data)),
      // Argo CD's YAML helpers go through the same sanitising.
      () => renderTemplate("{{ fromYaml .yaml }}", data, { name: "dsn" }),
      () => renderTemplate("{{ fromYamlArray .yaml }}", data, { name: "dsn" }),
    ];
    for (const [i, attempt] of attempts.entries()) {
      const source = failing[i] ?? "fromYaml";
      let caught: unknown;
      try {
        attempt();
      } catch (err) {
        caught = err;
      }
      expect(caught, source).toBeInstanceOf(TemplateError);
      const message = (caught as TemplateError).message;
      expect(message, source).toMatch(/^template: dsn:1:\d+: executing "dsn" at </);
      expect(message, source).not.toContain(secret);
      expect(JSON.stringify(caught), source).not.toContain(secret);
    }
  });
});
