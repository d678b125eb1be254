import { describe, expect, it } from "vitest";
import { renderTemplate } from "../template/index.js";
import { compileStringTemplate, missingKeyOption } from "./template-engine.js";

const params = { name: "prod-eu", metadata: { labels: { env: "prod" } }, values: { replicas: 3, on: true }, list: ["a"] };

describe("compileStringTemplate", () => {
  it.each([
    "plain text",
    "{{.name}}",
    "web-{{ .name }}-{{.metadata.labels.env}}",
    "{{.values.replicas}}",
    "{{.values.on}}",
    "{{- .name -}} x",
    "{{.name | upper}}",
    '{{index .metadata.labels "env"}}',
  ])("gives exactly what the Go template engine gives: %s", (source) => {
    const fast = compileStringTemplate(source, { goTemplate: true, missingKey: "error" }, "t");
    expect(fast.render(params)).toBe(renderTemplate(source, params, { missingKey: "error", functionSet: "argocd", name: "t" }));
  });

  it("missing keys are errors under missingkey=error and <no value> under default", () => {
    const strict = compileStringTemplate("{{.metadata.labels.team}}", { goTemplate: true, missingKey: "error" }, "t");
    expect(() => strict.render(params)).toThrow(/team/);
    const lax = compileStringTemplate("{{.metadata.labels.team}}", { goTemplate: true, missingKey: "default" }, "t");
    expect(lax.render(params)).toBe("<no value>");
  });

  it("a parse error surfaces when the string is rendered, not before (so one bad cluster fails alone)", () => {
    const bad = compileStringTemplate("{{.name", { goTemplate: true, missingKey: "error" }, "t");
    expect(bad.constant).toBe(false);
    expect(() => bad.render(params)).toThrow();
  });

  it("fasttemplate replaces only string params and keeps unknown tags", () => {
    const fast = compileStringTemplate("{{name}}/{{ values.x }}/{{missing}}", { goTemplate: false, missingKey: "error" }, "t");
    expect(fast.render({ name: "a", "values.x": "b" })).toBe("a/b/{{missing}}");
  });

  it("reads missingkey from goTemplateOptions", () => {
    expect(missingKeyOption(["missingkey=error"], "default")).toBe("error");
    expect(missingKeyOption(["missingkey=invalid"], "error")).toBe("default");
    expect(missingKeyOption(undefined, "error")).toBe("error");
  });
});
