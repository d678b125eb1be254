import { describe, expect, it } from "vitest";
import { parseTemplate, renderFastTemplate, renderTemplate, TemplateError } from "./index.js";

describe("renderTemplate (smoke)", () => {
  it("renders fields, pipelines and Sprig functions", () => {
    expect(renderTemplate("hello {{ .name | upper }}!", { name: "world" })).toBe("hello WORLD!");
  });

  it("fails on a missing key by default, with Go's message", () => {
    expect(() => renderTemplate("{{ .missing }}", {}, { name: "x" })).toThrow(
      'template: x:1:3: executing "x" at <.missing>: map has no entry for key "missing"',
    );
  });

  it("reports parse errors with the line", () => {
    const err = (() => {
      try {
        parseTemplate("a\n{{ if }}", { name: "t" });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).code).toBe("TEMPLATE_PARSE");
    expect((err as TemplateError).message).toBe("template: t:2: missing value for if");
  });

  it("replaces fasttemplate tags and keeps unknown ones", () => {
    expect(renderFastTemplate("{{name}}-{{ server }}-{{ missing }}", { name: "n", server: "s" })).toBe("n-s-{{ missing }}");
  });
});
