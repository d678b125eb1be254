// Fuzzing Go template parse and execute (template/): ApplicationSet strings and SealedSecret
// spec.template.data are written by whoever can commit to the fleet repo. Valid templates get
// hostile actions spliced in (broken syntax, failing and converting functions, prototype keys,
// recursion); parse and execute must succeed or throw TemplateError with a TEMPLATE_* code.
// Allocation sizes in the actions are bounded: see templateAction in fuzz-support.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TEMPLATE_ERROR, parseTemplate, renderFastTemplate, type Template } from "../../template/index.js";
import { bounds, expectNoPollution, outcome, splicedTemplate, templateAction } from "./fuzz-support.js";

const CODES = Object.values(TEMPLATE_ERROR);

const VALID = [
  '{{ .name }}-{{ .metadata.labels.env | default "dev" }}',
  '{{- range $k, $v := .values }}{{ $k }}: {{ $v | quote }}\n{{ end -}}',
  '{{ if eq .env "prod" }}{{ printf "%s-%d" .name 3 }}{{ else }}{{ lower .name }}{{ end }}',
  '{{ with .server }}{{ trimPrefix "https://" . }}{{ end }}',
  '{{ define "x" }}<{{ . }}>{{ end }}{{ template "x" .name }}{{ toJson .values }}',
];

const dataArb = fc.oneof(
  fc.constant<unknown>({ name: "web", env: "prod", server: "https://k", values: { a: "1", b: "2" }, metadata: { labels: { env: "stage" } }, a: "abc" }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant<unknown>(JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"a":"x"}')),
);

function execute(source: string, data: unknown, options: Parameters<typeof parseTemplate>[1]): void {
  const template: Template | undefined = outcome(() => parseTemplate(source, options), CODES);
  if (template === undefined) return;
  const out = outcome(() => template.execute(data), CODES);
  if (out !== undefined) expect(typeof out).toBe("string");
}

describe("fuzz: Go templates with hostile actions spliced in", () => {
  it("Argo CD's function set, missingkey=error and =default", () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID).chain(splicedTemplate), dataArb, fc.constantFrom("error" as const, "default" as const, "zero" as const), (source, data, missingKey) => {
        execute(source, data, { functionSet: "argocd", missingKey, name: "fuzz" });
      }),
      bounds(600, 1_500),
    );
  });

  it("Sealed Secrets' function set over decrypted items", () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID).chain(splicedTemplate), (source) => {
        execute(source, { a: "s3cret", b: "x" }, { functionSet: "sealed-secrets", missingKey: "default", name: "item" });
      }),
      bounds(300, 1_000),
    );
  });

  it("sequences of actions alone, and fasttemplate's {{name}} replacement", () => {
    fc.assert(
      fc.property(fc.array(templateAction, { maxLength: 6 }).map((a) => a.join("")), dataArb, (source, data) => {
        execute(source, data, { functionSet: "argocd", missingKey: "default" });
        const params = typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Record<string, string>) : {};
        outcome(() => renderFastTemplate(source, params), CODES);
      }),
      bounds(500, 1_500),
    );
  });

  it("nothing the templates did polluted a prototype", () => {
    expectNoPollution();
  });
});
