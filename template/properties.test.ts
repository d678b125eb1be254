import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTemplate, renderFastTemplate, renderTemplate, TemplateError } from "./index.js";

/** True when -0 appears anywhere in the value (toJson prints it as 0; JSON has no other spelling here). */
function hasNegativeZero(v: unknown): boolean {
  if (Object.is(v, -0)) return true;
  if (Array.isArray(v)) return v.some(hasNegativeZero);
  if (typeof v === "object" && v !== null) return Object.values(v).some(hasNegativeZero);
  return false;
}

/** JSON-like data as Argo CD hands it to templates (numbers are float64 there too). */
const jsonValue = fc.jsonValue({ maxDepth: 3 }).filter((v) => !hasNegativeZero(v));

describe("properties", () => {
  it("text without actions renders unchanged in both modes", () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes("{{")), (s) => {
        expect(renderTemplate(s, {})).toBe(s);
        expect(renderFastTemplate(s, {})).toBe(s);
      }),
    );
  });

  it("a string field renders to itself, whatever it holds", () => {
    const t = parseTemplate("{{ .s }}");
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(t.execute({ s })).toBe(s);
      }),
    );
  });

  it("toJson output parses back to the data (keys sorted, like encoding/json)", () => {
    const t = parseTemplate("{{ toJson .v }}");
    fc.assert(
      fc.property(jsonValue, (v) => {
        const out = t.execute({ v });
        expect(JSON.parse(out)).toEqual(v);
      }),
    );
  });

  it("quote produces a Go string literal that reads back as the input", () => {
    const t = parseTemplate("{{ quote .s }}");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii" }), (s) => {
        const quoted = t.execute({ s });
        // For ASCII, Go's strconv.Quote escapes are a subset of JSON's except \a, \v and \x..
        const asJson = quoted.replace(/\\(\\|a|v|x[0-9a-f]{2})/g, (all: string, esc: string) =>
          esc === "a" ? "\\u0007" : esc === "v" ? "\\u000b" : esc.startsWith("x") ? `\\u00${esc.slice(1)}` : all,
        );
        expect(JSON.parse(asJson)).toBe(s);
      }),
    );
  });

  it("never throws anything but TemplateError on arbitrary template text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }).map((s) => `{{${s}}}`), (src) => {
        try {
          renderTemplate(src, { a: { b: "c" }, n: 1, l: [1, 2] });
        } catch (err) {
          expect(err).toBeInstanceOf(TemplateError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("stops runaway recursion with an error instead of a stack overflow", () => {
    expect(() => renderTemplate('{{define "a"}}x{{template "a" .}}{{end}}{{template "a" .}}', {}, { name: "r" })).toThrow(
      /template: r:1:\d+: executing "a" at <\{\{template "a" \.\}\}>: exceeded maximum template depth \(1000\)/,
    );
  });
});
